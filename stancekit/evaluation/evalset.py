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

SPLITS: tuple[str, ...] = ("gold", "contrast", "all")
#: Bundled eval sets: name -> JSONL files (relative to the package) that together form the set.
BUNDLED: dict[str, tuple[str, ...]] = {
    "article": ("data/article/gold.jsonl", "data/article/contrast.jsonl"),
}
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
        raise ConfigError(f"eval set path is a directory, not a JSONL file: {p}")
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
    paths = bundled_path(name) if name in BUNDLED else [Path(name)]
    items = [item for path in paths for item in read_items(path)]
    if split != "all":
        items = [item for item in items if item["split"] == split]
        if not items:
            have = sorted({item["split"] for path in paths for item in read_items(path)})
            raise ConfigError(f"eval set {name}: no items with split {split!r} (has: {', '.join(have)})")
    return items


def load_eval_set(name_or_path: str | Path = "article", split: str = "gold"):
    """Load an eval set as a `datasets.Dataset`.

    ``name_or_path``: ``"article"`` (the bundled gold + contrast sets) or a JSONL path in the same
    schema. ``split``: ``"gold"``, ``"contrast"`` or ``"all"`` (any other split name present in a
    custom file also works). Raises ConfigError / InputError with one line naming the file.
    """
    from datasets import Dataset

    return Dataset.from_list(load_items(name_or_path, split))
