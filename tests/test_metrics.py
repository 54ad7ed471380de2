"""Metrics against hand-computed values; bootstrap determinism and coverage."""
from __future__ import annotations

import doctest
from functools import partial

import pytest

from stancekit.evaluation import baselines, metrics
from stancekit.evaluation.metrics import (
    accuracy, bootstrap_ci, confusion_matrix, f_avg, macro_f1, per_label,
)

L = ("support", "oppose", "neutral")
GOLD = ["support", "support", "support", "support", "oppose", "oppose", "oppose", "neutral", "neutral", "neutral"]
PRED = ["support", "support", "oppose", "neutral", "oppose", "oppose", "support", "neutral", "oppose", "neutral"]
# confusion (rows gold, cols pred, order support/oppose/neutral):
#   support: 2 1 1 | oppose: 1 2 0 | neutral: 0 1 2        -> 6 correct of 10
# support: P = 2/3, R = 2/4 -> F1 = 2*(2/3*1/2)/(2/3+1/2) = 4/7
# oppose:  P = 2/4, R = 2/3 -> F1 = 4/7
# neutral: P = 2/3, R = 2/3 -> F1 = 2/3


def test_accuracy_hand_computed():
    assert accuracy(GOLD, PRED) == pytest.approx(0.6)
    assert accuracy([], []) == 0.0
    with pytest.raises(ValueError):
        accuracy(["a"], [])


def test_confusion_matrix_hand_computed():
    assert confusion_matrix(GOLD, PRED, L) == [[2, 1, 1], [1, 2, 0], [0, 1, 2]]
    assert sum(map(sum, confusion_matrix(GOLD, PRED, L))) == len(GOLD)


def test_per_label_and_macro_f1_hand_computed():
    s = per_label(GOLD, PRED, L)
    assert (s["support"].precision, s["support"].recall) == (pytest.approx(2 / 3), pytest.approx(0.5))
    assert s["support"].f1 == pytest.approx(4 / 7)
    assert (s["oppose"].precision, s["oppose"].recall) == (pytest.approx(0.5), pytest.approx(2 / 3))
    assert s["oppose"].f1 == pytest.approx(4 / 7)
    assert s["neutral"].f1 == pytest.approx(2 / 3)
    assert [s[k].support for k in L] == [4, 3, 3]
    assert macro_f1(GOLD, PRED, L) == pytest.approx((4 / 7 + 4 / 7 + 2 / 3) / 3)
    assert f_avg(GOLD, PRED) == pytest.approx(4 / 7)


def test_never_predicted_label_counts_as_zero():
    gold = ["support", "oppose", "neutral", "neutral"]
    pred = ["neutral"] * 4
    s = per_label(gold, pred, L)
    assert s["support"].precision == 0.0 and s["support"].f1 == 0.0
    assert s["neutral"].precision == pytest.approx(0.5) and s["neutral"].recall == 1.0
    # macro over the fixed label set, not only the labels that occur in pred
    assert macro_f1(gold, pred, L) == pytest.approx((2 / 3) / 3)
    assert f_avg(gold, pred) == 0.0


def test_bootstrap_deterministic_and_contains_estimate():
    mf1 = partial(macro_f1, labels=L)
    a = bootstrap_ci(mf1, GOLD, PRED, n=300, seed=7)
    b = bootstrap_ci(mf1, GOLD, PRED, n=300, seed=7)
    c = bootstrap_ci(mf1, GOLD, PRED, n=300, seed=8)
    assert a == b
    assert (a.low, a.high) != (c.low, c.high)
    assert a.value == pytest.approx(macro_f1(GOLD, PRED, L))
    assert a.low <= a.value <= a.high
    assert 0.0 <= a.low < a.high <= 1.0
    acc = bootstrap_ci(accuracy, GOLD, PRED)  # default n=1000, seed=0
    assert acc.low <= 0.6 <= acc.high
    assert acc.high - acc.low > 0.2  # 10 items: the interval must be wide
    assert str(acc).startswith("0.60 [")


def test_bootstrap_perfect_predictions_has_zero_width():
    ci = bootstrap_ci(accuracy, GOLD, GOLD, n=100)
    assert (ci.value, ci.low, ci.high) == (1.0, 1.0, 1.0)


def test_lexicon_baseline_rules():
    items = [
        dict(text="Germany is not against the plan.", actor="Germany", mentions=["Germany"], target="the plan"),
        dict(text="Germany is against the plan.", actor="Germany", mentions=["Germany"], target="the plan"),
        dict(text="France welcomed the plan. Germany was silent.", actor="Germany", mentions=["Germany"],
             target="the plan"),
        dict(text="Berlin, the big loser, backs the plan.", actor="Germany", mentions=["Berlin"], target="the plan"),
    ]
    preds = baselines.lexicon(items)
    assert [p.stance for p in preds] == ["support", "oppose", "neutral", "support"]
    assert [p.sentiment for p in preds] == ["neutral", "neutral", "neutral", "negative"]


def test_majority_uses_the_eval_sets_own_labels_or_a_given_one():
    items = [dict(stance=s, sentiment="neutral") for s in ("oppose", "oppose", "support")]
    assert {p.stance for p in baselines.majority(items)} == {"oppose"}
    assert {p.stance for p in baselines.majority(items, stance="neutral")} == {"neutral"}


@pytest.mark.parametrize("module, minimum", [(metrics, 10), (baselines, 3)])
def test_doctests(module, minimum):
    result = doctest.testmod(module)
    assert result.attempted >= minimum and result.failed == 0


def test_calibration_error_hand_computed():
    # bin [0.9, 1.0): 3 items, 2 right, mean confidence 0.95 -> |0.667 - 0.95| * 3/5
    # bin [0.5, 0.6): 2 items, 1 right, mean confidence 0.55 -> |0.5 - 0.55| * 2/5
    ece = metrics.expected_calibration_error([0.95, 0.95, 0.95, 0.55, 0.55], [True, True, False, True, False])
    assert ece == pytest.approx((0.95 - 2 / 3) * 3 / 5 + 0.05 * 2 / 5)
    # perfect calibration: a score of 1.0 always right, 0.5 half right
    assert metrics.expected_calibration_error([1.0, 1.0, 0.5, 0.5], [True, True, True, False]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        metrics.expected_calibration_error([0.5], [])


def test_label_confidence_reads_the_chosen_label():
    assert metrics.label_confidence({"support": 0.2, "oppose": 0.6, "neutral": 0.2}, "oppose") == pytest.approx(0.6)
    assert metrics.label_confidence({"positive": 3.0, "negative": 1.0}, "negative") == pytest.approx(0.25)
    assert metrics.label_confidence({}, "neutral") == 1.0
