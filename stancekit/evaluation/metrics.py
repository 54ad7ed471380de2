"""Classification metrics for stance and sentiment labels, as small pure functions.

Kept dependency-free (plain Python + numpy) so the numbers in reports can be checked by hand
and by doctest, and so every system (baselines, zero-shot pipeline, stancekit) is scored by
exactly the same code. The gold sets are small (tens of items), so every headline number is
reported with a bootstrap 95% interval: a 0.10 gap between systems on 23 items is often noise.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Labels = Sequence[str]


def _check(gold: Labels, pred: Labels) -> None:
    if len(gold) != len(pred):
        raise ValueError(f"gold and pred differ in length ({len(gold)} vs {len(pred)})")


def accuracy(gold: Labels, pred: Labels) -> float:
    """Fraction of items whose predicted label equals the gold label (0.0 for no items).

    >>> accuracy(["a", "b", "a", "c"], ["a", "b", "b", "c"])
    0.75
    """
    _check(gold, pred)
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, pred)) / len(gold)


@dataclass(frozen=True)
class LabelScores:
    """Precision, recall, F1 and gold count (support) of one label."""

    precision: float
    recall: float
    f1: float
    support: int


def per_label(gold: Labels, pred: Labels, labels: Labels | None = None) -> dict[str, LabelScores]:
    """Precision / recall / F1 per label; an undefined ratio (0/0) counts as 0.0.

    ``labels`` fixes the label set and order (default: sorted union of gold and pred), so a
    label the system never predicts still appears, with precision 0.

    >>> s = per_label(["s", "s", "o", "n"], ["s", "o", "o", "o"], ["s", "o", "n"])
    >>> s["s"]
    LabelScores(precision=1.0, recall=0.5, f1=0.6666666666666666, support=2)
    >>> s["o"].precision, s["o"].recall, s["o"].f1
    (0.3333333333333333, 1.0, 0.5)
    >>> s["n"]
    LabelScores(precision=0.0, recall=0.0, f1=0.0, support=1)
    """
    _check(gold, pred)
    labels = list(labels) if labels is not None else sorted(set(gold) | set(pred))
    out: dict[str, LabelScores] = {}
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        n_pred = sum(p == lab for p in pred)
        n_gold = sum(g == lab for g in gold)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[lab] = LabelScores(prec, rec, f1, n_gold)
    return out


def macro_f1(gold: Labels, pred: Labels, labels: Labels | None = None) -> float:
    """Unweighted mean of per-label F1 over ``labels`` (default: labels seen in gold or pred).

    >>> round(macro_f1(["s", "s", "o", "n"], ["s", "o", "o", "o"], ["s", "o", "n"]), 4)
    0.3889
    """
    scores = per_label(gold, pred, labels)
    if not scores:
        return 0.0
    return float(sum(s.f1 for s in scores.values()) / len(scores))


def f_avg(gold: Labels, pred: Labels, pair: tuple[str, str] = ("support", "oppose")) -> float:
    """SemEval-2016 Task 6 F_avg: the mean F1 of two named labels (FAVOR and AGAINST there).

    The third label (neutral / NONE) still matters through the precision and recall of the two.

    >>> f_avg(["support", "oppose", "neutral"], ["support", "neutral", "neutral"])
    0.5
    """
    scores = per_label(gold, pred, list(pair))
    return (scores[pair[0]].f1 + scores[pair[1]].f1) / 2


def confusion_matrix(gold: Labels, pred: Labels, labels: Labels) -> list[list[int]]:
    """Counts ``m[i][j]`` of items with gold ``labels[i]`` predicted as ``labels[j]``.

    Pairs whose gold or predicted label is not in ``labels`` are not counted.

    >>> confusion_matrix(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])
    [[1, 1], [0, 1]]
    """
    _check(gold, pred)
    index = {lab: i for i, lab in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        if g in index and p in index:
            m[index[g]][index[p]] += 1
    return m


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap percentile interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.2f} [{self.low:.2f}, {self.high:.2f}]"


def bootstrap_ci(
    metric: Callable[[Labels, Labels], float],
    gold: Labels,
    pred: Labels,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """Percentile bootstrap interval of ``metric``, resampling *items* with replacement.

    The seed is fixed so reports are reproducible; resampling items (not labels) keeps each
    gold/pred pair together. The point estimate is the metric on the full set.

    >>> ci = bootstrap_ci(accuracy, ["a"] * 8 + ["b"] * 2, ["a"] * 10, n=200, seed=1)
    >>> ci.value, ci.low <= 0.8 <= ci.high
    (0.8, True)
    """
    _check(gold, pred)
    gold_l, pred_l = list(gold), list(pred)
    return _resampled(lambda idx: metric([gold_l[i] for i in idx], [pred_l[i] for i in idx]), len(gold_l), n, seed, level)


def _resampled(stat: Callable[[Sequence[int]], float], k: int, n: int, seed: int, level: float) -> Interval:
    """``stat`` on all ``k`` items, with the percentile interval of ``stat`` over ``n`` resamples of the item
    indices (with replacement, seeded)."""
    value = float(stat(range(k)))
    if not k or n <= 0:
        return Interval(value, value, value)
    rng = np.random.default_rng(seed)
    stats = np.array([stat(rng.integers(0, k, size=k)) for _ in range(n)])
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return Interval(value, float(low), float(high))


def paired_bootstrap_diff(
    metric: Callable[[Labels, Labels], float],
    gold: Labels,
    pred_a: Labels,
    pred_b: Labels,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """Percentile bootstrap interval of ``metric(gold, pred_a) - metric(gold, pred_b)``: both systems are scored
    on the *same* resampled items each round, so the interval is that of the difference itself. Two systems
    whose separate intervals overlap can still differ beyond doubt when their errors are paired; an interval of
    the difference that excludes 0 says A and B differ on this set.

    >>> g = ["a"] * 30 + ["b"] * 30
    >>> ci = paired_bootstrap_diff(accuracy, g, g, ["a"] * 60, n=200, seed=1)
    >>> ci.value, ci.low > 0
    (0.5, True)
    """
    _check(gold, pred_a)
    _check(gold, pred_b)
    g, a, b = list(gold), list(pred_a), list(pred_b)

    def diff(idx: Sequence[int]) -> float:
        gs = [g[i] for i in idx]
        return float(metric(gs, [a[i] for i in idx])) - float(metric(gs, [b[i] for i in idx]))

    return _resampled(diff, len(g), n, seed, level)


def label_confidence(scores: dict[str, float], label: str) -> float:
    """The confidence a system gives its chosen ``label``: that label's share of the scores (scores need not
    sum to 1; none at all → 1.0, i.e. a system that states no confidence claims certainty).

    >>> label_confidence({"support": 0.6, "oppose": 0.2, "neutral": 0.2}, "support")
    0.6
    >>> label_confidence({"support": 2.0, "neutral": 2.0}, "neutral")
    0.5
    """
    total = sum(max(float(v), 0.0) for v in scores.values())
    if total <= 0:
        return 1.0
    return max(float(scores.get(label, 0.0)), 0.0) / total


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> float:
    """Expected calibration error: the item-weighted mean, over equal-width confidence bins, of
    |accuracy − mean confidence| in the bin. 0 means a confidence of 0.8 is right 80% of the time; it
    tells whether the scores can be read as probabilities, not whether the labels are right.

    >>> expected_calibration_error([0.9, 0.9, 0.6, 0.6], [True, True, True, False])
    0.1
    >>> expected_calibration_error([], [])
    0.0
    """
    if len(confidence) != len(correct):
        raise ValueError(f"confidence and correct differ in length ({len(confidence)} vs {len(correct)})")
    if not confidence:
        return 0.0
    conf = np.clip(np.asarray(confidence, dtype=float), 0.0, 1.0)
    ok = np.asarray(correct, dtype=float)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in np.unique(bins):
        sel = bins == b
        ece += sel.sum() / len(conf) * abs(ok[sel].mean() - conf[sel].mean())
    return round(float(ece), 12)
