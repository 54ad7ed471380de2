"""Who said what over an archive: per-actor, per-period (and per-source) shares with 95% intervals.

`aggregate` turns a labels file (``label-corpus`` output, one JSON record per (document, paragraph,
actor)) or an iterable of records into a pandas DataFrame; `changes` lists the actor-periods where the
majority position flips; `summarize` does several groupings in one pass and keeps the evidence
sentences (what ``stancekit report`` uses).

How the numbers are made:

- **Documents, not paragraphs, are counted.** A document counts once per actor and group (period,
  source). Its paragraph labels for that actor are first combined by the *document rule*: the
  majority of its non-neutral labels (``support`` vs ``oppose``, ``positive`` vs ``negative``);
  a tie, or only neutral paragraphs, makes the document ``neutral``. So an article with three
  ``oppose`` paragraphs and one ``support`` paragraph is one ``oppose`` document.
- **Shares and intervals.** For each group and label: the number of documents with that label, its
  share of the group's documents, and a 95% Wilson score interval for the share (documents treated
  as independent draws; the interval is about the labels, not the model's errors). ``net`` is the
  share of the first polar label minus the second (support − oppose, positive − negative).
  ``majority`` is the label with the most documents (``tie`` when two labels share the top count).
- **Periods.** ``day``, ``week`` (ISO week, 2016-W39), ``month`` (2016-09), ``quarter`` (2016-Q3),
  ``year`` or ``all``, from each record's ``date`` (ISO, as ``label-corpus`` writes it; other formats
  are parsed by `stancekit.dates.parse_date`). A document without a usable date falls in the period
  ``undated`` (sorted last, never part of a change); `Summary.info` counts them.
- **Streaming.** Records are read one at a time; only the current document's records and, per group,
  the counts and the top ``evidence`` sentences per label are held, so memory grows with the number of
  groups, not with the number of records (1 million records: see ``scripts/benchmark_aggregate.py``).
  A document's records must be contiguous, as ``label-corpus`` and ``label`` write them; a document
  that comes back after another one started is an error (sort the file by ``doc_id``).
- **One job per file.** Records that carry ``target`` / ``model`` (``label-corpus`` writes both) must
  all agree: a file holding two targets or two models is refused, naming both lines.
"""
from __future__ import annotations

import gzip
import heapq
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from .dates import PERIODS, parse_date, period_of
from .errors import ConfigError, InputError
from .templates import SENTIMENT_LABELS, STANCE_LABELS

#: Labels of each task, and its two polar labels (the document rule compares these).
LABELS: dict[str, tuple[str, ...]] = {"stance": STANCE_LABELS, "sentiment": SENTIMENT_LABELS}
POLAR: dict[str, tuple[str, str]] = {"stance": ("support", "oppose"), "sentiment": ("positive", "negative")}
GROUP_KEYS: tuple[str, ...] = ("actor", "source", *PERIODS)
UNDATED = "undated"
Z95 = 1.959963984540054
DOCUMENT_RULE = (
    "a document counts once per actor and group: the majority of its non-neutral paragraph labels; "
    "a tie or only neutral paragraphs make it neutral"
)


# ---------------------------------------------------------------------------- statistics
def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (default 95%); (nan, nan) when n == 0."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)  # exact ends (no 1e-18 rounding noise)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def combine_labels(counts: Mapping[str, int], what: str) -> str:
    """The document rule (see the module docstring): one label from a document's paragraph labels."""
    a, b = POLAR[what]
    ca, cb = counts.get(a, 0), counts.get(b, 0)
    return a if ca > cb else b if cb > ca else "neutral"


def majority_label(counts: Mapping[str, int], labels: Sequence[str]) -> str:
    """The label with the most documents; ``tie`` when the top count is shared (or there are none)."""
    top = max((counts.get(label, 0) for label in labels), default=0)
    winners = [label for label in labels if counts.get(label, 0) == top]
    return winners[0] if top > 0 and len(winners) == 1 else "tie"


# ---------------------------------------------------------------------------- reading records
def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, "r", encoding="utf-8")


def iter_records(records_or_path: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, record dict)`` from a JSONL labels file (also ``.gz``) or from an iterable of dicts,
    `Record` or `DocumentResult` objects. ``where`` names the line ("labels.jsonl: line 7") for errors."""
    if isinstance(records_or_path, (str, os.PathLike)):
        path = Path(records_or_path)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a labels file (JSONL)")
        try:
            fh = _open_text(path)
            with fh:
                for n, line in enumerate(fh, 1):
                    text = line.strip()
                    if not text:
                        continue
                    try:
                        rec = json.loads(text)
                    except ValueError as exc:
                        raise InputError(
                            f"{path}: line {n}: not valid JSON ({getattr(exc, 'msg', exc)}); "
                            "expected the JSONL written by `stancekit label-corpus` or `label --format jsonl`"
                        ) from None
                    yield f"{path}: line {n}", rec
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason}); expected a JSONL labels file") from None
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read file ({getattr(exc, 'strerror', None) or exc})") from None
        return
    from .records import DocumentResult, Record

    if isinstance(records_or_path, (DocumentResult, Record, Mapping)):
        records_or_path = [records_or_path]
    i = 0
    for item in records_or_path:
        if isinstance(item, DocumentResult):
            for rec in item.records:
                d = rec.to_dict()
                d.setdefault("doc_id", item.doc_id)
                yield f"record {i}", d
                i += 1
            continue
        yield f"record {i}", (item.to_dict() if isinstance(item, Record) else item)
        i += 1


# ---------------------------------------------------------------------------- one pass, several groupings
@dataclass(frozen=True)
class Spec:
    """One grouping: ``by`` keys (``actor``, ``source`` and at most one period) and the task."""

    by: tuple[str, ...]
    what: str

    @property
    def period(self) -> str | None:
        return next((k for k in self.by if k in PERIODS), None)


def make_spec(by: str | Sequence[str], what: str) -> Spec:
    keys = (by,) if isinstance(by, str) else tuple(by)
    if what not in LABELS:
        raise ConfigError(f"what={what!r}: expected 'stance' or 'sentiment'")
    if not keys:
        raise ConfigError("by: give at least one key, e.g. ('actor', 'month')")
    for k in keys:
        if k not in GROUP_KEYS:
            raise ConfigError(f"by: unknown key {k!r} (expected actor, source or one of {', '.join(PERIODS)})")
    if len(set(keys)) != len(keys) or sum(k in PERIODS for k in keys) > 1:
        raise ConfigError(f"by={keys!r}: each key once, and at most one period")
    return Spec(keys, what)


@dataclass
class _Group:
    documents: int = 0
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    #: label -> min-heap of (score, seq, evidence dict), at most ``k`` items
    evidence: dict[str, list] = field(default_factory=dict)


@dataclass
class Summary:
    """What one pass over a labels file produced: a table per `Spec`, evidence per group, and ``info``
    (records, documents, undated documents, target, model, warnings)."""

    specs: list[Spec]
    tables: list[Any]  # pandas DataFrames, one per spec
    evidence: list[dict[tuple, dict[str, list[dict[str, Any]]]]]
    info: dict[str, Any]

    def table(self, by: str | Sequence[str], what: str) -> Any:
        spec = make_spec(by, what)
        return self.tables[self.specs.index(spec)]

    def evidence_for(self, spec: Spec, key: tuple) -> dict[str, list[dict[str, Any]]]:
        return self.evidence[self.specs.index(spec)].get(key, {})


class Aggregator:
    """Streaming aggregation of records into the groups of several `Spec` at once (see module docstring)."""

    def __init__(self, specs: Sequence[Spec], evidence: int = 3) -> None:
        self.specs = list(specs)
        self.k = max(0, int(evidence))
        self.groups: list[dict[tuple, _Group]] = [{} for _ in self.specs]
        self.finished: set[str] = set()
        self.records = 0
        self.documents = 0
        self.undated_documents = 0
        self.bad_dates: list[str] = []  # the first few, for messages
        self.bad_date_count = 0
        self.without_date_key = 0
        self.job: dict[str, tuple[str, str]] = {}  # "target"/"model" -> (value, where first seen)
        self._seq = 0
        self._doc: str | None = None
        self._doc_where = ""
        self._doc_meta: dict[str, Any] = {}
        self._doc_actors: dict[str, dict[str, Any]] = {}

    # -- input
    def add(self, rec: Any, where: str) -> None:
        if not isinstance(rec, Mapping):
            raise InputError(f"{where}: not a stancekit record (a JSON object), got {type(rec).__name__}")
        actor = rec.get("actor")
        if not isinstance(actor, str) or not actor:
            raise InputError(f"{where}: not a stancekit record (no 'actor'); expected label-corpus output")
        for what, labels in LABELS.items():
            if rec.get(what) not in labels:
                raise InputError(
                    f"{where}: {what} {rec.get(what)!r} is not one of {', '.join(labels)}; not a stancekit record"
                )
        for key in ("target", "model"):
            value = rec.get(key)
            if value is None:
                continue
            seen = self.job.get(key)
            if seen is None:
                self.job[key] = (value, where)
            elif seen[0] != value:
                raise InputError(
                    f"{where}: {key} {value!r}, but {seen[1]} has {seen[0]!r}: one labels file must hold one "
                    f"job (one target, one model); report each {key} separately"
                )
        raw_id = rec.get("doc_id")
        doc_id = "" if raw_id is None else str(raw_id)
        if doc_id != self._doc:
            self._close_doc()
            if doc_id in self.finished:
                raise InputError(
                    f"{where}: the records of document {doc_id!r} are not together (another document came "
                    "in between); sort the labels file by doc_id (label-corpus writes them together)"
                )
            self._open_doc(doc_id, rec, where)
        self.records += 1
        state = self._doc_actors.setdefault(actor, {"records": 0, "stance": {}, "sentiment": {}, "best": {}})
        state["records"] += 1
        for what in LABELS:
            label = rec[what]
            state[what][label] = state[what].get(label, 0) + 1
            if self.k and label != "neutral":
                score = _score(rec.get(f"{what}_scores"), label)
                best = state["best"].get(label)
                if best is None or score > best[0]:
                    state["best"][label] = (score, rec.get("evidence") or "", rec.get("paragraph"))

    def _open_doc(self, doc_id: str, rec: Mapping[str, Any], where: str) -> None:
        self._doc, self._doc_where = doc_id, where
        if "date" not in rec:
            self.without_date_key += 1  # documents whose records predate the metadata keys
        iso, reason = parse_date(rec.get("date"))
        if reason is not None:
            self.bad_date_count += 1
            if len(self.bad_dates) < 10:
                self.bad_dates.append(f"{where}: {rec.get('date')!r} ({reason})")
        if iso is None:
            self.undated_documents += 1
        self._doc_meta = {
            "doc_id": doc_id or None,
            "date": iso,
            "source": _text(rec.get("source")),
            "title": _text(rec.get("title")),
        }
        self._doc_actors = {}

    def _close_doc(self) -> None:
        if self._doc is None:
            return
        self.finished.add(self._doc)
        self.documents += 1
        meta = self._doc_meta
        for actor, state in self._doc_actors.items():
            for i, spec in enumerate(self.specs):
                key = tuple(self._key_value(k, actor, meta) for k in spec.by)
                g = self.groups[i].get(key)
                if g is None:
                    g = self.groups[i][key] = _Group()
                label = combine_labels(state[spec.what], spec.what)
                g.documents += 1
                g.records += state["records"]
                g.counts[label] = g.counts.get(label, 0) + 1
                if self.k:
                    for ev_label in POLAR[spec.what]:
                        best = state["best"].get(ev_label)
                        if best is None:
                            continue
                        self._seq += 1
                        item = (best[0], -self._seq, {
                            "label": ev_label, "score": round(best[0], 4), "sentence": best[1],
                            "paragraph": best[2], **meta,
                        })
                        heap = g.evidence.setdefault(ev_label, [])
                        if len(heap) < self.k:
                            heapq.heappush(heap, item)
                        elif item[:2] > heap[0][:2]:
                            heapq.heapreplace(heap, item)
        self._doc = None
        self._doc_actors = {}

    @staticmethod
    def _key_value(k: str, actor: str, meta: Mapping[str, Any]) -> Any:
        if k == "actor":
            return actor
        if k == "source":
            return meta["source"]
        return period_of(meta["date"], k) or UNDATED

    def finish(self) -> Summary:
        self._close_doc()
        tables = [self._table(spec, groups) for spec, groups in zip(self.specs, self.groups)]
        evidence = [
            {key: {label: [it[2] for it in sorted(heap, key=lambda t: t[:2], reverse=True)]
                   for label, heap in g.evidence.items()}
             for key, g in groups.items()}
            for groups in self.groups
        ]
        info = {
            "records": self.records,
            "documents": self.documents,
            "undated_documents": self.undated_documents,
            "bad_dates": list(self.bad_dates),
            "bad_date_count": self.bad_date_count,
            "records_without_metadata": self.without_date_key,
            "target": self.job.get("target", (None,))[0],
            "model": self.job.get("model", (None,))[0],
            "document_rule": DOCUMENT_RULE,
        }
        return Summary(self.specs, tables, evidence, info)

    @staticmethod
    def _table(spec: Spec, groups: Mapping[tuple, _Group]) -> Any:
        import pandas as pd

        labels = LABELS[spec.what]
        a, b = POLAR[spec.what]
        rows = []
        for key, g in groups.items():
            row: dict[str, Any] = dict(zip(spec.by, key))
            row["documents"], row["records"] = g.documents, g.records
            for label in labels:
                n = g.counts.get(label, 0)
                lo, hi = wilson_interval(n, g.documents)
                row[f"n_{label}"] = n
                row[f"share_{label}"] = n / g.documents if g.documents else math.nan
                row[f"low_{label}"], row[f"high_{label}"] = lo, hi
            row["net"] = row[f"share_{a}"] - row[f"share_{b}"]
            row["majority"] = majority_label(g.counts, labels)
            rows.append(row)
        columns = list(spec.by) + ["documents", "records"] + [
            f"{p}_{label}" for label in labels for p in ("n", "share", "low", "high")
        ] + ["net", "majority"]
        df = pd.DataFrame(rows, columns=columns)
        if len(df):
            df = df.sort_values(list(spec.by), key=_sort_key, kind="stable").reset_index(drop=True)
        return df


def _sort_key(col: Any) -> Any:
    """Sort group keys as text, with ``undated`` and missing values last."""
    return col.map(lambda v: (1, "") if v is None or v == UNDATED or (isinstance(v, float) and math.isnan(v))
                   else (0, str(v)))


def _score(scores: Any, label: str) -> float:
    try:
        return float(scores.get(label, 0.0))
    except (AttributeError, TypeError, ValueError):
        return 0.0


def _text(value: Any) -> str | None:
    return None if value is None else (" ".join(str(value).split()) or None)


# ---------------------------------------------------------------------------- public API
def summarize(records_or_path: Any, specs: Sequence[Spec], *, evidence: int = 3) -> Summary:
    """One pass over the records for several groupings (`Spec`); raises InputError for no records."""
    agg = Aggregator(specs, evidence=evidence)
    for where, rec in iter_records(records_or_path):
        agg.add(rec, where)
    if agg.records == 0:
        name = records_or_path if isinstance(records_or_path, (str, os.PathLike)) else "the input"
        raise InputError(f"{name}: no records (an empty labels file?)")
    return agg.finish()


def aggregate(
    records_or_path: Any, by: str | Sequence[str] = ("actor", "month"), what: str = "stance"
) -> Any:
    """A pandas DataFrame with one row per group: the ``by`` columns, ``documents``, ``records``, and per
    label ``n_<label>``, ``share_<label>``, ``low_<label>``, ``high_<label>`` (95% Wilson interval over
    documents), ``net`` and ``majority``. ``records_or_path``: a labels JSONL path or an iterable of
    records (dicts, `Record`, `DocumentResult`). ``by``: ``actor``, ``source`` and at most one period
    (``day``, ``week``, ``month``, ``quarter``, ``year``, ``all``). ``what``: ``stance`` or ``sentiment``.
    See the module docstring for the document rule and the intervals."""
    spec = make_spec(by, what)
    return summarize(records_or_path, [spec], evidence=0).tables[0]


CHANGE_COLUMNS: tuple[str, ...] = (
    "actor", "source", "what", "before", "after", "from_label", "to_label",
    "before_documents", "after_documents", "before_share", "before_low", "before_high",
    "after_share", "after_low", "after_high", "evidence_before", "evidence_after",
)


def changes_from(summary: Summary, spec: Spec, *, min_documents: int = 1, evidence: int = 3) -> Any:
    """`changes` on an existing `Summary` (``spec`` must group by actor and one period)."""
    import pandas as pd

    period = spec.period
    if period is None or "actor" not in spec.by:
        raise ConfigError(f"changes need a grouping by actor and a period, got by={spec.by!r}")
    table = summary.tables[summary.specs.index(spec)]
    labels = LABELS[spec.what]
    rest = [k for k in spec.by if k not in ("actor", period)]
    rows = []
    if len(table):
        dated = table[(table[period] != UNDATED) & (table["documents"] >= min_documents)]
        for keys, sub in dated.groupby(["actor", *rest], sort=False, dropna=False):
            keys = keys if isinstance(keys, tuple) else (keys,)
            sub = sub.sort_values(period, kind="stable")
            prev = None
            for _, cur in sub.iterrows():
                if prev is not None:
                    a, b = prev["majority"], cur["majority"]
                    if a != b and a in labels and b in labels:
                        # the new majority's share: do the two periods' intervals overlap?
                        if cur[f"low_{b}"] > prev[f"high_{b}"]:
                            key_prev = tuple(prev[k] for k in spec.by)
                            key_cur = tuple(cur[k] for k in spec.by)
                            ev_prev = summary.evidence_for(spec, key_prev).get(a, [])[:evidence] if a != "neutral" else []
                            ev_cur = summary.evidence_for(spec, key_cur).get(b, [])[:evidence] if b != "neutral" else []
                            rows.append({
                                "actor": keys[0],
                                "source": cur["source"] if "source" in spec.by else None,
                                "what": spec.what, "before": prev[period], "after": cur[period],
                                "from_label": a, "to_label": b,
                                "before_documents": int(prev["documents"]), "after_documents": int(cur["documents"]),
                                "before_share": prev[f"share_{b}"], "before_low": prev[f"low_{b}"],
                                "before_high": prev[f"high_{b}"], "after_share": cur[f"share_{b}"],
                                "after_low": cur[f"low_{b}"], "after_high": cur[f"high_{b}"],
                                "evidence_before": ev_prev, "evidence_after": ev_cur,
                            })
                prev = cur
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def changes(
    records_or_path: Any,
    period: str = "month",
    what: str = "stance",
    *,
    by_source: bool = False,
    min_documents: int = 1,
    evidence: int = 3,
) -> Any:
    """Actor-periods where the majority label flips between two consecutive periods in which the actor
    has documents, and the new majority label's 95% intervals in the two periods do not overlap (its
    share rose beyond the noise). One row per change: ``before`` / ``after`` periods, ``from_label`` /
    ``to_label``, the new label's share and interval in both periods (``before_share``, ``before_low``,
    ...), and ``evidence_before`` / ``evidence_after``: up to ``evidence`` sentences (dicts with
    ``sentence``, ``score``, ``title``, ``date``, ``source``, ``doc_id``) for the old majority in the
    earlier period and the new one in the later (none for ``neutral``). ``undated`` is never part of a
    change; periods with fewer than ``min_documents`` documents are left out."""
    by = ("actor", "source", period) if by_source else ("actor", period)
    spec = make_spec(by, what)
    summary = summarize(records_or_path, [spec], evidence=evidence)
    return changes_from(summary, spec, min_documents=min_documents, evidence=evidence)


__all__ = [
    "Aggregator",
    "CHANGE_COLUMNS",
    "DOCUMENT_RULE",
    "LABELS",
    "POLAR",
    "Spec",
    "Summary",
    "aggregate",
    "changes",
    "changes_from",
    "combine_labels",
    "iter_records",
    "majority_label",
    "make_spec",
    "summarize",
    "wilson_interval",
]
