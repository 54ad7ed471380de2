"""`stancekit report`: the HTML's structure, the CSV holds the page's numbers, plots, bad input as one line."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from stancekit.cli import main
from stancekit.report import CSV_COLUMNS, build_report

from conftest import LABEL_SCORES as SCORES

ACTORS = ("Russia", "NATO", "<script>alert(1)</script>")


def corpus(n: int = 48) -> list[dict]:
    """Russia flips from support (Jan-Feb) to oppose (Mar-Apr); NATO mixed; three outlets."""
    out = []
    for i in range(n):
        month = 1 + i % 4
        date = f"2020-{month:02d}-{1 + i % 27:02d}"
        for actor in ACTORS:
            if actor == "Russia":
                stances = ["support", "neutral"] if month <= 2 else ["oppose", "oppose"]
            else:
                stances = [("support", "oppose", "neutral")[(i + k) % 3] for k in range(2)]
            sentiment = ("positive", "negative", "neutral")[(i + len(actor)) % 3]
            for p, st in enumerate(stances):
                out.append({"paragraph": p, "actor": actor, "mentions": [actor], "stance": st,
                            "stance_scores": SCORES[st], "sentiment": sentiment,
                            "sentiment_scores": SCORES.get(sentiment, {"neutral": 1.0}),
                            "evidence": f"{actor} said {st} things in document {i}.", "windows": 1,
                            "split_windows": False, "doc_id": f"doc-{i}", "date": date,
                            "source": ("nyt", "fox", "hpo")[i % 3], "title": f"Story {i} <i>", "target": "the plan",
                            "model": "bundled: nli-minilm"})
    return out


def write(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


class Page(HTMLParser):
    """Ids, tags and table cells of the report (stdlib parser: no browser in CI)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table" and "id" in a:
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    labels = write(tmp / "labels.jsonl", corpus())
    warned: list[str] = []
    res = build_report(labels, tmp / "out", period="month", warn=warned.append, max_plots=2)
    page = Page()
    page.feed(res.html.read_text(encoding="utf-8"))
    return res, page, warned


def test_files_written(report):
    res, _, warned = report
    out = res.html.parent
    assert warned == []
    assert sorted(p.name for p in out.iterdir()) == ["aggregates.csv", "aggregates.parquet", "changes.csv", "plots",
                                                      "report.html"]
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["nato.png", "script-alert-1-script.png",
                                                                "sentiment_by_source.png"]  # the 2 first actors
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in res.plots)
    parquet = pd.read_parquet(res.parquet)
    assert len(parquet) == len(pd.read_csv(res.csv)) and list(parquet.columns) == list(CSV_COLUMNS)


def test_html_structure_is_self_contained(report):
    res, page, _ = report
    text = res.html.read_text(encoding="utf-8")
    for needed in ("actor-filter", "timelines", "sentiment-by-source", "changes", "stance-by-period",
                   "sentiment-by-period", "sentiment-by-source-numbers"):
        assert needed in page.ids, needed
    sections = [a for t, a in page.tags if t == "section" and "actor" in a.get("class", "")]
    assert [a["data-actor"] for a in sections] == ["<script>alert(1)</script>", "NATO", "Russia"]  # docs, then name
    assert sum(t == "svg" for t, _ in page.tags) == 2 * len(ACTORS)  # a stance and a sentiment timeline each
    assert any(t == "rect" and a.get("class") == "band" for t, a in page.tags)
    options = [a.get("value") for t, a in page.tags if t == "option"]
    assert options[0] == "" and set(options[1:]) == set(ACTORS)
    # offline: no external resources, scripts and styles inline, article text escaped
    assert not any(a.get("src") or (t == "link") for t, a in page.tags)
    assert not re.search(r"https?://", text)
    assert text.count("<script>") == 1  # the page's own; the actor name is escaped and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Story 3 &lt;i&gt;" in text
    # sortable tables: a button in every header cell
    sortable = ("sentiment-by-source", "changes", "stance-by-period", "sentiment-by-period", "sentiment-by-source-numbers")
    assert sum(t == "button" for t, _ in page.tags) == sum(len(page.tables[tid][0]) for tid in sortable)


def test_csv_has_exactly_the_numbers_of_the_page(report):
    res, page, _ = report
    csv = pd.read_csv(res.csv, keep_default_na=False)
    assert set(csv["table"]) == {"stance_by_period", "sentiment_by_period", "sentiment_by_source"}
    cell = re.compile(r"^(\d+) · ([\d.]+) \[([\d.]+), ([\d.]+)\]$")
    for table_id, table, labels in (("stance-by-period", "stance_by_period", ("support", "oppose", "neutral")),
                                    ("sentiment-by-period", "sentiment_by_period", ("positive", "negative", "neutral")),
                                    ("sentiment-by-source-numbers", "sentiment_by_source",
                                     ("positive", "negative", "neutral"))):
        rows = page.tables[table_id][1:]
        sub = csv[csv["table"] == table]
        assert len(rows) == len(sub) > 0
        key = "period" if "period" in table else "source"
        for row in rows:
            actor, k, docs, recs, *cells, net, majority = row
            match = sub[(sub["actor"] == actor) & (sub[key].astype(str) == k)]
            assert len(match) == 1, (actor, k)
            m = match.iloc[0]
            assert (int(docs), int(recs), majority) == (m["documents"], m["records"], m["majority"])
            assert float(net) == float(m["net"])
            for label, c in zip(labels, cells):
                n, share, lo, hi = cell.match(c).groups()
                assert int(n) == int(m[f"n_{label}"])
                assert [float(share), float(lo), float(hi)] == [float(m[f"{p}_{label}"]) for p in ("share", "low", "high")]
    # the heatmap shows net and count from the same rows
    heat = page.tables["sentiment-by-source"]
    sources = heat[0][1:]
    src = csv[csv["table"] == "sentiment_by_source"]
    for row in heat[1:]:
        for source, value in zip(sources, row[1:]):
            net, n = re.match(r"^([+-][\d.]+)n=(\d+)$", value).groups()
            m = src[(src["actor"] == row[0]) & (src["source"] == source)].iloc[0]
            assert (float(net), int(n)) == (float(m["net"]), m["documents"])


def test_change_list_on_page_and_in_csv(report):
    res, page, _ = report
    rows = page.tables["changes"][1:]
    assert [r[:5] for r in rows] == [["Russia", "stance", "2020-02", "2020-03", "support → oppose"]]
    assert "said oppose things" in rows[0][-1] and "said support things" in rows[0][-2]
    ch = pd.read_csv(res.changes_csv)
    assert ch[["actor", "before", "after", "from_label", "to_label"]].values.tolist() == [
        ["Russia", "2020-02", "2020-03", "support", "oppose"]]
    assert f'{ch["after_share"][0]:.3f} [{ch["after_low"][0]:.3f}, {ch["after_high"][0]:.3f}]' == rows[0][6]
    assert json.loads(ch["evidence_after"][0])[0]["title"].startswith("Story")


def test_heatmap_text_contrast_is_aa(report):
    from stancekit.output import contrast_ratio

    _, page, _ = report
    for t, a in page.tags:
        m = re.match(r"background:#(\w{6});color:#(\w{6})", a.get("style", ""))
        if t == "td" and m:
            bg, fg = (tuple(int(h[i:i + 2], 16) for i in (0, 2, 4)) for h in m.groups())
            assert contrast_ratio(bg, fg) >= 4.5


def test_single_article_labels_file_is_one_period(tmp_path):
    """`stancekit label --format jsonl` output: no doc_id, no dates: one document, period 'undated'."""
    recs = [{k: v for k, v in r.items() if k not in ("doc_id", "date", "source", "title", "target", "model")}
            for r in corpus(1)]
    warned: list[str] = []
    res = build_report(write(tmp_path / "one.jsonl", recs), tmp_path / "out", warn=warned.append, plots=False)
    csv = pd.read_csv(res.csv)
    assert set(csv[csv["table"] == "stance_by_period"]["period"]) == {"undated"}
    assert set(csv["documents"]) == {1}
    assert len(warned) == 1 and "carry no date, source or title" in warned[0]
    assert "(no source)" in res.html.read_text(encoding="utf-8")


def test_manifest_supplies_job_of_old_records(tmp_path):
    recs = [{k: v for k, v in r.items() if k not in ("target", "model", "date", "source", "title")} for r in corpus(4)]
    labels = write(tmp_path / "old.jsonl", recs)
    (tmp_path / "old.jsonl.manifest.json").write_text(json.dumps(
        {"target": {"name": "the deal"}, "model": {"name": "some-model"}}), encoding="utf-8")
    res = build_report(labels, tmp_path / "out", plots=False, warn=lambda s: None)
    assert "target: <b>the deal</b> · model: some-model" in res.html.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- CLI
def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stancekit: error: ") and "Traceback" not in err, err
    return lines[0]


def test_cli_report(tmp_path, capsys):
    labels = write(tmp_path / "labels.jsonl", corpus(12))
    assert main(["report", str(labels), "-o", str(tmp_path / "r"), "--period", "quarter", "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert err.strip().endswith("aggregates.csv, aggregates.parquet, changes.csv, 0 plots") and "warning" not in err
    assert set(pd.read_csv(tmp_path / "r" / "aggregates.csv")["period"].dropna()) == {"2020-Q1", "2020-Q2"}


def test_cli_warns_for_undated_documents(tmp_path, capsys):
    recs = [r | {"date": None} if r["doc_id"] == "doc-0" else r for r in corpus(8)]
    assert main(["report", str(write(tmp_path / "l.jsonl", recs)), "-o", str(tmp_path / "r"), "--no-plots"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("stancekit: warning: 1 of 8 documents have no usable date; they are shown in the period "
                      "'undated' and are never part of a change")


def _mixed(tmp_path):
    recs = corpus(4)
    recs[-1] = recs[-1] | {"target": "the deal"}
    return write(tmp_path / "in.jsonl", recs)


BAD = {
    "empty file": (lambda tmp: write(tmp / "in.jsonl", []), "no records (an empty labels file?)"),
    "missing file": (lambda tmp: tmp / "nope.jsonl", "nope.jsonl: no such file"),
    "not JSON": (lambda tmp: (tmp / "in.jsonl").write_text("oops\n") and tmp / "in.jsonl", "line 1: not valid JSON"),
    "mixed targets": (_mixed, "target 'the deal', but"),
    "mixed models": (lambda tmp: write(tmp / "in.jsonl", corpus(2)[:1] + [corpus(2)[-1] | {"model": "x"}]),
                     "model 'x', but"),
    "not records": (lambda tmp: write(tmp / "in.jsonl", [{"id": 1, "text": "a news article"}]),
                    "not a stancekit record"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, case):
    make, needle = BAD[case]
    path = make(tmp_path)
    assert main(["report", str(path), "-o", str(tmp_path / "r"), "--no-plots"]) == 2
    assert needle in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "r" / "report.html").exists()


def test_cli_output_that_is_a_file(tmp_path, capsys):
    labels = write(tmp_path / "l.jsonl", corpus(2))
    (tmp_path / "r").write_text("x")
    assert main(["report", str(labels), "-o", str(tmp_path / "r")]) == 2
    assert "it exists and is not a directory" in one_error_line(capsys.readouterr().err)


def test_label_corpus_then_report(tiny_models, tmp_path, capsys):
    """The issue's flow: label-corpus on a small JSONL with dates, then report: HTML, CSV and PNGs."""
    news = write(tmp_path / "news.jsonl", [
        {"id": f"n{i}", "text": text, "date": date, "source": source, "title": f"Story {i}"}
        for i, (text, date, source) in enumerate([
            ("Russia welcomed the plan.\n\nGermany is against the plan.", "2020-01-05", "nyt"),
            ("Germany rejected the plan.", "January 20, 2020", "fox"),
            ("Russia opposes the plan. Germany also opposes it.", "2020-02-11", "nyt"),
            ("Trump presented the plan.", "bad date", "fox"),
        ])
    ])
    labels = tmp_path / "labels.jsonl"
    argv = ["label-corpus", str(news), "-o", str(labels), "--model", str(tiny_models["nli3"]), "--target", "the plan",
            "--no-progress", "--actor", "Russia", "--actor", "Germany", "--actor", "Trump"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "unreadable date 'bad date'" in err and "line 4" in err
    assert main(["report", str(labels), "-o", str(tmp_path / "rep"), "--max-plots", "1"]) == 0
    err = capsys.readouterr().err
    assert "1 of 4 documents have no usable date" in err and "Traceback" not in err
    out = tmp_path / "rep"
    assert (out / "report.html").stat().st_size > 0 and (out / "plots" / "sentiment_by_source.png").exists()
    csv = pd.read_csv(out / "aggregates.csv")
    assert set(csv["period"].dropna()) == {"2020-01", "2020-02", "undated"}
    assert set(csv["source"].dropna()) == {"nyt", "fox"}
