"""Output formats: jsonl schema, csv columns, table summary, HTML escaping."""
from __future__ import annotations

import csv
import io
import json

import pytest

from stancekit.errors import ConfigError
from stancekit.output import CSV_COLUMNS, render
from stancekit.records import RECORD_KEYS, DocumentResult, Record


def make_result() -> DocumentResult:
    recs = [
        Record(1, "Russia", ["Moscow"], "support", {"support": 0.712345678, "oppose": 0.1, "neutral": 0.187654322},
               "neutral", {"positive": 0.2, "negative": 0.1, "neutral": 0.7}, "Moscow welcomed the plan. «ok»"),
        Record(2, "Russia", ["Russia"], "oppose", {"support": 0.1, "oppose": 0.6, "neutral": 0.3},
               "negative", {"positive": 0.1, "negative": 0.5, "neutral": 0.4}, "Russia rejected it.", windows=2, split_windows=True),
        Record(1, "<b>Kyiv</b>", ["Kyiv"], "neutral", {"support": 0.2, "oppose": 0.2, "neutral": 0.6},
               "neutral", {"positive": 0.1, "negative": 0.1, "neutral": 0.8}, 'Kyiv said <script>alert("x")</script> & left.'),
    ]
    return DocumentResult(recs, paragraphs=3, actors_not_mentioned=["NATO"], target="the <plan>", model="tiny",
                          actors=["Russia", "<b>Kyiv</b>", "NATO"])


def test_jsonl_schema_and_rounding():
    lines = render(make_result(), "jsonl").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 3
    for row in rows:
        assert tuple(row)[:8] == RECORD_KEYS
    assert [(r["paragraph"], r["actor"]) for r in rows] == [(1, "Russia"), (1, "<b>Kyiv</b>"), (2, "Russia")]
    assert rows[0]["stance_scores"]["support"] == 0.7123
    assert "«ok»" in lines[0]  # ensure_ascii=False
    assert rows[2]["windows"] == 2 and rows[2]["split_windows"] is True


def test_csv_columns():
    rows = list(csv.DictReader(io.StringIO(render(make_result(), "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["stance_support"] == "0.7123" and rows[0]["sentiment_neutral"] == "0.7"
    assert rows[1]["evidence"] == 'Kyiv said <script>alert("x")</script> & left.'


def test_table_lists_records_and_summary():
    out = render(make_result(), "table")
    assert "across the article" in out and "not mentioned: NATO" in out
    russia = [line for line in out.splitlines() if line.startswith("Russia ")]
    assert len(russia) == 1 and " 2 " in russia[0]  # 2 paragraphs in the summary
    assert "0.71" in out


def test_html_escapes_article_text():
    page = render(make_result(), "html")
    assert "<script>" not in page and "<b>Kyiv</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; left." in page
    assert "&lt;b&gt;Kyiv&lt;/b&gt;" in page and "the &lt;plan&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and "http" not in page  # self-contained
    assert 'title="Russia, paragraph 1: support' in page
    assert "rgba(22,150,60" in page and "rgba(205,40,40" in page


def test_unknown_format():
    with pytest.raises(ConfigError, match="xml"):
        render(make_result(), "xml")
