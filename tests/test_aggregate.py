"""Aggregation over an archive: the document rule, Wilson intervals, periods, change detection, date
parsing, bad labels files, and the metadata label-corpus writes (tiny model)."""
from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from stancekit import aggregate, changes
from stancekit.aggregation import combine_labels, majority_label, make_spec, summarize, wilson_interval
from stancekit.dates import parse_date, period_of
from stancekit.errors import ConfigError, InputError

from conftest import LABEL_SCORES as SCORES


def rec(doc, actor, stance, sentiment="neutral", date="2020-01-15", source="nyt", p=0, **extra):
    r = {"paragraph": p, "actor": actor, "mentions": [actor], "stance": stance, "stance_scores": SCORES[stance],
         "sentiment": sentiment, "sentiment_scores": SCORES.get(sentiment, {"neutral": 1.0}),
         "evidence": f"{actor} {stance} in {doc} p{p}", "doc_id": doc, "date": date, "source": source,
         "title": f"Title of {doc}", "target": "the plan", "model": "bundled: nli-minilm"}
    r.update(extra)
    return r


def doc(doc_id, actor, stances, **kw):
    return [rec(doc_id, actor, s, p=i, **kw) for i, s in enumerate(stances)]


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- statistics and rules
def test_wilson_interval_known_values():
    lo, hi = wilson_interval(5, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.2366, 0.7634)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    lo, hi = wilson_interval(1, 1)
    assert round(lo, 4) == 0.2065 and hi == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


@pytest.mark.parametrize("counts, label", [
    ({"support": 2, "oppose": 1, "neutral": 5}, "support"),
    ({"support": 1, "oppose": 3}, "oppose"),
    ({"support": 2, "oppose": 2, "neutral": 1}, "neutral"),  # tie -> neutral
    ({"neutral": 4}, "neutral"),
])
def test_document_rule(counts, label):
    assert combine_labels(counts, "stance") == label


def test_majority_label_ties():
    assert majority_label({"support": 3, "oppose": 1}, ("support", "oppose", "neutral")) == "support"
    assert majority_label({"support": 2, "oppose": 2}, ("support", "oppose", "neutral")) == "tie"
    assert majority_label({}, ("support", "oppose", "neutral")) == "tie"


# ---------------------------------------------------------------------------- aggregate
def test_a_document_counts_once_per_actor_and_period():
    records = (doc("d1", "Russia", ["support", "support", "oppose", "neutral"])  # -> support
               + doc("d2", "Russia", ["oppose"])                                # -> oppose
               + doc("d3", "Russia", ["support", "oppose"])                     # tie -> neutral
               + doc("d4", "Russia", ["support"], date="2020-02-03"))
    df = aggregate(records, by=("actor", "month"), what="stance")
    jan = df[df["month"] == "2020-01"].iloc[0]
    assert (jan["documents"], jan["records"]) == (3, 7)
    assert (jan["n_support"], jan["n_oppose"], jan["n_neutral"]) == (1, 1, 1)
    assert jan["share_support"] == pytest.approx(1 / 3)
    assert (jan["low_support"], jan["high_support"]) == pytest.approx(wilson_interval(1, 3))
    assert jan["majority"] == "tie" and jan["net"] == pytest.approx(0.0)
    feb = df[df["month"] == "2020-02"].iloc[0]
    assert feb["documents"] == 1 and feb["majority"] == "support"
    assert list(df.columns[:4]) == ["actor", "month", "documents", "records"]


def test_by_source_and_sentiment_and_periods():
    records = (doc("a", "NATO", ["oppose"], source="fox", sentiment="negative")
               + doc("b", "NATO", ["oppose"], source="nyt", sentiment="positive", date="2020-05-02")
               + doc("c", "NATO", ["support"], source="nyt", sentiment="positive", date="2021-05-02"))
    df = aggregate(records, by=("actor", "source"), what="sentiment")
    assert df[["source", "documents", "n_positive", "n_negative"]].values.tolist() == [["fox", 1, 0, 1], ["nyt", 2, 2, 0]]
    assert df["net"].tolist() == [-1.0, 1.0]
    assert aggregate(records, by=("actor", "year"))["year"].tolist() == ["2020", "2021"]
    assert aggregate(records, by=("actor", "quarter"))["quarter"].tolist() == ["2020-Q1", "2020-Q2", "2021-Q2"]
    assert aggregate(records, by="all")["documents"].tolist() == [3]
    three = aggregate(records, by=("actor", "source", "year"))
    assert len(three) == 3 and set(three.columns[:3]) == {"actor", "source", "year"}


def test_file_gz_and_objects_agree(tmp_path):
    from stancekit.records import DocumentResult, Record

    records = doc("d1", "Russia", ["support", "oppose", "oppose"]) + doc("d2", "Russia", ["support"])
    path = write_jsonl(tmp_path / "l.jsonl", records)
    gz = tmp_path / "l.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    a, b = aggregate(path), aggregate(gz)
    assert a.equals(b) and a.equals(aggregate(records))
    # Record / DocumentResult objects (no metadata: one undated document each)
    r = Record(0, "Russia", ["Russia"], "oppose", SCORES["oppose"], "neutral", {"neutral": 1.0}, "x")
    res = DocumentResult([r], 1, [], "the plan", "m", doc_id="x1")
    df = aggregate([res], by=("actor", "month"))
    assert df["month"].tolist() == ["undated"] and df["n_oppose"].tolist() == [1]


def test_undated_and_unreadable_dates():
    records = (doc("d1", "A", ["support"]) + doc("d2", "A", ["oppose"], date=None)
               + doc("d3", "A", ["oppose"], date="someday"))
    s = summarize(records, [make_spec(("actor", "month"), "stance")])
    df = s.tables[0]
    assert df["month"].tolist() == ["2020-01", "undated"]  # undated sorts last
    assert s.info["undated_documents"] == 2 and s.info["bad_date_count"] == 1
    assert "'someday'" in s.info["bad_dates"][0]


@pytest.mark.parametrize("by, what, needle", [
    (("actor", "month", "year"), "stance", "at most one period"),
    (("actor", "decade"), "stance", "unknown key 'decade'"),
    (("actor",), "mood", "expected 'stance' or 'sentiment'"),
])
def test_bad_groupings(by, what, needle):
    with pytest.raises(ConfigError, match=needle):
        aggregate([rec("d", "A", "support")], by=by, what=what)


BAD_FILES = {
    "empty": ("", "no records"),
    "not JSON": ('{"actor": "A"\n', "line 1: not valid JSON"),
    "no actor": ('{"stance": "support"}\n', "line 1: not a stancekit record (no 'actor')"),
    "bad label": (json.dumps(rec("d", "A", "support") | {"stance": "maybe"}) + "\n", "stance 'maybe' is not one of"),
    "mixed targets": ("".join(json.dumps(r) + "\n" for r in [rec("d1", "A", "support"),
                                                              rec("d2", "A", "oppose", target="the deal")]),
                      "line 2: target 'the deal', but"),
    "mixed models": ("".join(json.dumps(r) + "\n" for r in [rec("d1", "A", "support"),
                                                             rec("d2", "A", "oppose", model="other")]),
                     "model 'other', but"),
    "split document": ("".join(json.dumps(r) + "\n" for r in [rec("d1", "A", "support"), rec("d2", "A", "oppose"),
                                                               rec("d1", "B", "oppose")]),
                       "line 3: the records of document 'd1' are not together"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_labels_files(tmp_path, case):
    content, needle = BAD_FILES[case]
    path = tmp_path / "labels.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=needle.replace("(", r"\(").replace(")", r"\)")) as err:
        aggregate(path)
    assert "\n" not in str(err.value)


def test_bounded_state_streams_documents(tmp_path):
    """Only groups are kept, not documents: 3000 documents over 2 actors x 3 months -> 6 groups."""
    from stancekit.aggregation import Aggregator, iter_records

    records = [r for i in range(3000)
               for r in doc(f"d{i}", "AB"[i % 2], ["oppose" if i % 3 == 0 else "support"] * 2, date=f"2020-0{1 + i % 3}-01")]
    agg = Aggregator([make_spec(("actor", "month"), "stance")], evidence=2)
    for where, r in iter_records(records):
        agg.add(r, where)
    assert len(agg.groups[0]) == 6 and len(agg._doc_actors) == 1
    s = agg.finish()
    assert s.tables[0]["documents"].sum() == 3000
    assert all(len(v) <= 2 for ev in s.evidence[0].values() for v in ev.values())


# ---------------------------------------------------------------------------- changes
def flip_corpus(n=6):
    """Russia supports the plan in January (n docs), opposes it in March (n docs); NATO is mixed."""
    out = []
    for i in range(n):
        out += doc(f"jan{i}", "Russia", ["support", "support"], date=f"2020-01-{i + 1:02d}")
    for i in range(n):
        out += doc(f"mar{i}", "Russia", ["oppose", "neutral"], date=f"2020-03-{i + 1:02d}")
    for i in range(n):  # NATO: 2 of 3 support, then 2 of 3 oppose: a flip, but overlapping intervals
        out += doc(f"nato{i}", "NATO", ["support" if i % 3 else "oppose"], date="2020-01-20")
    for i in range(n):
        out += doc(f"nato-b{i}", "NATO", ["oppose" if i % 3 else "support"], date="2020-03-20")
    return out


def test_changes_need_a_flip_with_separate_intervals():
    ch = changes(flip_corpus(), "month", "stance")
    assert len(ch) == 1
    c = ch.iloc[0]
    assert (c["actor"], c["before"], c["after"], c["from_label"], c["to_label"]) == (
        "Russia", "2020-01", "2020-03", "support", "oppose")
    assert c["before_high"] < c["after_low"]
    assert c["before_documents"] == c["after_documents"] == 6
    before, after = c["evidence_before"], c["evidence_after"]
    assert len(before) == len(after) == 3
    assert all(e["label"] == "support" and e["date"].startswith("2020-01") and e["title"] for e in before)
    assert all(e["label"] == "oppose" and e["source"] == "nyt" and "oppose" in e["sentence"] for e in after)


def test_changes_ignore_small_samples_undated_and_min_documents():
    small = doc("a", "X", ["support"], date="2020-01-01") + doc("b", "X", ["oppose"], date="2020-02-01")
    assert changes(small).empty  # n=1 each: intervals overlap
    undated = flip_corpus()
    undated = [r | {"date": None} if r["doc_id"].startswith("mar") else r for r in undated]
    assert changes(undated).empty  # 'undated' is never part of a change
    assert changes(flip_corpus(), min_documents=7).empty
    assert changes(flip_corpus(), "quarter").empty  # January and March are one quarter


# ---------------------------------------------------------------------------- dates
@pytest.mark.parametrize("raw, iso", [
    ("2016-09-28", "2016-09-28"),
    ("2016-09-28T14:05:00Z", "2016-09-28"),
    ("2016-09-28 14:05:00+02:00", "2016-09-28"),
    ("20160928", "2016-09-28"),
    ("2016/9/28", "2016-09-28"),
    ("September 28, 2016", "2016-09-28"),
    ("Sept. 28, 2016 3:45 PM ET", "2016-09-28"),
    ("Wednesday, Sep 28 2016", "2016-09-28"),
    ("28 September 2016", "2016-09-28"),
    ("Wed, 28 Sep 2016 14:05:00 GMT", "2016-09-28"),
    ("Thursday, March 1st, 2018", "2018-03-01"),
    ("28.09.2016", "2016-09-28"),
    ("9/28/2016", "2016-09-28"),
    ("28/9/2016", "2016-09-28"),
])
def test_parse_date_formats(raw, iso):
    assert parse_date(raw) == (iso, None)


@pytest.mark.parametrize("raw, reason", [
    ("9/8/2016", "ambiguous day/month order"),
    ("yesterday", "unrecognised date format"),
    ("2016-02-30", "not a calendar date"),
    (20160928, "not a date string (int)"),
])
def test_parse_date_refuses_without_guessing(raw, reason):
    iso, why = parse_date(raw)
    assert iso is None and reason in why


def test_parse_date_objects_and_empty():
    import datetime as dt

    assert parse_date(dt.datetime(2016, 1, 2, 23, 59)) == ("2016-01-02", None)
    assert parse_date(dt.date(2016, 1, 2)) == ("2016-01-02", None)
    assert parse_date(None) == parse_date("  ") == (None, None)


def test_period_of():
    assert [period_of("2016-09-28", p) for p in ("day", "week", "month", "quarter", "year", "all")] == [
        "2016-09-28", "2016-W39", "2016-09", "2016-Q3", "2016", "all"]
    assert period_of(None, "month") is None and period_of(None, "all") == "all"


# ---------------------------------------------------------------------------- metadata through label-corpus
def test_label_corpus_keeps_metadata_and_warns_on_bad_dates(tiny_models, tmp_path):
    from stancekit.classifier import StanceClassifier
    from stancekit.corpus import METADATA_KEYS, label_corpus

    src = write_jsonl(tmp_path / "news.jsonl", [
        {"id": "a", "text": "Russia welcomed the plan.", "date": "Sept. 28, 2016", "source": "nyt",
         "title": "Plan welcomed", "section": "world"},
        {"id": "b", "text": "Germany is against the plan.", "date": "someday", "source": "fox"},
        {"id": "c", "text": "Trump presented the plan.", "date": "2017-01-03T10:00:00Z", "title": None},
    ])
    clf = StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")
    warned: list[str] = []
    out = tmp_path / "labels.jsonl"
    label_corpus(src, out, {"Russia": ["Russia"], "Germany": ["Germany"], "Trump": ["Trump"]}, "the plan",
                 classifier=clf, progress=False, warn=warned.append, keep=["section"])
    recs = {r["doc_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(recs) == {"a", "b", "c"}
    a, b, c = recs["a"], recs["b"], recs["c"]
    assert (a["date"], a["source"], a["title"], a["section"]) == ("2016-09-28", "nyt", "Plan welcomed", "world")
    assert (b["date"], b["source"], b["title"], b["section"]) == (None, "fox", None, None)
    assert (c["date"], c["source"]) == ("2017-01-03", None)
    assert all(r["target"] == "the plan" and r["model"] for r in recs.values())
    # after doc_id (target: the record's own key, earlier), --keep last
    assert list(a)[list(a).index("doc_id") + 1:] == ["date", "source", "title", "model", "section"]
    assert warned == [f"stancekit: warning: document 'b' ({src}: line 2): unreadable date 'someday' "
                      "(unrecognised date format (expected e.g. 2016-09-28 or September 28, 2016)); "
                      "its records get date null"]
    with pytest.raises(ConfigError, match="--keep actor"):
        label_corpus(src, tmp_path / "o2.jsonl", {"Russia": ["Russia"]}, "the plan", classifier=clf,
                     progress=False, keep=["actor"])
    df = aggregate(out, by=("actor", "year"))
    assert df[["actor", "year", "documents"]].values.tolist() == [
        ["Germany", "undated", 1], ["Russia", "2016", 1], ["Trump", "2017", 1]]
