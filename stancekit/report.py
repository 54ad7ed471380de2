"""``stancekit report``: an archive's labels as one offline HTML page, a CSV of its numbers, and PNG plots.

`build_report` reads a labels file (``label-corpus`` output; a ``label --format jsonl`` file is one
undated document) in one streaming pass (`stancekit.aggregation.summarize`) and writes into a folder:

- ``report.html``: one self-contained file (inline CSS, JavaScript and SVG; no network, opens from
  disk): per actor, the stance and sentiment timelines (stacked document shares per period with 95%
  interval bands), sentiment by actor × source (a heatmap with document counts), the position changes
  (`stancekit.aggregation.changes_from`), and per actor-period the most decisive evidence sentences with
  the document's title, date and source; an actor filter and sortable tables in plain JavaScript;
  text colours meet WCAG AA contrast (4.5:1), chart colours 3:1 against white.
- ``aggregates.csv`` (and ``aggregates.parquet`` when pyarrow is importable): every number the page
  shows, one row per table row, rounded as shown (``ROUND`` decimals); ``changes.csv``: the change list.
- ``plots/*.png`` (matplotlib): one figure per actor (stance and sentiment timelines, the ``max_plots``
  actors with most documents) and ``sentiment_by_source.png``.

Bad input is one `InputError` line (no records, a line that is not JSON or not a record, two targets or
models in one file); incomplete metadata is a warning, never an error: records without dates (from
``stancekit label`` or a stancekit that predates the metadata keys) make one period ``undated``, and
documents without a usable date are counted and kept in ``undated``.
"""
from __future__ import annotations

import html
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .aggregation import (
    DOCUMENT_RULE,
    LABELS,
    POLAR,
    UNDATED,
    Spec,
    Summary,
    changes_from,
    make_spec,
    summarize,
)
from .dates import PERIODS
from .errors import ConfigError

ROUND = 3
TABLES: tuple[str, ...] = ("stance_by_period", "sentiment_by_period", "sentiment_by_source")
CSV_LABELS: tuple[str, ...] = ("support", "oppose", "positive", "negative", "neutral")
CSV_COLUMNS: tuple[str, ...] = (
    "table", "what", "actor", "period", "source", "documents", "records", "majority", "net",
    *(f"{p}_{label}" for label in CSV_LABELS for p in ("n", "share", "low", "high")),
)
NO_SOURCE = "(no source)"


@dataclass
class ReportResult:
    """Paths written and the warnings given."""

    html: Path
    csv: Path
    parquet: Path | None
    changes_csv: Path
    plots: list[Path]
    warnings: list[str] = field(default_factory=list)
    summary: Summary | None = None


# ---------------------------------------------------------------------------- numbers
def _r(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isnan(v) else round(v, ROUND)
    return v


def aggregates_frame(summary: Summary, period: str) -> Any:
    """The page's numbers as one long-format DataFrame (`CSV_COLUMNS`), rounded to `ROUND` decimals."""
    import pandas as pd

    specs = _specs(period)
    frames = []
    for name, spec in zip(TABLES, specs):
        df = summary.tables[summary.specs.index(spec)].copy()
        df.insert(0, "table", name)
        df.insert(1, "what", spec.what)
        if period in df.columns:
            df = df.rename(columns={period: "period"})
        frames.append(df)
    out = pd.concat(frames, ignore_index=True, sort=False)
    for col in CSV_COLUMNS:
        if col not in out.columns:
            out[col] = None
    out = out[list(CSV_COLUMNS)]
    for col in out.columns:
        if col.startswith(("share_", "low_", "high_")) or col == "net":
            out[col] = out[col].astype(float).round(ROUND)
    for col in (c for c in out.columns if c.startswith("n_")):
        out[col] = out[col].astype("Int64")
    return out


def _specs(period: str) -> list[Spec]:
    return [make_spec(("actor", period), "stance"), make_spec(("actor", period), "sentiment"),
            make_spec(("actor", "source"), "sentiment")]


# ---------------------------------------------------------------------------- building
def build_report(
    labels: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    period: str = "month",
    evidence: int = 3,
    min_documents: int = 1,
    max_plots: int = 40,
    plots: bool = True,
    warn: Callable[[str], None] | None = None,
) -> ReportResult:
    """Write ``report.html``, ``aggregates.csv`` (+ ``.parquet``), ``changes.csv`` and ``plots/*.png`` for a
    labels file into ``out_dir`` (created). ``warn`` receives each warning line (without a prefix)."""
    from .textio import check_writable

    if period not in PERIODS:
        raise ConfigError(f"--period {period!r}: expected one of {', '.join(PERIODS)}")
    if evidence < 0 or min_documents < 1 or max_plots < 0:
        raise ConfigError("--evidence and --max-plots must be >= 0, --min-documents >= 1")
    labels = Path(labels)
    out = Path(out_dir)
    check_writable(out, folder=True)
    summary = summarize(labels, _specs(period), evidence=evidence)
    info = summary.info
    _job_from_manifest(labels, info)
    warnings: list[str] = []

    def note(line: str) -> None:
        warnings.append(line)
        if warn is not None:
            warn(line)

    n_docs = info["documents"]
    if info["records_without_metadata"] == n_docs:
        note(f"{labels}: the records carry no date, source or title (written by `stancekit label` or by a "
             "stancekit before corpus metadata); the report has one period, 'undated', and no sources")
    elif info["undated_documents"]:
        note(f"{info['undated_documents']} of {n_docs} documents have no usable date; they are shown in the "
             "period 'undated' and are never part of a change")
    if info["bad_date_count"]:
        note(f"{info['bad_date_count']} documents have an unreadable date, e.g. {info['bad_dates'][0]}")

    frame = aggregates_frame(summary, period)
    change_frames = []
    for spec in _specs(period)[:2]:
        change_frames.append(changes_from(summary, spec, min_documents=min_documents, evidence=evidence))
    import pandas as pd

    changes = pd.concat(change_frames, ignore_index=True) if change_frames else None
    for col in ("before_share", "before_low", "before_high", "after_share", "after_low", "after_high"):
        changes[col] = changes[col].astype(float).round(ROUND)

    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "aggregates.csv"
    frame.to_csv(csv_path, index=False)
    parquet_path = None
    try:
        import pyarrow  # noqa: F401

        parquet_path = out / "aggregates.parquet"
        frame.to_parquet(parquet_path, index=False)
    except ImportError:
        pass
    changes_csv = out / "changes.csv"
    flat = changes.copy()
    for col in ("evidence_before", "evidence_after"):
        flat[col] = flat[col].map(lambda items: json.dumps(items, ensure_ascii=False))
    flat.to_csv(changes_csv, index=False)

    plot_paths: list[Path] = []
    if plots:
        try:
            plot_paths = write_plots(frame, out / "plots", max_plots=max_plots)
        except ImportError:
            note("matplotlib is not installed: no plots/*.png (pip install 'stancekit[plot]')")
    html_path = out / "report.html"
    html_path.write_text(
        render_report_html(summary, frame, changes, period=period, labels_name=labels.name,
                           warnings=warnings, plots=[p.relative_to(out).as_posix() for p in plot_paths]),
        encoding="utf-8",
    )
    return ReportResult(html_path, csv_path, parquet_path, changes_csv, plot_paths, warnings, summary)


def _job_from_manifest(labels: Path, info: dict[str, Any]) -> None:
    """Target and model from ``LABELS.manifest.json`` when the records do not carry them (older files)."""
    if info.get("target") and info.get("model"):
        return
    manifest = labels.with_name(labels.name + ".manifest.json")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict):
        info["target"] = info.get("target") or (data.get("target") or {}).get("name")
        info["model"] = info.get("model") or (data.get("model") or {}).get("name")


# ---------------------------------------------------------------------------- plots (matplotlib)
def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "actor"
    slug, i = base, 2
    while slug in taken:
        slug, i = f"{base}-{i}", i + 1
    taken.add(slug)
    return slug


def _actor_order(frame: Any) -> list[str]:
    """Actors by their number of documents (stance table), most first; ties by name."""
    sub = frame[frame["table"] == "stance_by_period"]
    totals = sub.groupby("actor")["documents"].sum()
    return sorted(totals.index, key=lambda a: (-int(totals[a]), str(a)))


def write_plots(frame: Any, folder: Path, *, max_plots: int = 40) -> list[Path]:
    """PNG figures (matplotlib, Agg): per actor its stance and sentiment timelines; the sentiment heatmap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    taken: set[str] = set()
    for actor in _actor_order(frame)[:max_plots]:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), constrained_layout=True)
        for ax, table, what in zip(axes, TABLES[:2], ("stance", "sentiment")):
            rows = _period_rows(frame, table, actor)
            _plot_timeline(ax, rows, what)
            ax.set_title(f"{actor}: {what}")
        path = folder / f"{_slug(actor, taken)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    heat = frame[frame["table"] == "sentiment_by_source"]
    if len(heat):
        actors = [a for a in _actor_order(frame) if a in set(heat["actor"])][:max(max_plots, 1)]
        sources = sorted({_source_name(s) for s in heat["source"]})
        grid = [[math.nan] * len(sources) for _ in actors]
        counts = [[0] * len(sources) for _ in actors]
        for _, row in heat.iterrows():
            if row["actor"] in actors:
                i, j = actors.index(row["actor"]), sources.index(_source_name(row["source"]))
                grid[i][j], counts[i][j] = row["net"], int(row["documents"])
        fig, ax = plt.subplots(figsize=(1.6 + 1.2 * len(sources), 0.9 + 0.38 * len(actors)), constrained_layout=True)
        im = ax.imshow(grid, cmap="PuOr", vmin=-1, vmax=1, aspect="auto")
        ax.set_xticks(range(len(sources)), sources)
        ax.set_yticks(range(len(actors)), actors)
        for i in range(len(actors)):
            for j in range(len(sources)):
                if counts[i][j]:
                    v = grid[i][j]
                    ax.text(j, i, f"{v:+.2f}\nn={counts[i][j]}", ha="center", va="center", fontsize=8,
                            color="white" if abs(v) > 0.55 else "black")
        fig.colorbar(im, ax=ax, label="net sentiment (positive − negative share)")
        ax.set_title("sentiment toward each actor, by source")
        path = folder / "sentiment_by_source.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def _plot_timeline(ax: Any, rows: list[dict[str, Any]], what: str) -> None:
    a, b = POLAR[what]
    colours = _palette(what)
    xs = list(range(len(rows)))
    bottom = [0.0] * len(rows)
    for label in (a, "neutral", b):
        vals = [r[f"share_{label}"] for r in rows]
        ax.bar(xs, vals, bottom=bottom, color=_mpl(colours[label]), label=label, width=0.7, edgecolor="white")
        bottom = [x + v for x, v in zip(bottom, vals)]
    lo_a = [r[f"share_{a}"] - r[f"low_{a}"] for r in rows]
    hi_a = [r[f"high_{a}"] - r[f"share_{a}"] for r in rows]
    ax.errorbar(xs, [r[f"share_{a}"] for r in rows], yerr=[lo_a, hi_a], fmt="none", ecolor="#111", capsize=3)
    top = [1 - r[f"share_{b}"] for r in rows]
    ax.errorbar(xs, top, yerr=[[r[f"high_{b}"] - r[f"share_{b}"] for r in rows],
                               [r[f"share_{b}"] - r[f"low_{b}"] for r in rows]],
                fmt="none", ecolor="#111", capsize=3, linestyle=":")
    ax.set_xticks(xs, [str(r["period"]) for r in rows], rotation=45 if len(rows) > 6 else 0, ha="right"
                  if len(rows) > 6 else "center", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of documents")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _mpl(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return tuple(c / 255 for c in rgb)  # type: ignore[return-value]


# ---------------------------------------------------------------------------- HTML
def _palette(what: str) -> dict[str, tuple[int, int, int]]:
    from .output import SENTIMENT_RGB, STANCE_RGB

    return STANCE_RGB if what == "stance" else SENTIMENT_RGB


def _hex(rgb: Sequence[int]) -> str:
    return "#%02x%02x%02x" % tuple(rgb)


def _period_rows(frame: Any, table: str, actor: str) -> list[dict[str, Any]]:
    sub = frame[(frame["table"] == table) & (frame["actor"] == actor)]
    return [dict(r) for _, r in sub.iterrows()]


def _source_name(v: Any) -> str:
    return NO_SOURCE if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def _f(v: Any) -> str:
    """A share / bound as the page shows it (the CSV holds the same rounded value)."""
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):.{ROUND}f}"


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _signed(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):+.{ROUND}f}"


_CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f1f1f;background:#fff;line-height:1.45}
header,main,.bar{max-width:78em;margin:0 auto;padding:0 1.5em}
header{padding-top:1.2em}
h1{font-size:1.5em;margin:.4em 0}
h2{font-size:1.2em;margin-top:1.8em;border-bottom:2px solid #d0d0d0;padding-bottom:.2em}
h3{font-size:1.05em;margin:1.2em 0 .3em}
.meta{color:#4a4a4a;font-size:.92em}
.warnings{background:#fff4ce;border-left:4px solid #8a6d00;padding:.5em 1em;color:#1f1f1f}
.controls{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #d0d0d0;z-index:2}
label{font-weight:600}
select{font-size:1em;padding:.15em .3em}
.actors{display:grid;grid-template-columns:repeat(auto-fill,minmax(36em,1fr));gap:0 2em}
.actor{border-top:1px solid #e2e2e2;margin-top:.6em;min-width:0}
.charts{display:flex;flex-wrap:wrap;gap:.5em 1.5em}
figure{margin:0}
.chart{overflow-x:auto;max-width:100%}
.chart figcaption{font-size:.85em;color:#4a4a4a}
.legend{font-size:.88em;margin:.3em 0}
.legend .sw{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin:0 .25em 0 .7em;border:1px solid #fff;outline:1px solid #767676}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #c8c8c8;padding:.3em .5em;vertical-align:top}
th{background:#f0f0f0;text-align:left}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:#1f1f1f}
th button::after{content:" \\2195";color:#595959}
th[aria-sort=ascending] button::after{content:" \\2191"}
th[aria-sort=descending] button::after{content:" \\2193"}
td.key{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.heat td{text-align:center;min-width:6em}
table.heat td small{display:block}
.ev{margin:.2em 0 .6em 1.2em;padding:0}
.ev li{margin:.3em 0}
.ev q{font-style:italic}
.src{color:#4a4a4a;font-size:.9em}
details{margin:.3em 0}
summary{cursor:pointer}
.wide{overflow-x:auto}
footer{max-width:78em;margin:2em auto;padding:0 1.5em;color:#4a4a4a;font-size:.85em}
"""

_JS = r"""
(function(){
  "use strict";
  var select = document.getElementById("actor-filter");
  function applyFilter(){
    var v = select.value;
    var items = document.querySelectorAll("[data-actor]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      el.hidden = !(v === "" || el.getAttribute("data-actor") === v);
    }
    var shown = document.getElementById("filter-status");
    shown.textContent = v === "" ? "showing all actors" : "showing " + v;
  }
  select.addEventListener("change", applyFilter);
  function cellValue(row, idx){
    var cell = row.cells[idx];
    if (!cell) { return ""; }
    var s = cell.getAttribute("data-sort");
    return s === null ? cell.textContent.trim() : s;
  }
  function sortTable(table, idx, th){
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var numeric = rows.every(function(r){ var v = cellValue(r, idx); return v === "" || !isNaN(parseFloat(v)) && isFinite(v); });
    rows.sort(function(a, b){
      var x = cellValue(a, idx), y = cellValue(b, idx), c;
      if (numeric) { c = (x === "" ? -Infinity : parseFloat(x)) - (y === "" ? -Infinity : parseFloat(y)); }
      else { c = x.localeCompare(y); }
      return dir === "ascending" ? c : -c;
    });
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", dir);
    for (var j = 0; j < rows.length; j++) { body.appendChild(rows[j]); }
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var t = 0; t < tables.length; t++) {
    (function(table){
      var heads = table.tHead.rows[0].cells;
      for (var i = 0; i < heads.length; i++) {
        (function(th, idx){
          var b = th.querySelector("button");
          if (b) { b.addEventListener("click", function(){ sortTable(table, idx, th); }); }
        })(heads[i], i);
      }
    })(tables[t]);
  }
  applyFilter();
})();
"""


def _legend(what: str) -> str:
    a, b = POLAR[what]
    pal = _palette(what)
    items = "".join(f'<span class="sw" style="background:{_hex(pal[k])}"></span>{k}' for k in (a, "neutral", b))
    return (f'<p class="legend">{what}: {items} · black bars: 95% interval of the {a} share (from the bottom) '
            f"and of the {b} share (from the top)</p>")


def _timeline_svg(rows: list[dict[str, Any]], what: str, actor: str, period: str) -> str:
    """Stacked document shares per period (bottom: first polar label, middle: neutral, top: second) with a
    95% interval band for each polar share; every segment has a tooltip with its numbers."""
    e = html.escape
    a, b = POLAR[what]
    pal = _palette(what)
    n = max(1, len(rows))
    step = max(30, min(64, 600 // n))
    left, top, plot_h = 40, 8, 120
    rotate = n > 6 or any(len(str(r["period"])) > 7 for r in rows)
    bottom_h = 62 if rotate else 24
    width = left + step * n + 12
    height = top + plot_h + bottom_h
    y = lambda v: top + plot_h * (1 - float(v))  # noqa: E731
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{e(actor)}: {what} shares of documents per {period}">'
    ]
    for tick in (0, 0.5, 1):
        parts.append(f'<line x1="{left - 4}" x2="{width - 8}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     'stroke="#c8c8c8" stroke-width="1"/>')
        parts.append(f'<text x="{left - 7}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end" fill="#333">'
                     f"{tick:g}</text>")
    bar_w = step * 0.66
    for i, r in enumerate(rows):
        x0 = left + i * step + (step - bar_w) / 2
        base = 0.0
        label_period = e(str(r["period"]))
        for label in (a, "neutral", b):
            share = float(r[f"share_{label}"])
            if share > 0:
                tip = (f"{actor} · {r['period']} · {label} {_f(share)} [{_f(r[f'low_{label}'])}, "
                       f"{_f(r[f'high_{label}'])}] · {int(r[f'n_{label}'])} of {int(r['documents'])} documents")
                parts.append(
                    f'<rect class="seg" x="{x0:.1f}" y="{y(base + share):.1f}" width="{bar_w:.1f}" '
                    f'height="{plot_h * share:.1f}" fill="{_hex(pal[label])}" stroke="#fff" stroke-width="1">'
                    f"<title>{e(tip)}</title></rect>"
                )
            base += share
        cx = x0 + bar_w / 2
        bands = ((float(r[f"low_{a}"]), float(r[f"high_{a}"])), (1 - float(r[f"high_{b}"]), 1 - float(r[f"low_{b}"])))
        for k, (lo, hi) in enumerate(bands):
            off = -bar_w * 0.18 if k == 0 else bar_w * 0.18
            parts.append(
                f'<rect class="band" x="{cx + off - 2.5:.1f}" y="{y(hi):.1f}" width="5" height="{max(1.0, plot_h * (hi - lo)):.1f}" '
                f'fill="#111" fill-opacity="0.55" stroke="#fff" stroke-width="0.8"/>'
            )
        tx = left + i * step + step / 2
        ty = top + plot_h + 14
        if rotate:
            parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="11" fill="#333" text-anchor="end" '
                         f'transform="rotate(-45 {tx:.1f} {ty:.1f})">{label_period}</text>')
        else:
            parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="11" fill="#333" text-anchor="middle">'
                         f"{label_period}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _th(cols: Sequence[str]) -> str:
    return "<thead><tr>" + "".join(f'<th scope="col"><button type="button">{html.escape(c)}</button></th>'
                                   for c in cols) + "</tr></thead>"


def _cell_share(r: dict[str, Any], label: str) -> str:
    """``n · share [low, high]`` of one label (sorts by share)."""
    return (f'<td class="num" data-sort="{_f(r[f"share_{label}"])}">{int(r[f"n_{label}"])} · {_f(r[f"share_{label}"])} '
            f'[{_f(r[f"low_{label}"])}, {_f(r[f"high_{label}"])}]</td>')


def _numbers_table(frame: Any, table: str, what: str, key: str, table_id: str) -> str:
    e = html.escape
    sub = frame[frame["table"] == table]
    labels = LABELS[what]
    cols = ["actor", key, "documents", "records", *(f"{label}: n · share [95% interval]" for label in labels), "net",
            "majority"]
    out = [f'<div class="wide"><table class="sortable numbers" id="{table_id}" data-table="{table}">', _th(cols),
           "<tbody>"]
    for _, row in sub.iterrows():
        r = dict(row)
        keyval = str(r["period"]) if key == "period" else _source_name(r["source"])
        out.append(
            f'<tr data-actor="{e(str(r["actor"]))}"><td>{e(str(r["actor"]))}</td><td class="key">{e(keyval)}</td>'
            f'<td class="num">{int(r["documents"])}</td><td class="num">{int(r["records"])}</td>'
            + "".join(_cell_share(r, label) for label in labels)
            + f'<td class="num" data-sort="{_f(r["net"])}">{_signed(r["net"])}</td><td>{e(str(r["majority"]))}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _heatmap(frame: Any) -> str:
    """Sentiment by actor × source: net sentiment as colour, with the document count in each cell."""
    from .output import SENTIMENT_RGB, contrast_ratio, text_colour

    e = html.escape
    sub = frame[frame["table"] == "sentiment_by_source"]
    if not len(sub):
        return "<p>No records.</p>"
    actors = [a for a in _actor_order(frame) if a in set(sub["actor"])]
    sources = sorted({_source_name(s) for s in sub["source"]}, key=lambda s: (s == NO_SOURCE, s))
    cells = {(r["actor"], _source_name(r["source"])): dict(r) for _, r in sub.iterrows()}
    out = ['<div class="wide"><table class="heat sortable" id="sentiment-by-source">',
           _th(["actor", *sources]), "<tbody>"]
    for actor in actors:
        row = [f'<tr data-actor="{e(actor)}"><th scope="row">{e(actor)}</th>']
        for source in sources:
            r = cells.get((actor, source))
            if r is None:
                row.append('<td data-sort="" style="background:#fafafa;color:#555">·</td>')
                continue
            net = float(r["net"])
            rgb = SENTIMENT_RGB["positive" if net >= 0 else "negative"]
            alpha = min(1.0, abs(net))
            bg = tuple(round(255 + (c - 255) * alpha) for c in rgb)
            fg = text_colour(bg)  # type: ignore[arg-type]
            assert contrast_ratio(bg, fg) >= 4.5  # type: ignore[arg-type]
            tip = (f"{actor} in {source}: positive {_f(r['share_positive'])} [{_f(r['low_positive'])}, "
                   f"{_f(r['high_positive'])}], negative {_f(r['share_negative'])} [{_f(r['low_negative'])}, "
                   f"{_f(r['high_negative'])}], neutral {_f(r['share_neutral'])}; {int(r['documents'])} documents")
            row.append(
                f'<td class="num" data-sort="{_f(net)}" style="background:{_hex(bg)};color:{_hex(fg)}" '
                f'title="{e(tip, quote=True)}">{_signed(net)}<small>n={int(r["documents"])}</small></td>'
            )
        row.append("</tr>")
        out.append("".join(row))
    out.append("</tbody></table></div>")
    return "".join(out)


def _evidence_items(items: list[dict[str, Any]]) -> str:
    e = html.escape
    out = []
    for it in items:
        where = " · ".join(e(str(x)) for x in (it.get("title"), it.get("date"), it.get("source")) if x)
        doc = f' <span class="src">({e(str(it["doc_id"]))}, ¶{it.get("paragraph")})</span>' if it.get("doc_id") else ""
        out.append(f'<li><b>{e(it["label"])}</b> {float(it["score"]):.2f}: <q>{e(it["sentence"])}</q>'
                   f'<br><span class="src">{where or "(no title, date or source)"}</span>{doc}</li>')
    return "".join(out)


def _evidence_block(summary: Summary, spec: Spec, rows: list[dict[str, Any]], actor: str, period: str) -> str:
    e = html.escape
    out = []
    for r in rows:
        ev = summary.evidence_for(spec, (actor, r["period"]))
        a, b = POLAR[spec.what]
        items = sorted(ev.get(a, []) + ev.get(b, []), key=lambda it: -float(it["score"]))
        counts = ", ".join(f"{label} {int(r[f'n_{label}'])}" for label in LABELS[spec.what])
        head = f"{e(str(r['period']))}: {int(r['documents'])} documents ({counts})"
        body = f'<ul class="ev">{_evidence_items(items)}</ul>' if items else "<p>No non-neutral paragraph.</p>"
        out.append(f"<details><summary>{head}</summary>{body}</details>")
    return "".join(out)


def _changes_table(changes: Any) -> str:
    e = html.escape
    if changes is None or not len(changes):
        return ("<p id=\"no-changes\">No position change: no actor's majority label flips between two consecutive "
                "periods with non-overlapping 95% intervals.</p>"
                '<div class="wide"><table class="sortable" id="changes">'
                + _th(["actor", "what", "from", "to", "change", "new label's share before", "after", "documents",
                       "evidence before", "evidence after"]) + "<tbody></tbody></table></div>")
    out = ['<div class="wide"><table class="sortable" id="changes">',
           _th(["actor", "what", "from", "to", "change", "new label's share before", "after", "documents",
                "evidence before", "evidence after"]), "<tbody>"]
    for _, c in changes.iterrows():
        out.append(
            f'<tr data-actor="{e(str(c["actor"]))}"><td>{e(str(c["actor"]))}</td><td>{e(c["what"])}</td>'
            f'<td class="key">{e(str(c["before"]))}</td><td class="key">{e(str(c["after"]))}</td>'
            f'<td>{e(c["from_label"])} → {e(c["to_label"])}</td>'
            f'<td class="num" data-sort="{_f(c["before_share"])}">{_f(c["before_share"])} [{_f(c["before_low"])}, {_f(c["before_high"])}]</td>'
            f'<td class="num" data-sort="{_f(c["after_share"])}">{_f(c["after_share"])} [{_f(c["after_low"])}, {_f(c["after_high"])}]</td>'
            f'<td class="num" data-sort="{int(c["before_documents"]) + int(c["after_documents"])}">'
            f'{int(c["before_documents"])} → {int(c["after_documents"])}</td>'
            f'<td><ul class="ev">{_evidence_items(c["evidence_before"])}</ul></td>'
            f'<td><ul class="ev">{_evidence_items(c["evidence_after"])}</ul></td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def render_report_html(
    summary: Summary,
    frame: Any,
    changes: Any,
    *,
    period: str,
    labels_name: str,
    warnings: Sequence[str] = (),
    plots: Sequence[str] = (),
) -> str:
    """The self-contained report page (see the module docstring)."""
    e = html.escape
    info = summary.info
    actors = _actor_order(frame)
    stance_spec, sentiment_spec = _specs(period)[:2]
    periods = sorted({str(p) for p in frame["period"].dropna()}, key=lambda p: (p == UNDATED, p))
    sources = sorted({_source_name(s) for s in frame[frame["table"] == "sentiment_by_source"]["source"]})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>stancekit report: {e(labels_name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header>",
        f"<h1>Who said what: {e(labels_name)}</h1>",
        f'<p class="meta" id="job">target: <b>{e(str(info.get("target") or "(not recorded)"))}</b> · model: '
        f'{e(str(info.get("model") or "(not recorded)"))} · {_n(info["records"], "record")} · '
        f'{_n(info["documents"], "document")} · {_n(len(actors), "actor")} · '
        f'{_n(len([p for p in periods if p != UNDATED]), "dated " + e(period) + " period")}'
        + (f" ({e(periods[0])} to {e([p for p in periods if p != UNDATED][-1])})"
           if any(p != UNDATED for p in periods) else "")
        + f" · sources: {e(', '.join(sources) or '–')}</p>",
        f'<p class="meta">How to read: {e(DOCUMENT_RULE)}. Shares are over documents; bands and brackets are 95% '
        "Wilson intervals. Every number on this page is in <code>aggregates.csv</code> (and "
        "<code>changes.csv</code>) beside this file.</p>",
    ]
    if warnings:
        parts.append('<div class="warnings" id="warnings" role="note"><b>Warnings</b><ul>'
                     + "".join(f"<li>{e(w)}</li>" for w in warnings) + "</ul></div>")
    parts.append("</header>")
    parts.append('<nav class="controls" aria-label="report"><div class="bar"><label for="actor-filter">Actor</label> '
                 '<select id="actor-filter"><option value="">all actors</option>'
                 + "".join(f'<option value="{e(a, quote=True)}">{e(a)}</option>' for a in actors)
                 + '</select> <span id="filter-status" class="meta" aria-live="polite"></span> · '
                 '<a href="#timelines">timelines</a> · <a href="#by-source">by source</a> · '
                 '<a href="#position-changes">changes</a> · <a href="#numbers">all numbers</a></div></nav>')
    parts.append("<main>")
    # timelines + evidence, per actor
    parts.append(f'<h2 id="timelines">Over time, per actor ({e(period)})</h2>')
    parts.append(_legend("stance") + _legend("sentiment"))
    parts.append('<div class="actors">')
    for actor in actors:
        parts.append(f'<section class="actor" data-actor="{e(actor, quote=True)}"><h3>{e(actor)}</h3><div class="charts">')
        rows_by_what = {}
        for table, what in zip(TABLES[:2], ("stance", "sentiment")):
            rows = _period_rows(frame, table, actor)
            rows_by_what[what] = rows
            parts.append(f'<figure class="chart timeline" data-what="{what}">'
                         f"{_timeline_svg(rows, what, actor, period)}"
                         f"<figcaption>{what}: share of documents per {e(period)}</figcaption></figure>")
        parts.append("</div>")
        parts.append('<details class="evidence"><summary>Most decisive evidence, per period</summary>')
        for spec, what in ((stance_spec, "stance"), (sentiment_spec, "sentiment")):
            parts.append(f"<h4>{what}</h4>" + _evidence_block(summary, spec, rows_by_what[what], actor, period))
        parts.append("</details></section>")
    parts.append("</div>")
    # heatmap
    parts.append('<h2 id="by-source">Sentiment toward each actor, by source</h2>')
    parts.append('<p class="meta">Cell: net sentiment (positive share − negative share, over documents) and the '
                 "number of documents; hover for the shares and their 95% intervals.</p>")
    parts.append(_heatmap(frame))
    # changes
    parts.append('<h2 id="position-changes">Position changes</h2>')
    parts.append('<p class="meta">An actor\'s majority label differs between two consecutive periods in which it '
                 "has documents, and the new label's 95% intervals in the two periods do not overlap. Evidence: the "
                 "old majority's most decisive sentences before, the new one's after.</p>")
    parts.append(_changes_table(changes))
    # numbers
    parts.append('<h2 id="numbers">All numbers</h2>')
    parts.append("<h3>Stance by actor and period</h3>"
                 + _numbers_table(frame, "stance_by_period", "stance", "period", "stance-by-period"))
    parts.append("<h3>Sentiment by actor and period</h3>"
                 + _numbers_table(frame, "sentiment_by_period", "sentiment", "period", "sentiment-by-period"))
    parts.append("<h3>Sentiment by actor and source</h3>"
                 + _numbers_table(frame, "sentiment_by_source", "sentiment", "source", "sentiment-by-source-numbers"))
    if plots:
        parts.append('<h2 id="plots">Plots</h2><p class="meta">PNG figures for papers and slides, beside this file: '
                     + ", ".join(f'<a href="{e(p, quote=True)}">{e(p)}</a>' for p in plots) + "</p>")
    parts.append("</main>")
    parts.append(f"<footer>stancekit report · {info['records']} records from {e(labels_name)}</footer>")
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts) + "\n"


__all__ = ["CSV_COLUMNS", "ReportResult", "TABLES", "aggregates_frame", "build_report", "render_report_html",
           "write_plots"]
