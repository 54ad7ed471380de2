"""The bundled gold / contrast sets: schema, splits, and agreement with the mention finder."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from stancekit.actors import load_actors_file
from stancekit.errors import ConfigError, InputError
from stancekit.evaluation import load_eval_set
from stancekit.evaluation.evalset import bundled_path
from stancekit.mentions import find_mentions
from stancekit.segment import normalize_text, segment

DATA = Path(__file__).resolve().parent.parent / "stancekit" / "data" / "article"
EDITS = {"negation", "swapped_actors", "reported_vs_own", "conditional", "paraphrase", "neutralise"}


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_splits_and_schema():
    gold = load_eval_set("article", split="gold")
    contrast = load_eval_set(split="contrast")
    both = load_eval_set(split="all")
    assert len(gold) == len(_rows("gold.jsonl")) and set(gold["split"]) == {"gold"}
    assert len(contrast) == len(_rows("contrast.jsonl")) >= 60 and set(contrast["split"]) == {"contrast"}
    assert len(both) == len(gold) + len(contrast)
    assert len(set(both["id"])) == len(both)
    for col in ("id", "doc_id", "paragraph", "text", "actor", "mentions", "target", "stance", "sentiment",
                "evidence", "confidence", "rationale", "split", "source_id", "edit"):
        assert col in both.column_names, col
    assert set(both["stance"]) <= {"support", "oppose", "neutral"}
    assert set(both["sentiment"]) <= {"positive", "negative", "neutral"}
    assert set(both["confidence"]) <= {"high", "low"}
    assert set(both["target"]) == {"the plan"}
    for row in both:
        assert row["evidence"] and row["evidence"] in row["text"], row["id"]
        assert row["rationale"].strip(), row["id"]


def test_gold_keys_equal_find_mentions_on_the_article():
    """One gold item per (paragraph, actor) the mention finder reports, and no other."""
    spec = load_actors_file(DATA / "actors.yaml")
    paragraphs = segment((DATA / "article.txt").read_text(encoding="utf-8"))
    found: dict[tuple[int, str], list[str]] = {}
    for p in paragraphs:
        for m in find_mentions(p.text, spec.actors):
            found.setdefault((p.index, m.actor), []).append(m.surface)
    gold = {(r["paragraph"], r["actor"]): r for r in _rows("gold.jsonl")}
    assert sorted(gold) == sorted(found)
    assert len(gold) == len(_rows("gold.jsonl"))  # no duplicate keys
    texts = {p.index: p.text for p in paragraphs}
    for key, row in gold.items():
        # gold text is the article verbatim (curly apostrophe kept); segment() normalises it
        assert normalize_text(row["text"]) == texts[key[0]], key
        assert row["text"] in (DATA / "article.txt").read_text(encoding="utf-8"), key
        assert row["mentions"] == found[key], key
        assert row["target"] == spec.target.name
    assert paragraphs[-1].text == "MNA" and not paragraphs[-1].is_content
    assert not [k for k in gold if k[0] == paragraphs[-1].index]


def test_gold_labels_that_the_guidelines_spell_out():
    gold = {(r["paragraph"], r["actor"]): r for r in _rows("gold.jsonl")}
    assert gold[(1, "Zelensky")]["stance"] == "oppose"
    for actor in ("United Kingdom", "Germany", "France"):
        assert gold[(2, actor)]["stance"] == "oppose"
    assert gold[(2, "Trump")]["stance"] == "support"
    assert gold[(4, "Europe")]["stance"] == "neutral"  # conditional
    assert gold[(4, "Zelensky")]["stance"] == "neutral"


def test_contrast_items_are_edits_of_gold_items_and_balanced():
    gold_ids = {r["id"]: r for r in _rows("gold.jsonl")}
    rows = _rows("contrast.jsonl")
    spec = load_actors_file(DATA / "actors.yaml")
    for r in rows:
        assert r["source_id"] in gold_ids, r["id"]
        assert r["edit"] in EDITS, r["id"]
        assert r["paragraph"] == gold_ids[r["source_id"]]["paragraph"]
        surfaces = [m.surface for m in find_mentions(r["text"], spec.actors) if m.actor == r["actor"]]
        assert surfaces == r["mentions"], r["id"]
    stance = Counter(r["stance"] for r in rows)
    assert min(stance.values()) >= 0.25 * len(rows), stance
    assert set(Counter(r["edit"] for r in rows)) == EDITS
    # a cue-word model is caught: items saying "against"/"reject" near the actor that are not oppose
    cue = re.compile(r"\b(against|reject\w*)\b")
    assert sum(1 for r in rows if cue.search(r["text"]) and r["stance"] != "oppose") >= 5


def test_custom_jsonl_and_errors(tmp_path):
    row = dict(id="x1", text="Germany is against the plan.", actor="Germany", mentions=["Germany"],
               target="the plan", stance="oppose", sentiment="neutral", split="dev")
    good = tmp_path / "set.jsonl"
    good.write_text(json.dumps(row) + "\n\n" + json.dumps({**row, "id": "x2", "split": "test"}) + "\n")
    ds = load_eval_set(good, split="dev")
    assert ds["id"] == ["x1"] and ds["confidence"] == ["high"]
    assert len(load_eval_set(str(good), split="all")) == 2

    with pytest.raises(ConfigError, match="not found"):
        load_eval_set(tmp_path / "nope.jsonl")
    with pytest.raises(ConfigError, match="no items with split 'gold'"):
        load_eval_set(good, split="gold")
    cases = {
        "missing field 'stance'": {k: v for k, v in row.items() if k != "stance"},
        "stance 'against' is not one of": {**row, "stance": "against"},
        "field 'mentions' must be list": {**row, "mentions": "Germany"},
    }
    for msg, bad in cases.items():
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps(bad) + "\n")
        with pytest.raises(ConfigError, match=re.escape(msg)) as err:
            load_eval_set(path, split="dev")
        assert str(path) + ":1" in str(err.value) and "\n" not in str(err.value)
    dup = tmp_path / "dup.jsonl"
    dup.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(ConfigError, match=r"dup.jsonl:2: duplicate id"):
        load_eval_set(dup, split="dev")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    with pytest.raises(InputError, match=r"broken.jsonl:1: invalid JSON"):
        load_eval_set(broken)
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        load_eval_set(binary)


def test_bundled_files_are_packaged():
    assert all(p.is_file() for p in bundled_path("article"))


def _news_folder(root: Path, gold_lines: list[dict]) -> Path:
    """A one-text folder laid out like the bundled news set."""
    doc = root / "levy"
    doc.mkdir(parents=True, exist_ok=True)
    (root / "index.yaml").write_text("texts:\n  levy: {split: dev, domain: tax}\n", encoding="utf-8")
    (doc / "text.txt").write_text(
        "Norway backed the levy on Monday, while Chile rejected it.\n\nChile later said it would study the text.\n",
        encoding="utf-8",
    )
    (doc / "actors.yaml").write_text(
        "target: {name: the levy, aliases: [the text]}\nactors:\n  Norway: [Norway]\n  Chile: [Chile]\n",
        encoding="utf-8",
    )
    (doc / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold_lines), encoding="utf-8")
    return root


NEWS_GOLD = [
    {"paragraph": 0, "actor": "Norway", "stance": "support", "sentiment": "neutral", "evidence": "Norway backed the levy"},
    {"paragraph": 0, "actor": "Chile", "stance": "oppose", "sentiment": "neutral", "evidence": "Chile rejected it"},
    {"paragraph": 1, "actor": "Chile", "stance": "neutral", "sentiment": "neutral", "phenomena": ["non_committal"]},
]


def test_news_layout_folder_is_an_eval_set(tmp_path):
    """A user's own annotated news, laid out like the bundled set, loads by path with the same checks."""
    root = _news_folder(tmp_path / "mine", NEWS_GOLD)
    ds = load_eval_set(root, split="dev")
    assert ds["id"] == ["news-levy-p0-Norway", "news-levy-p0-Chile", "news-levy-p1-Chile"]
    assert ds["stance"] == ["support", "oppose", "neutral"] and set(ds["target"]) == {"the levy"}
    assert ds["text"][2] == "Chile later said it would study the text."
    with pytest.raises(ConfigError, match="no items with split 'test'"):
        load_eval_set(root, split="test")
    cases = {
        "no gold for mentioned paragraph 1, actor 'Chile'": NEWS_GOLD[:2],
        "actor 'Norway' is not mentioned in paragraph 1": NEWS_GOLD + [{**NEWS_GOLD[0], "paragraph": 1}],
        "evidence is not a verbatim part of paragraph 0": [{**NEWS_GOLD[0], "evidence": "Norway hailed it"}]
        + NEWS_GOLD[1:],
        "unknown phenomenon 'sarcasm'": [{**NEWS_GOLD[0], "phenomena": ["sarcasm"]}] + NEWS_GOLD[1:],
        "duplicate item for paragraph 0, actor 'Chile'": NEWS_GOLD + [NEWS_GOLD[1]],
    }
    for i, (msg, lines) in enumerate(cases.items()):
        bad = _news_folder(tmp_path / f"bad{i}", lines)
        with pytest.raises(ConfigError, match=re.escape(msg)) as err:
            load_eval_set(bad, split="dev")
        assert "gold.jsonl" in str(err.value) and "\n" not in str(err.value)
    empty = tmp_path / "no-index"
    empty.mkdir()
    with pytest.raises(ConfigError, match="directory without index.yaml"):
        load_eval_set(empty)


def test_bundled_news_set_splits():
    """The bundled news set: every text is dev, dev2 or test, and the README's counts are what loads."""
    news = load_eval_set("news", split="all")
    counts = Counter(news["split"])
    readme = (DATA.parent / "news" / "README.md").read_text(encoding="utf-8")
    assert f"**{len(news)} (paragraph, actor) items** (dev {counts['dev']}, dev2 {counts['dev2']}, test {counts['test']})" in readme
    assert set(counts) == {"dev", "dev2", "test"}
    assert len(load_eval_set("news", split="dev2")) == counts["dev2"]
