"""Loading evaluation sets: the bundled article gold/contrast splits or any JSONL in that schema.

An eval item is one (text, actor) pair with gold stance and sentiment labels (schema in
docs/annotation.md). Items are returned as a `datasets.Dataset` so they can be filtered, mapped
and shared with the fine-tuning code. Every file problem is one ConfigError / InputError line
naming the file, the line and the field, because eval sets are hand-written and typos are likely.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..templates import SENTIMENT_LABELS, STANCE_LABELS

SPLITS: tuple[str, ...] = ("gold", "contrast", "dev", "dev2", "test", "all")
#: Bundled eval sets: name -> JSONL files (relative to the package) that together form the set.
BUNDLED: dict[str, tuple[str, ...]] = {
    "article": ("data/article/gold.jsonl", "data/article/contrast.jsonl"),
}
#: The unseen-news set: one folder per text under data/news/ (text.txt, actors.yaml, gold.jsonl), splits
#: in data/news/index.yaml. Read by `news_items`, which builds items in the schema above.
NEWS = "news"
PHENOMENA: tuple[str, ...] = (
    "multi_actor_opposite", "conjoined_subjects", "reported_speech", "reporter", "quotation", "passive_agent",
    "possessor", "negation", "hedging", "opposite_of_target", "target_paraphrase", "bystander", "stance_change",
    "conditional", "non_committal",
)
REQUIRED: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "text": str,
    "actor": str,
    "mentions": list,
    "target": str,
    "stance": str,
    "sentiment": str,
    "split": str,
}
#: Optional fields and their defaults; all items get every column so the Dataset has one schema.
OPTIONAL: dict[str, Any] = {
    "doc_id": "",
    "paragraph": 0,
    "evidence": "",
    "confidence": "high",
    "rationale": "",
    "source_id": "",
    "edit": "",
    "doc": "",
    "aliases": [],
    "target_aliases": [],
    "phenomena": [],
}


def bundled_path(name: str) -> list[Path]:
    """Files of a bundled eval set (``"article"``)."""
    root = resources.files("stancekit")
    return [Path(str(root / rel)) for rel in BUNDLED[name]]


def read_items(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate one JSONL file; raises a one-line error naming the file, line and field."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"eval set not found: {p} (expected 'article' or a .jsonl path)")
    if p.is_dir():
        raise ConfigError(
            f"eval set path is a directory without index.yaml: {p} (expected a JSONL file or a folder laid out like "
            "the news set)"
        )
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: eval set is not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read eval set ({exc.strerror or exc})") from None
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{p}:{n}: invalid JSON: {exc.msg}") from None
        item = validate_item(raw, f"{p}:{n}")
        if item["id"] in seen:
            raise ConfigError(f"{p}:{n}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        items.append(item)
    if not items:
        raise InputError(f"{p}: eval set has no items")
    return items


def validate_item(raw: Any, where: str) -> dict[str, Any]:
    """Check one item's fields and labels; returns it with optional fields filled in."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a JSON object per line, got {type(raw).__name__}")
    for key, typ in REQUIRED.items():
        if key not in raw:
            raise ConfigError(f"{where}: missing field {key!r}")
        if not isinstance(raw[key], typ):
            raise ConfigError(f"{where}: field {key!r} must be {typ.__name__}, got {type(raw[key]).__name__}")
    if not raw["text"].strip() or not raw["actor"].strip():
        raise ConfigError(f"{where}: fields 'text' and 'actor' must be non-empty")
    if not all(isinstance(m, str) and m for m in raw["mentions"]):
        raise ConfigError(f"{where}: field 'mentions' must be a list of non-empty strings")
    if raw["stance"] not in STANCE_LABELS:
        raise ConfigError(f"{where}: stance {raw['stance']!r} is not one of {', '.join(STANCE_LABELS)}")
    if raw["sentiment"] not in SENTIMENT_LABELS:
        raise ConfigError(
            f"{where}: sentiment {raw['sentiment']!r} is not one of {', '.join(SENTIMENT_LABELS)}"
        )
    if raw["split"] == "all" or not raw["split"].strip():
        raise ConfigError(f"{where}: split must be a name such as 'gold' or 'contrast', got {raw['split']!r}")
    item = {key: raw[key] for key in REQUIRED}
    for key, default in OPTIONAL.items():
        value = raw.get(key, default)
        if value is None:
            value = default
        if not isinstance(value, type(default)) or isinstance(value, bool):
            raise ConfigError(f"{where}: field {key!r} must be {type(default).__name__}, got {type(value).__name__}")
        item[key] = value
    return item


def load_items(name_or_path: str | Path = "article", split: str = "gold") -> list[dict[str, Any]]:
    """Items of an eval set as plain dicts (what `load_eval_set` wraps in a Dataset)."""
    if not isinstance(split, str) or not split.strip():
        raise ConfigError(f"split must be one of {', '.join(SPLITS)} (or a split name in the file), got {split!r}")
    name = str(name_or_path)
    if name == NEWS or (name not in BUNDLED and is_news_folder(name)):  # the bundled news set, or one laid out like it
        items = news_items(None if name == NEWS else name)
        if split != "all":
            have = sorted({it["split"] for it in items})
            items = [it for it in items if it["split"] == split]
            if not items:
                raise ConfigError(f"eval set {name}: no items with split {split!r} (has: {', '.join(have)})")
        return items
    paths = bundled_path(name) if name in BUNDLED else [Path(name)]
    items = [item for path in paths for item in read_items(path)]
    if split != "all":
        items = [item for item in items if item["split"] == split]
        if not items:
            have = sorted({item["split"] for path in paths for item in read_items(path)})
            raise ConfigError(f"eval set {name}: no items with split {split!r} (has: {', '.join(have)})")
    return items


def is_news_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder laid out like the unseen-news set (an ``index.yaml`` beside text folders), so
    a user's own annotated news can be evaluated exactly as the bundled set is."""
    p = Path(path)
    return p.is_dir() and (p / "index.yaml").is_file()


def news_root() -> Path:
    """The folder of the bundled unseen-news set."""
    return Path(str(resources.files("stancekit") / "data" / "news"))


def news_items(root: str | Path | None = None) -> list[dict[str, Any]]:
    """Items of the unseen-news set (or of a folder laid out like it), validated.

    Each text folder holds ``text.txt`` (paragraphs separated by blank lines), ``actors.yaml`` (``target:``
    with aliases, ``actors:``) and ``gold.jsonl`` (one line per mentioned (paragraph, actor): stance,
    sentiment, evidence, confidence, phenomena, rationale). The gold must cover exactly the (paragraph,
    actor) pairs that stancekit's mention finder finds, every evidence must be a verbatim part of its
    paragraph: a file that breaks either rule is refused with a one-line error naming it.
    """
    import yaml

    from ..actors import load_actors_file
    from ..mentions import MentionFinder
    from ..segment import segment

    base = Path(root) if root is not None else news_root()
    index_path = base / "index.yaml"
    if not index_path.is_file():
        raise ConfigError(f"news set: no index.yaml in {base}")
    try:
        index = yaml.safe_load(index_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{index_path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    docs = index.get("texts") if isinstance(index, dict) else None
    if not isinstance(docs, dict) or not docs:
        raise ConfigError(f"{index_path}: expected 'texts:' mapping text folder -> {{split:, domain:}}")
    items: list[dict[str, Any]] = []
    for doc, meta in docs.items():
        folder = base / str(doc)
        split = (meta or {}).get("split") if isinstance(meta, dict) else None
        if not isinstance(split, str) or not split.strip():
            raise ConfigError(f"{index_path}: texts.{doc}.split: missing")
        spec = load_actors_file(folder / "actors.yaml")
        if spec.target is None:
            raise ConfigError(f"{folder / 'actors.yaml'}: target: missing")
        text_path = folder / "text.txt"
        try:
            paragraphs = segment(text_path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{text_path}: cannot read ({exc.strerror or exc})") from None
        finder = MentionFinder(spec.actors)
        mentions: dict[tuple[int, str], list[str]] = {}
        for para in paragraphs:
            if para.is_content:
                for m in finder.find(para.text):
                    mentions.setdefault((para.index, m.actor), []).append(m.surface)
        aliases = {a.name: list(a.aliases) for a in spec.actors}
        gold_path = folder / "gold.jsonl"
        seen: set[tuple[int, str]] = set()
        try:
            lines = gold_path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"{gold_path}: cannot read ({exc.strerror or exc})") from None
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{gold_path}:{n}"
            try:
                g = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: invalid JSON: {exc.msg}") from None
            key = (g.get("paragraph"), g.get("actor"))
            if key not in mentions:
                raise ConfigError(f"{where}: actor {key[1]!r} is not mentioned in paragraph {key[0]!r}")
            if key in seen:
                raise ConfigError(f"{where}: duplicate item for paragraph {key[0]}, actor {key[1]!r}")
            seen.add(key)
            para_text = paragraphs[key[0]].text
            if g.get("evidence") and g["evidence"] not in para_text:
                raise ConfigError(f"{where}: evidence is not a verbatim part of paragraph {key[0]}")
            bad = sorted(set(g.get("phenomena", [])) - set(PHENOMENA))
            if bad:
                raise ConfigError(f"{where}: unknown phenomenon {bad[0]!r} (known: {', '.join(PHENOMENA)})")
            raw = {
                "id": f"news-{doc}-p{key[0]}-{key[1]}",
                "doc_id": str(doc),
                "doc": str(doc),
                "paragraph": key[0],
                "text": para_text,
                "actor": key[1],
                "aliases": aliases[key[1]],
                "mentions": mentions[key],
                "target": spec.target.name,
                "target_aliases": list(spec.target.aliases),
                "split": split,
                **{k: g[k] for k in ("stance", "sentiment", "evidence", "confidence", "rationale", "phenomena") if k in g},
            }
            items.append(validate_item(raw, where))
        missing = sorted(set(mentions) - seen)
        if missing:
            raise ConfigError(f"{gold_path}: no gold for mentioned paragraph {missing[0][0]}, actor {missing[0][1]!r}")
    return items


def load_eval_set(name_or_path: str | Path = "article", split: str = "gold"):
    """Load an eval set as a `datasets.Dataset`.

    ``name_or_path``: ``"article"`` (the bundled gold + contrast sets), ``"news"`` (the unseen-news set:
    ``split="dev"``, ``"dev2"`` or ``"test"``, items carry ``doc``, ``phenomena`` and the target's aliases), a
    folder laid out like the news set, or a JSONL path in the same schema. ``split``: ``"gold"``,
    ``"contrast"``, ``"dev"``, ``"dev2"``, ``"test"`` or ``"all"`` (any other split name present in a custom file
    or folder also works). Raises ConfigError / InputError with one line naming the file."""
    from datasets import Dataset

    return Dataset.from_list(load_items(name_or_path, split))
