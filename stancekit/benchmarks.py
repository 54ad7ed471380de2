"""External benchmarks for stance and actor sentiment, scored through stancekit's own question.

Every benchmark is mapped onto one schema, `BenchItem` (id, text, target, label, task), with our label
names (support / oppose / neutral, positive / negative / neutral), and evaluated zero-shot with the SAME
templates and decision rule as ``stancekit label``:

* stance items: the premise is the benchmark text, framed as the words of a fixed speaker (see
  `FRAMINGS`; default ``quoted``: ``The author wrote: "<text>"``, actor ``The author``) and the
  hypotheses are ``config.templates.stance_hypotheses("The author", target)``;
* sentiment items: the premise is the sentence / paragraph as it is, the actor is the entity mention,
  and the hypotheses are ``config.templates.sentiment_hypotheses(mention)``.

All pairs of all benchmarks go to `NLIScorer.score` as one de-duplicated job list; the probabilities
become label scores with `decide.stance_scores` / `decide.sentiment_scores` and a label with
`decide.decide(scores, config.decision.neutral_margin)`. Binary benchmarks (P-Stance, IBM ArgQ,
PERSPECTRUM) take the argmax over support / oppose only, as their official task has no neutral class.

Metrics come from `stancekit.evaluation.metrics` (F_avg, macro-F1, bootstrap CI). Numbers are fractions
in [0, 1] here; reports print them x100 to match the published tables.

Data files are read by path from a data root (``$STANCEKIT_BENCH_DATA`` or ``../shared/data`` next to the
checkout) in the layouts described in each folder's README; nothing is copied into the repository.
Only train / dev / val / trial splits are available locally (test splits are withheld), so our numbers are
on dev-type splits while the published bests are on the official test sets: they are a reference point,
not a like-for-like comparison.
"""
from __future__ import annotations

import csv
import json
import os
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import decide as _decide
from .errors import ConfigError, InputError
from .mentions import mark_alias
from .evaluation import metrics

DATA_ENV = "STANCEKIT_BENCH_DATA"
TASKS = ("stance", "sentiment")

#: Speaker framings for stance items: (actor, premise pattern). ``plain`` asks about "The author" with the
#: text as it is; ``quoted`` wraps the text as reported speech, the form the default model's stance
#: training pairs have (``'{speaker} wrote: "{text}"'`` in `stancekit.finetune.data.FRAMINGS`).
FRAMINGS: dict[str, tuple[str, str]] = {
    "plain": ("The author", "{text}"),
    "quoted": ("The author", 'The author wrote: "{text}"'),
}
DEFAULT_FRAMING = "quoted"


@dataclass
class BenchItem:
    """One benchmark example in stancekit's terms."""

    id: str
    text: str  # the premise (tweet, comment, argument, sentence, paragraph)
    target: str  # stance: the stance target; sentiment: the actor / entity mention
    label: str  # support/oppose/neutral or positive/negative/neutral
    task: str  # "stance" | "sentiment"
    group: str = ""  # sub-set (P-Stance / COVID target, NewsMTSC file) for per-group metrics


@dataclass(frozen=True)
class Benchmark:
    """How to load a benchmark and score it, with the best published result for reference."""

    loader: Callable[[Path], list[BenchItem]]
    metric: str  # "f_avg" | "macro_f1"
    labels: tuple[str, ...]  # labels the metric averages over (and, for binary sets, the only outputs)
    published_best: float | None  # percent, on `published_split`; None = not found
    published_system: str
    published_model_size: str
    split_name: str
    title: str = ""
    task: str = "stance"
    binary: bool = False
    group_average: bool = False  # metric per group (target), then the mean: as the published numbers
    published_split: str = "test"
    files: tuple[str, ...] = ()  # paths under the data root that the loader reads
    note: str = ""

    @property
    def metric_name(self) -> str:
        if self.metric == "f_avg":
            return "F_avg (FAVOR, AGAINST)"
        what = "F1_m" if self.task == "sentiment" else "macro-F1"
        return f"{what} ({'/'.join(self.labels)})" + (" per-target mean" if self.group_average else "")

    def metric_fn(self) -> Callable[[Sequence, Sequence], float]:
        """metric(gold, pred) on label lists; for group-averaged sets the lists hold (group, label)."""
        if self.metric == "f_avg":
            base = lambda g, p: metrics.f_avg(g, p, ("support", "oppose"))  # noqa: E731
        elif self.metric == "macro_f1":
            labels = list(self.labels)
            base = lambda g, p: metrics.macro_f1(g, p, labels)  # noqa: E731
        else:  # pragma: no cover - registry is static
            raise ConfigError(f"unknown metric {self.metric!r}")
        if not self.group_average:
            return base
        return lambda g, p: group_mean(base, g, p)


def group_mean(metric: Callable[[Sequence, Sequence], float], gold: Sequence, pred: Sequence) -> float:
    """Mean over groups of ``metric``; items are (group, label) tuples.

    >>> m = lambda g, p: sum(a == b for a, b in zip(g, p)) / len(g)
    >>> group_mean(m, [("a", "x"), ("a", "y"), ("b", "x")], [("a", "x"), ("a", "x"), ("b", "x")])
    0.75
    """
    groups: dict[Any, tuple[list, list]] = {}
    for g, p in zip(gold, pred):
        bucket = groups.setdefault(g[0], ([], []))
        bucket[0].append(g[1])
        bucket[1].append(p[1])
    if not groups:
        return 0.0
    return float(np.mean([metric(gs, ps) for gs, ps in groups.values()]))


# ---------------------------------------------------------------------------------------------- readers
def default_data_root() -> Path:
    """``$STANCEKIT_BENCH_DATA``, else ``<checkout>/../shared/data``."""
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _need(path: Path) -> Path:
    if not path.is_file():
        raise InputError(f"{path}: benchmark file not found (set --data-dir or ${DATA_ENV})")
    return path


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with _need(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{n}: invalid JSON: {exc.msg}") from None
    return rows


def _clean(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def _map(value: Any, mapping: dict[str, str | None], where: str) -> str | None:
    key = str(value).strip()
    if key not in mapping:
        raise InputError(f"{where}: unknown label {value!r} (expected one of {', '.join(mapping)})")
    return mapping[key]


def _as_target(prefix: str, text: str) -> str:
    """'We should ban X.' -> 'the proposal that we should ban X' (as `finetune.data` builds targets)."""
    t = _clean(text).rstrip(".")
    return prefix + t[:1].lower() + t[1:]


STANCE3 = {"FAVOR": "support", "AGAINST": "oppose", "NONE": "neutral"}
STANCE2 = {"FAVOR": "support", "AGAINST": "oppose"}
NEWSMTSC = {"2.0": "negative", "4.0": "neutral", "6.0": "positive", "2": "negative", "4": "neutral", "6": "positive"}
PERSENT = {"Positive": "positive", "Negative": "negative", "Neutral": "neutral"}
COVID_TARGETS = {
    "fauci": "Anthony Fauci",
    "face_masks": "wearing face masks",
    "school_closures": "school closures",
    "stay_at_home_orders": "stay-at-home orders",
}


def _stance_rows(path: Path, prefix: str, text_col: str, target_col: str, label_col: str, labels: dict,
                 target_fn: Callable[[str], str] = _clean, id_col: str | None = None, group: str = "") -> list[BenchItem]:
    out = []
    for i, row in enumerate(read_jsonl(path)):
        lab = _map(row.get(label_col), labels, f"{path} row {i + 1}")
        text = _clean(row.get(text_col))
        if lab is None or not text:
            continue
        rid = str(row[id_col]) if id_col and row.get(id_col) is not None else str(i)
        out.append(BenchItem(f"{prefix}-{rid}", text, target_fn(str(row.get(target_col, ""))), lab, "stance", group))
    return out


def load_semeval(root: Path) -> list[BenchItem]:
    """SemEval-2016 Task 6A. Only train and the (third-party tokenized) trial set are shared; the default
    model trains on train, so the trial set (100 tweets, 2 targets) is the reported split."""
    return _stance_rows(root / "semeval2016_stance" / "trial_tokenized.jsonl", "semeval-trial", "text", "target",
                        "stance", STANCE3, id_col="id")


def load_vast(root: Path) -> list[BenchItem]:
    return _stance_rows(root / "vast" / "dev.jsonl", "vast-dev", "text", "topic", "stance", STANCE3)


def load_pstance(root: Path) -> list[BenchItem]:
    out = []
    for who in ("trump", "biden", "bernie"):
        out += _stance_rows(root / "pstance" / f"val_{who}.jsonl", f"pstance-val-{who}", "text", "target", "stance",
                            STANCE2, group=who)
    return out


def load_covid(root: Path) -> list[BenchItem]:
    out = []
    for key, name in COVID_TARGETS.items():
        out += _stance_rows(root / "covid19_stance" / f"val_{key}.jsonl", f"covid-val-{key}", "text", "target",
                            "stance", STANCE3, target_fn=lambda _t, n=name: n, id_col="tweet_id", group=key)
    return out


def load_argq(root: Path) -> list[BenchItem]:
    return _stance_rows(root / "ibm_argq_30k_stance" / "val.jsonl", "argq-val", "argument", "topic", "stance", STANCE2,
                        target_fn=lambda t: _as_target("the proposal that ", t))


def load_perspectrum(root: Path) -> list[BenchItem]:
    out = []
    path = root / "perspectrum_stance" / "dev.jsonl"
    for i, row in enumerate(read_jsonl(path)):
        lab = _map(row.get("stance"), {"SUPPORT": "support", "UNDERMINE": "oppose"}, f"{path} row {i + 1}")
        text = _clean(row.get("perspective"))
        if lab and text:
            rid = f"{row.get('claim_id', i)}-{row.get('perspective_id', i)}"
            out.append(BenchItem(f"perspectrum-dev-{rid}", text, _as_target("the claim that ", row.get("claim", "")),
                                 lab, "stance"))
    return out


def _newsmtsc(root: Path, split: str) -> list[BenchItem]:
    """One item per (sentence, target): premise = the sentence, actor = the target's mention."""
    path = root / "newsmtsc" / f"{split}.jsonl"
    out = []
    for i, row in enumerate(read_jsonl(path)):
        text = _clean(row.get("sentence_normalized"))
        for j, tgt in enumerate(row.get("targets") or []):
            lab = _map(tgt.get("polarity"), NEWSMTSC, f"{path} row {i + 1} target {j}")
            mention = _clean(tgt.get("mention"))
            if lab and text and mention:
                gid = tgt.get("Input.gid") or f"{row.get('primary_gid', i)}-{j}"
                out.append(BenchItem(f"newsmtsc-{split}-{i}-{j}-{gid}", text, mention, lab, "sentiment", split))
    return out


def load_newsmtsc_mt(root: Path) -> list[BenchItem]:
    return _newsmtsc(root, "dev_mt")


def load_newsmtsc_rw(root: Path) -> list[BenchItem]:
    return _newsmtsc(root, "dev_rw")


def load_persent(root: Path) -> list[BenchItem]:
    """Paragraph-level sentiment toward TARGET_ENTITY. Paragraphs are DOCUMENT split on newlines (they line up
    with Paragraph0..15 exactly); a paragraph that never names the entity still has a label, so the
    paragraph is the premise and the entity name the actor either way."""
    path = _need(root / "persent" / "dev.csv")
    csv.field_size_limit(1 << 30)
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r, row in enumerate(csv.DictReader(fh)):
            entity = _clean(row.get("TARGET_ENTITY"))
            paras = str(row.get("DOCUMENT") or "").split("\n")
            doc = row.get("DOCUMENT_INDEX") or str(r)
            for k in range(16):
                raw = str(row.get(f"Paragraph{k}") or "").strip()
                if not raw:
                    continue
                lab = _map(raw, PERSENT, f"{path} document {doc} Paragraph{k}")
                text = _clean(paras[k]) if k < len(paras) else ""
                if lab and text and entity:
                    out.append(BenchItem(f"persent-dev-{doc}-{k}", text, entity, lab, "sentiment"))
    return out


# ---------------------------------------------------------------------------------------------- registry
_S3 = ("support", "oppose", "neutral")
_S2 = ("support", "oppose")
_P3 = ("positive", "negative", "neutral")

BENCHMARKS: dict[str, Benchmark] = {
    "semeval": Benchmark(
        load_semeval, "f_avg", _S3, 67.82, "MITRE (LSTM, word2vec pre-training)", "small RNN (<10M)",
        "trial (100 tweets, tokenized copy)", title="SemEval-2016 Task 6A",
        files=("semeval2016_stance/trial_tokenized.jsonl",),
        note="Official test gold is withheld; train is used by the default model, so the 100 trial tweets "
        "(Hillary Clinton, Legalization of Abortion) are reported. Tiny: wide CI.",
    ),
    "vast": Benchmark(
        load_vast, "macro_f1", _S3, 66.6, "TGA-Net (BERT-base)", "110M", "dev", title="VAST",
        files=("vast/dev.jsonl",),
    ),
    "pstance": Benchmark(
        load_pstance, "macro_f1", _S2, 80.5, "BERTweet (in-target, mean of 3 targets)", "135M", "val",
        title="P-Stance", binary=True, group_average=True,
        files=tuple(f"pstance/val_{w}.jsonl" for w in ("trump", "biden", "bernie")),
        note="Binary FAVOR/AGAINST: argmax over support/oppose. Macro-F1 of the two = F_avg; mean over targets.",
    ),
    "covid": Benchmark(
        load_covid, "macro_f1", _S3, None, "not found", "-", "val", title="COVID-19-Stance",
        files=tuple(f"covid19_stance/val_{k}.jsonl" for k in COVID_TARGETS),
        note="Targets written as noun phrases: " + ", ".join(f"{k} -> {v}" for k, v in COVID_TARGETS.items()),
    ),
    "argq": Benchmark(
        load_argq, "macro_f1", _S2, None, "not found", "-", "val", title="IBM ArgQ-30k (stance)", binary=True,
        files=("ibm_argq_30k_stance/val.jsonl",),
        note="Target = 'the proposal that <motion>' (as in training). Val motions are disjoint from train.",
    ),
    "perspectrum": Benchmark(
        load_perspectrum, "macro_f1", _S2, None, "not found", "-", "dev", title="PERSPECTRUM (stance)", binary=True,
        files=("perspectrum_stance/dev.jsonl",),
        note="Target = 'the claim that <claim>'. 771 of 2,071 dev perspective texts also occur in train "
        "(under other claims), and the default model trains on PERSPECTRUM train.",
    ),
    "newsmtsc-mt": Benchmark(
        load_newsmtsc_mt, "macro_f1", _P3, 82.5, "GRU-TSC (RoBERTa-base)", "125M", "dev_mt", title="NewsMTSC mt",
        task="sentiment", files=("newsmtsc/dev_mt.jsonl",), note="One item per target; actor = the mention.",
    ),
    "newsmtsc-rw": Benchmark(
        load_newsmtsc_rw, "macro_f1", _P3, 83.1, "GRU-TSC (RoBERTa-base)", "125M", "dev_rw", title="NewsMTSC rw",
        task="sentiment", files=("newsmtsc/dev_rw.jsonl",), note="One item per target; actor = the mention.",
    ),
    "persent": Benchmark(
        load_persent, "macro_f1", _P3, None, "not found", "-", "dev (paragraph labels)", title="PerSenT paragraphs",
        task="sentiment", files=("persent/dev.csv",),
        note="Paragraph-level labels toward TARGET_ENTITY; the paper's paragraph-level scores were not found.",
    ),
}


def select(names: str | Sequence[str]) -> list[str]:
    """'all' or a comma list -> benchmark names in registry order; unknown names raise ConfigError."""
    wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    if not wanted or wanted == ["all"]:
        return list(BENCHMARKS)
    aliases = {"newsmtsc": ["newsmtsc-mt", "newsmtsc-rw"]}
    out: list[str] = []
    for n in wanted:
        for m in aliases.get(n, [n]):
            if m not in BENCHMARKS:
                raise ConfigError(f"unknown benchmark {n!r} (known: all, newsmtsc, {', '.join(BENCHMARKS)})")
            if m not in out:
                out.append(m)
    return [n for n in BENCHMARKS if n in out]


def load(name: str, root: str | Path | None = None, limit: int | None = None, seed: int = 0) -> list[BenchItem]:
    """Items of one benchmark; ``limit`` draws a fixed-seed random sample (kept in file order)."""
    items = BENCHMARKS[name].loader(Path(root) if root is not None else default_data_root())
    if not items:
        raise InputError(f"benchmark {name}: no items loaded")
    if limit is not None and 0 < limit < len(items):
        keep = sorted(random.Random(f"{seed}:{name}").sample(range(len(items)), limit))
        items = [items[i] for i in keep]
    return items


# ---------------------------------------------------------------------------------------------- zero-shot
@dataclass
class Job:
    """Pairs of one item (per label, indices into the shared job list) and how to read them."""

    item: BenchItem
    binary: bool
    ids: dict[str, list[int]] = field(default_factory=dict)


def item_hypotheses(
    item: BenchItem, templates, framing: str = DEFAULT_FRAMING, mark: bool = False
) -> tuple[str, dict[str, list[str]]]:
    """(premise, label -> hypotheses) for one item, exactly as `StanceClassifier` would ask; ``mark``
    marks the actor's mentions in the premise as `StanceClassifier` does for a model trained that way
    (the speaker of a quoted framing, the entity of a sentiment item; "plain" text names no one)."""
    if item.task == "stance":
        if framing not in FRAMINGS:
            raise ConfigError(f"unknown framing {framing!r} (expected {', '.join(FRAMINGS)})")
        actor, pattern = FRAMINGS[framing]
        premise = pattern.format(text=item.text)
        return (mark_alias(premise, actor) if mark else premise), templates.stance_hypotheses(actor, item.target)
    if item.task == "sentiment":
        return (mark_alias(item.text, item.target) if mark else item.text), templates.sentiment_hypotheses(item.target)
    raise ConfigError(f"item {item.id}: unknown task {item.task!r}")


def build_jobs(items: Sequence[BenchItem], templates, framing: str, index: dict[tuple[str, str], int],
               binary: bool = False, mark: bool = False) -> list[Job]:
    """Add the pairs of ``items`` to the shared de-duplicated ``index`` (pair -> position)."""
    jobs = []
    for it in items:
        premise, hyps = item_hypotheses(it, templates, framing, mark)
        ids = {lab: [index.setdefault((premise, h), len(index)) for h in hs] for lab, hs in hyps.items()}
        jobs.append(Job(it, binary, ids))
    return jobs


def decide_job(
    job: Job, probs: np.ndarray, two_way: bool, neutral_margin: float, min_polar_gap: float = 0.0, bias: float = 0.0
) -> tuple[str, dict[str, float]]:
    """Decision rule of `label` for one item; binary sets take the argmax over support / oppose."""
    by_label = {lab: probs[ids] for lab, ids in job.ids.items()}
    if job.item.task == "stance":
        scores = _decide.apply_bias(_decide.stance_scores(by_label, two_way=two_way), bias)
        if job.binary:
            return ("support" if scores["support"] >= scores["oppose"] else "oppose"), scores
    else:
        scores = _decide.apply_bias(_decide.sentiment_scores(by_label, two_way=two_way), bias)
    return _decide.decide(scores, neutral_margin, min_polar_gap=min_polar_gap), scores


def score(bench: Benchmark, items: Sequence[BenchItem], preds: Sequence[str], n_boot: int = 1000, seed: int = 0) -> dict:
    """Metric with bootstrap 95% CI (fractions) plus per-label F1 and the confusion matrix."""
    gold = [it.label for it in items]
    if bench.group_average:
        g = [(it.group, lab) for it, lab in zip(items, gold)]
        p = [(it.group, lab) for it, lab in zip(items, preds)]
    else:
        g, p = gold, list(preds)
    ci = metrics.bootstrap_ci(bench.metric_fn(), g, p, n=n_boot, seed=seed)
    labels = list(bench.labels) if bench.binary else (["support", "oppose", "neutral"] if bench.task == "stance"
                                                       else ["positive", "negative", "neutral"])
    per = metrics.per_label(gold, list(preds), labels)
    return {
        "value": ci.value,
        "ci_low": ci.low,
        "ci_high": ci.high,
        "accuracy": metrics.accuracy(gold, list(preds)),
        "per_label_f1": {k: v.f1 for k, v in per.items()},
        "gold_counts": {k: v.support for k, v in per.items()},
        "confusion": {"labels": labels, "matrix": metrics.confusion_matrix(gold, list(preds), labels)},
    }


def run_zero_shot(
    scorer,
    config,
    data: dict[str, list[BenchItem]],
    framings: Sequence[str] = (DEFAULT_FRAMING,),
    *,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool | None = None,
    on_pairs: Callable[[list[tuple[str, str]]], None] | None = None,
) -> tuple[list[dict], list[dict], int]:
    """Score every benchmark in ``data`` (name -> items) under each framing with one shared job list.

    Returns (results, predictions, n_unique_pairs). Sentiment benchmarks ignore the framing and are run
    once. ``on_pairs`` is called with the job list before scoring (the script prints an estimate there).
    """
    index: dict[tuple[str, str], int] = {}
    runs: list[tuple[str, str, list[Job]]] = []
    mark = config.marks(scorer.marks_mentions)
    for name, items in data.items():
        bench = BENCHMARKS[name]
        fr_list = list(framings) if bench.task == "stance" else ["-"]
        for fr in fr_list:
            jobs = build_jobs(items, config.templates, fr if fr != "-" else DEFAULT_FRAMING, index, bench.binary, mark)
            runs.append((name, fr, jobs))
    pairs = list(index)
    if on_pairs is not None:
        on_pairs(pairs)
    probs = scorer.score(pairs, progress=progress) if pairs else np.zeros((0, 3), np.float32)
    results, predictions = [], []
    for name, fr, jobs in runs:
        bench = BENCHMARKS[name]
        preds = []
        margin, gap = config.decision.thresholds(bench.task)
        for job in jobs:
            lab, sc = decide_job(job, probs, scorer.two_way, margin, gap, config.decision.bias(bench.task))
            preds.append(lab)
            predictions.append({"benchmark": name, "framing": fr, "id": job.item.id, "group": job.item.group,
                                "gold": job.item.label, "pred": lab, "scores": {k: round(v, 4) for k, v in sc.items()}})
        items = [j.item for j in jobs]
        res = score(bench, items, preds, n_boot=n_boot, seed=seed)
        res.update({
            "benchmark": name,
            "title": bench.title or name,
            "task": bench.task,
            "split": bench.split_name,
            "n": len(items),
            "framing": fr,
            "metric": bench.metric_name,
            "published_best": bench.published_best,
            "published_system": bench.published_system,
            "published_model_size": bench.published_model_size,
            "published_split": bench.published_split,
            "note": bench.note,
        })
        results.append(res)
    return results, predictions, len(pairs)
