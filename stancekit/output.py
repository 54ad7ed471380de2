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
from typing import Iterable, Sequence

from .errors import ConfigError
from .records import DocumentResult, Record
from .templates import SENTIMENT_LABELS, STANCE_LABELS

FORMATS: tuple[str, ...] = ("table", "jsonl", "csv", "html")
NDIGITS = 4


def _results(result: DocumentResult | Iterable[DocumentResult]) -> list[DocumentResult]:
    if isinstance(result, DocumentResult):
        return [result]
    return list(result)


def render(result: DocumentResult | Iterable[DocumentResult], fmt: str = "table") -> str:
    """Render one result (or several, e.g. from ``label_many``) in ``fmt``."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")
    results = _results(result)
    return {"table": render_table, "jsonl": render_jsonl, "csv": render_csv, "html": render_html}[fmt](results)


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
            ]
            w.writerow(([res.doc_id] if with_doc else []) + row)
    return buf.getvalue()


# ---------------------------------------------------------------------------- html
_RGB = {"support": (22, 150, 60), "oppose": (205, 40, 40), "neutral": (128, 128, 128)}

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table.heat{border-collapse:collapse;margin:1em 0}
table.heat th,table.heat td{border:1px solid #ccc;padding:.35em .6em;text-align:center;font-size:.9em}
table.heat th.row{text-align:right}
td.empty{background:#fafafa;color:#bbb}
.legend span{display:inline-block;padding:.2em .6em;margin-right:.5em;color:#fff;border-radius:3px}
ol.records li{margin:.5em 0}
.ev{color:#444;font-style:italic}
small{color:#666}
"""


def _cell_style(rec: Record) -> str:
    r, g, b = _RGB.get(rec.stance, _RGB["neutral"])
    alpha = 0.15 + 0.85 * float(rec.stance_scores.get(rec.stance, 0.0))
    color = "#fff" if alpha > 0.55 else "#222"
    return f"background:rgba({r},{g},{b},{alpha:.2f});color:{color}"


def _scores_text(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {float(v):.2f}" for k, v in scores.items())


def render_html(results: list[DocumentResult]) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>stancekit: stance by paragraph and actor</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    for res in results:
        heading = f"Stance toward “{e(res.target)}”"
        if res.doc_id is not None:
            heading += f" — {e(str(res.doc_id))}"
        parts.append(f"<h1>{heading}</h1>")
        parts.append(f"<p><small>model: {e(res.model)} · paragraphs: {res.paragraphs}</small></p>")
        parts.append(
            '<p class="legend"><span style="background:rgb(22,150,60)">support</span>'
            '<span style="background:rgb(205,40,40)">oppose</span>'
            '<span style="background:rgb(128,128,128)">neutral</span>'
            "<small>colour intensity = probability of the label; hover a cell for its evidence</small></p>"
        )
        records = _sorted(res.records, res.actors)
        actors = [a for a in res.actors if any(r.actor == a for r in records)] or list(
            dict.fromkeys(r.actor for r in records)
        )
        by_cell = {(r.paragraph, r.actor): r for r in records}
        paras = sorted({r.paragraph for r in records})
        parts.append('<table class="heat"><thead><tr><th>paragraph</th>')
        parts += [f"<th>{e(a)}</th>" for a in actors]
        parts.append("</tr></thead><tbody>")
        for p in paras:
            parts.append(f'<tr><th class="row">{p}</th>')
            for a in actors:
                rec = by_cell.get((p, a))
                if rec is None:
                    parts.append('<td class="empty">·</td>')
                    continue
                tip = (
                    f"{rec.actor}, paragraph {rec.paragraph}: {rec.stance} "
                    f"({_scores_text(rec.stance_scores)}); sentiment {rec.sentiment} "
                    f"({_scores_text(rec.sentiment_scores)})\n{rec.evidence}"
                )
                parts.append(
                    f'<td style="{_cell_style(rec)}" title="{e(tip, quote=True)}">'
                    f"{e(rec.stance)} {rec.stance_scores.get(rec.stance, 0.0):.2f}</td>"
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
