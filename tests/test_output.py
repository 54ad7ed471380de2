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


ARTICLE = "MNA\n\nMoscow welcomed the plan. «ok»\n\nRussia rejected it.\n\nKyiv said <script>alert(\"x\")</script> & left."


def _solid(colour: str) -> tuple[int, int, int]:
    colour = colour.strip().lstrip("#")
    assert len(colour) == 6, f"not a solid #rrggbb colour: {colour!r}"
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def _contrast(a, b) -> float:
    """WCAG 2.x contrast ratio, computed here independently of stancekit.output."""
    def lum(rgb):
        def lin(c):
            c /= 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = map(lin, rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _styled_cells(page: str) -> list[tuple[str, dict[str, str], str]]:
    """(tag, style dict, text) of every td / th and legend span of a page."""
    from html.parser import HTMLParser

    cells: list[list] = []

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open: list[list] = []
            self.in_legend = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "p" and a.get("class") == "legend":
                self.in_legend = True
            if tag in ("td", "th") or (tag == "span" and self.in_legend):
                style = dict(
                    (k.strip(), v.strip()) for k, v in (d.split(":", 1) for d in (a.get("style") or "").split(";") if ":" in d)
                )
                cell = [tag, style, ""]
                cells.append(cell)
                self.open.append(cell)

        def handle_endtag(self, tag):
            if tag == "p":
                self.in_legend = False
            if self.open and tag == self.open[-1][0]:
                self.open.pop()

        def handle_data(self, data):
            for cell in self.open:
                cell[2] += data

    P().feed(page)
    return [tuple(c) for c in cells]


def _sweep_result() -> DocumentResult:
    """Every stance and sentiment label at probabilities 0.0 ... 1.0 (and neutral around 0.5)."""
    recs = []
    probs = [i / 20 for i in range(21)]
    stances, sentiments = ("support", "oppose", "neutral"), ("positive", "negative", "neutral")
    for i, p in enumerate(probs):
        for j, (st, se) in enumerate(zip(stances, sentiments)):
            rest = (1 - p) / 2
            recs.append(Record(
                i, f"A{j}", [f"A{j}"], st, {k: (p if k == st else rest) for k in stances},
                se, {k: (p if k == se else rest) for k in sentiments}, f"A{j} said something {i}.",
            ))
    return DocumentResult(recs, paragraphs=len(probs), actors_not_mentioned=[], target="the plan", model="tiny",
                          actors=["A0", "A1", "A2", "A3"])


def test_html_every_cell_meets_wcag_aa_contrast():
    """Each table cell and legend swatch has a solid background and a text colour with >= 4.5:1 contrast
    (neutral cells around p = 0.5 used to have white text on light grey, about 2:1)."""
    pages = [render(_sweep_result(), "html"), render(make_result(), "html", texts=ARTICLE)]
    checked = 0
    for page in pages:
        cells = _styled_cells(page)
        assert sum(tag == "td" for tag, _, _ in cells) >= 5
        for tag, style, text in cells:
            assert "background" in style and "color" in style, (tag, style, text)
            ratio = _contrast(_solid(style["background"]), _solid(style["color"]))
            assert ratio >= 4.5, f"{tag} {text!r}: contrast {ratio:.2f} ({style})"
            checked += 1
    assert checked > 21 * 6


def test_html_shows_sentiment_paragraph_text_and_evidence_without_hovering():
    page = render(make_result(), "html", texts=ARTICLE)
    cells = [(tag, text) for tag, _, text in _styled_cells(page)]
    assert ("td", "oppose 0.60") in cells and ("td", "negative 0.50") in cells  # stance and sentiment side by side
    assert ("th", "stance") in cells and ("th", "sentiment") in cells
    visible = page.split("<title>")[1]
    import re

    visible = re.sub(r'title="[^"]*"', "", visible)  # what hovering would show does not count
    assert "<details><summary>Russia rejected it.</summary><p>Russia rejected it.</p>" in visible  # paragraph text
    assert visible.count("Russia rejected it.") >= 3  # paragraph, its row's evidence, the evidence list
    assert "Moscow welcomed the plan. «ok»" in visible


def test_unknown_format():
    with pytest.raises(ConfigError, match="xml"):
        render(make_result(), "xml")
