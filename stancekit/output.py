"""Rendering results: terminal table, JSON lines, CSV, and a self-contained HTML heatmap.

Scores are rounded for display only (4 decimals in jsonl/csv); records keep full precision.
All article-derived text in HTML is escaped with ``html.escape``: articles are untrusted input,
and a ``<script>`` in one must show up as text, not run.
"""
from __future__ import annotations

import csv
import html
import io
import json
from typing import Iterable, Mapping, Sequence

from .errors import ConfigError
from .records import DocumentResult, Record
from .templates import SENTIMENT_LABELS, STANCE_LABELS

FORMATS: tuple[str, ...] = ("table", "jsonl", "csv", "html")
NDIGITS = 4


def _results(result: DocumentResult | Iterable[DocumentResult]) -> list[DocumentResult]:
    if isinstance(result, DocumentResult):
        return [result]
    return list(result)


def render(
    result: DocumentResult | Iterable[DocumentResult], fmt: str = "table", *, texts: str | Mapping[str, str] | None = None
) -> str:
    """Render one result (or several, e.g. from ``label_many``) in ``fmt``. ``texts``: the source text (one
    document) or doc_id -> text, used by HTML to show each paragraph beside its row."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")
    results = _results(result)
    if fmt == "html":
        return render_html(results, texts)
    return {"table": render_table, "jsonl": render_jsonl, "csv": render_csv}[fmt](results)


def _sorted(records: Sequence[Record], actor_order: Sequence[str]) -> list[Record]:
    rank = {a: i for i, a in enumerate(actor_order)}
    return sorted(records, key=lambda r: (r.paragraph, rank.get(r.actor, len(rank))))  # stable


# ---------------------------------------------------------------------------- table
def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _grid(headers: list[str], rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def render_table(results: list[DocumentResult], evidence_width: int = 60) -> str:
    out: list[str] = []
    for res in results:
        title = f"target: {res.target}    model: {res.model}    paragraphs: {res.paragraphs}"
        if res.doc_id is not None:
            title = f"document: {res.doc_id}    " + title
        out.append(title)
        rows = [
            [
                str(r.paragraph),
                r.actor,
                r.stance,
                f"{r.stance_scores.get(r.stance, 0.0):.2f}",
                r.sentiment,
                f"{r.sentiment_scores.get(r.sentiment, 0.0):.2f}",
                _clip(r.evidence, evidence_width),
            ]
            for r in _sorted(res.records, res.actors)
        ]
        if rows:
            out += _grid(["para", "actor", "stance", "p", "sentiment", "p", "evidence"], rows, right={0, 3, 5})
        else:
            out.append("(no actor is mentioned in any paragraph)")
        summary = res.summary()
        if summary:
            out.append("")
            out.append("across the article:")
            srows = [
                [
                    actor,
                    str(s["paragraphs"]),
                    *(str(s["stance_counts"].get(k, 0)) for k in STANCE_LABELS),
                    f"{s['mean_stance_scores'].get('support', 0.0):.2f}",
                    f"{s['mean_stance_scores'].get('oppose', 0.0):.2f}",
                    f"{s['mean_sentiment_scores'].get('positive', 0.0):.2f}",
                    f"{s['mean_sentiment_scores'].get('negative', 0.0):.2f}",
                ]
                for actor, s in summary.items()
            ]
            out += _grid(
                ["actor", "paras", "support", "oppose", "neutral", "mean p(sup)", "mean p(opp)", "mean p(pos)", "mean p(neg)"],
                srows,
                right=set(range(1, 9)),
            )
        if res.actors_not_mentioned:
            out.append("")
            out.append("not mentioned: " + ", ".join(res.actors_not_mentioned))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------- jsonl / csv
def render_jsonl(results: list[DocumentResult]) -> str:
    lines = [
        json.dumps(r.to_dict(ndigits=NDIGITS), ensure_ascii=False)
        for res in results
        for r in _sorted(res.records, res.actors)
    ]
    return "".join(line + "\n" for line in lines)


CSV_COLUMNS: tuple[str, ...] = (
    "paragraph",
    "actor",
    "mentions",
    "stance",
    *(f"stance_{k}" for k in STANCE_LABELS),
    "sentiment",
    *(f"sentiment_{k}" for k in SENTIMENT_LABELS),
    "evidence",
    "windows",
    "split_windows",
    "target",
    "target_phrase",
    "attribution",
    "actor_phrase",
)


def render_csv(results: list[DocumentResult]) -> str:
    with_doc = any(res.doc_id is not None for res in results)
    columns = (("doc_id",) if with_doc else ()) + CSV_COLUMNS
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for res in results:
        for r in _sorted(res.records, res.actors):
            row = [
                r.paragraph,
                r.actor,
                "; ".join(r.mentions),
                r.stance,
                *(round(float(r.stance_scores.get(k, 0.0)), NDIGITS) for k in STANCE_LABELS),
                r.sentiment,
                *(round(float(r.sentiment_scores.get(k, 0.0)), NDIGITS) for k in SENTIMENT_LABELS),
                r.evidence,
                r.windows,
                str(r.split_windows).lower(),
                res.target,
                r.target_phrase or "",
                r.attribution or "",
                r.actor_phrase or "",
            ]
            w.writerow(([res.doc_id] if with_doc else []) + row)
    return buf.getvalue()


# ---------------------------------------------------------------------------- html
#: Full-strength colour of each label; a cell blends it with white by the label's probability.
STANCE_RGB: dict[str, tuple[int, int, int]] = {"support": (22, 150, 60), "oppose": (205, 40, 40), "neutral": (128, 128, 128)}
SENTIMENT_RGB: dict[str, tuple[int, int, int]] = {
    "positive": (33, 102, 172),
    "negative": (150, 60, 150),
    "neutral": (128, 128, 128),
}
_RGB = STANCE_RGB  # backwards-compatible name
_PAGE_BG, _PAGE_FG = (255, 255, 255), (34, 34, 34)
_HEAD_BG = (240, 240, 240)
_EMPTY_BG, _EMPTY_FG = (250, 250, 250), (85, 85, 85)

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}
table.heat{border-collapse:collapse;margin:1em 0}
table.heat th,table.heat td{border:1px solid #ccc;padding:.35em .6em;text-align:center;font-size:.9em;vertical-align:top}
table.heat th.row{text-align:right}
table.heat td.text{text-align:left;min-width:18em;max-width:30em;font-size:.85em}
table.heat td.text summary{cursor:pointer}
table.heat td.text ul{margin:.4em 0;padding-left:1.2em}
.legend span{display:inline-block;padding:.2em .6em;margin-right:.5em;border-radius:3px}
ol.records li{margin:.5em 0}
.ev{color:#444;font-style:italic}
small{color:#595959}
"""


def _relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0-255 channels)."""

    def lin(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio (1 to 21) of two colours; AA asks >= 4.5 for normal text."""
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``background`` (always >= 4.58:1)."""
    black, white = (0, 0, 0), (255, 255, 255)
    return black if contrast_ratio(background, black) >= contrast_ratio(background, white) else white


def _blend(rgb: tuple[int, int, int], alpha: float) -> tuple[int, int, int]:
    """``rgb`` at opacity ``alpha`` over white, as a solid colour (so its contrast can be computed)."""
    return tuple(round(255 + (c - 255) * alpha) for c in rgb)  # type: ignore[return-value]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def _style(background: tuple[int, int, int], foreground: tuple[int, int, int] | None = None) -> str:
    fg = foreground if foreground is not None else text_colour(background)
    return f"background:{_hex(background)};color:{_hex(fg)}"


def _cell_style(rec: Record, task: str = "stance") -> str:
    label = rec.stance if task == "stance" else rec.sentiment
    scores = rec.stance_scores if task == "stance" else rec.sentiment_scores
    palette = STANCE_RGB if task == "stance" else SENTIMENT_RGB
    alpha = 0.15 + 0.85 * float(scores.get(label, 0.0))
    return _style(_blend(palette.get(label, palette["neutral"]), alpha))


def _scores_text(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {float(v):.2f}" for k, v in scores.items())


def _snippet(text: str, width: int = 70) -> str:
    return _clip(text, width)


def _paragraph_texts(result: DocumentResult, texts: object) -> dict[int, str]:
    """Paragraph index -> text, from the source text given to `render` (a str for one document, or a
    mapping doc_id -> str); empty when no text was given."""
    text = None
    if isinstance(texts, str):
        text = texts
    elif isinstance(texts, Mapping):
        text = texts.get(result.doc_id)  # type: ignore[arg-type]
    if not text:
        return {}
    from .segment import segment

    return {p.index: p.text for p in segment(text)}


def render_html(results: list[DocumentResult], texts: object = None) -> str:
    """Self-contained HTML: per document a heatmap (rows: paragraphs; per actor a stance and a sentiment
    cell, coloured by label and probability, text colour picked for WCAG AA contrast), each row with its
    paragraph text and evidence in a collapsible cell, then the evidence list."""
    e = html.escape
    head_style = _style(_HEAD_BG, _PAGE_FG)
    plain_style = _style(_PAGE_BG, _PAGE_FG)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>stancekit: stance and sentiment by paragraph and actor</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    for res in results:
        heading = f"Stance toward “{e(res.target)}” and sentiment, by paragraph and actor"
        if res.doc_id is not None:
            heading += f" — {e(str(res.doc_id))}"
        parts.append(f"<h1>{heading}</h1>")
        parts.append(f"<p><small>model: {e(res.model)} · paragraphs: {res.paragraphs}</small></p>")
        legend = ['<p class="legend">stance: ']
        legend += [f'<span style="{_style(rgb)}">{k}</span>' for k, rgb in STANCE_RGB.items()]
        legend.append(" sentiment: ")
        legend += [f'<span style="{_style(rgb)}">{k}</span>' for k, rgb in SENTIMENT_RGB.items()]
        legend.append(
            "<br><small>colour strength = probability of the label; open a paragraph for its text and the "
            "sentence that decided each cell</small></p>"
        )
        parts.append("".join(legend))
        records = _sorted(res.records, res.actors)
        actors = [a for a in res.actors if any(r.actor == a for r in records)] or list(
            dict.fromkeys(r.actor for r in records)
        )
        by_cell = {(r.paragraph, r.actor): r for r in records}
        paras = sorted({r.paragraph for r in records})
        para_text = _paragraph_texts(res, texts)
        parts.append('<table class="heat"><thead>')
        parts.append(
            f'<tr><th rowspan="2" style="{head_style}">¶</th><th rowspan="2" style="{head_style}">paragraph</th>'
            + "".join(f'<th colspan="2" style="{head_style}">{e(a)}</th>' for a in actors)
            + "</tr>"
        )
        parts.append(
            "<tr>" + "".join(f'<th style="{head_style}">stance</th><th style="{head_style}">sentiment</th>' for _ in actors)
            + "</tr></thead><tbody>"
        )
        empty = _style(_EMPTY_BG, _EMPTY_FG)
        for p in paras:
            row = [r for r in records if r.paragraph == p]
            full = para_text.get(p, "")
            summary = _snippet(full) if full else "evidence"
            ev_items = "".join(
                f"<li><b>{e(r.actor)}</b>: {e(r.stance)} {r.stance_scores.get(r.stance, 0.0):.2f}, "
                f"sentiment {e(r.sentiment)} {r.sentiment_scores.get(r.sentiment, 0.0):.2f}: "
                f'<span class="ev">{e(r.evidence)}</span></li>'
                for r in row
            )
            body = (f"<p>{e(full)}</p>" if full else "") + f"<ul>{ev_items}</ul>"
            parts.append(
                f'<tr><th class="row" style="{head_style}">{p}</th>'
                f'<td class="text" style="{plain_style}"><details><summary>{e(summary)}</summary>{body}</details></td>'
            )
            for a in actors:
                rec = by_cell.get((p, a))
                if rec is None:
                    parts.append(f'<td class="empty" style="{empty}">·</td><td class="empty" style="{empty}">·</td>')
                    continue
                tip = (
                    f"{rec.actor}, paragraph {rec.paragraph}: {rec.stance} "
                    f"({_scores_text(rec.stance_scores)}); sentiment {rec.sentiment} "
                    f"({_scores_text(rec.sentiment_scores)})\n{rec.evidence}"
                )
                parts.append(
                    f'<td style="{_cell_style(rec, "stance")}" title="{e(tip, quote=True)}">'
                    f"{e(rec.stance)} {rec.stance_scores.get(rec.stance, 0.0):.2f}</td>"
                    f'<td style="{_cell_style(rec, "sentiment")}" title="{e(tip, quote=True)}">'
                    f"{e(rec.sentiment)} {rec.sentiment_scores.get(rec.sentiment, 0.0):.2f}</td>"
                )
            parts.append("</tr>")
        parts.append("</tbody></table>")
        if res.actors_not_mentioned:
            parts.append(f"<p>Not mentioned: {e(', '.join(res.actors_not_mentioned))}</p>")
        parts.append('<h2>Evidence</h2><ol class="records">')
        for rec in records:
            parts.append(
                f"<li><b>¶{rec.paragraph} · {e(rec.actor)}</b>: {e(rec.stance)} "
                f"<small>({e(_scores_text(rec.stance_scores))})</small>; sentiment {e(rec.sentiment)} "
                f"<small>({e(_scores_text(rec.sentiment_scores))})</small><br>"
                f'<span class="ev">{e(rec.evidence)}</span>'
                f"<br><small>mentions: {e(', '.join(rec.mentions))}</small></li>"
            )
        parts.append("</ol>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
