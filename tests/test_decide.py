"""Decision rule: known values, distributions that sum to 1, margin, unit choice, zero-shot rule."""
from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stancekit import decide
from stancekit.decide import decide as decide_label
from stancekit.decide import pick_unit, polar_scores, sentiment_scores, stance_scores, zero_shot_rule


def test_doctests():
    result = doctest.testmod(decide)
    assert result.attempted >= 6 and result.failed == 0


def test_three_way_known_values():
    # "X supports": entailed 0.7, neutral 0.2, contradicted 0.1; "X opposes": 0.1, 0.3, 0.6.
    s = stance_scores({"support": [[0.7, 0.2, 0.1]], "oppose": [[0.1, 0.3, 0.6]]})
    assert s == pytest.approx({"support": (0.7 + 0.6) / 2, "oppose": (0.1 + 0.1) / 2, "neutral": (0.2 + 0.3) / 2})


def test_templates_are_averaged_before_combining():
    s = stance_scores({"support": [[0.9, 0.1, 0.0], [0.5, 0.3, 0.2]], "oppose": [[0.0, 0.2, 0.8]]})
    assert s["support"] == pytest.approx((0.7 + 0.8) / 2)
    assert s["oppose"] == pytest.approx((0.0 + 0.1) / 2)


def test_neutral_templates_are_mixed_in_and_renormalised():
    base = stance_scores({"support": [[0.7, 0.2, 0.1]], "oppose": [[0.1, 0.3, 0.6]]})
    mixed = stance_scores({"support": [[0.7, 0.2, 0.1]], "oppose": [[0.1, 0.3, 0.6]], "neutral": [[0.9, 0.05, 0.05]]})
    raw = np.array([base["support"], base["oppose"], (base["neutral"] + 0.9) / 2])
    assert list(mixed.values()) == pytest.approx(list(raw / raw.sum()))
    assert mixed["neutral"] > base["neutral"]


def test_two_way_rule():
    s = polar_scores([[0.8, 0.2, 0.0]], [[0.1, 0.9, 0.0]], two_way=True)
    raw = np.array([0.8 * 0.9, 0.1 * 0.2, 0.2 * 0.9])
    assert list(s.values()) == pytest.approx(list(raw / raw.sum()))


def test_sentiment_uses_its_own_labels():
    s = sentiment_scores({"positive": [[0.1, 0.1, 0.8]], "negative": [[0.8, 0.1, 0.1]]})
    assert set(s) == {"positive", "negative", "neutral"}
    assert decide_label(s) == "negative"


prob_row = st.lists(st.floats(0.001, 1.0), min_size=3, max_size=3).map(lambda r: [x / sum(r) for x in r])


@settings(max_examples=60, deadline=None)
@given(st.lists(prob_row, min_size=1, max_size=3), st.lists(prob_row, min_size=1, max_size=3), st.booleans())
def test_scores_are_a_distribution(pos, neg, two_way):
    if two_way:
        pos = [[r[0], 1 - r[0], 0.0] for r in pos]
        neg = [[r[0], 1 - r[0], 0.0] for r in neg]
    s = polar_scores(pos, neg, two_way=two_way)
    assert sum(s.values()) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in s.values())


def test_margin_moves_the_boundary_both_ways():
    s = {"support": 0.40, "oppose": 0.25, "neutral": 0.35}
    assert decide_label(s, 0.0) == "support"
    assert decide_label(s, 0.06) == "neutral"  # 0.40 - 0.35 does not beat neutral by more than 0.06
    assert decide_label({"support": 0.30, "oppose": 0.20, "neutral": 0.50}, -0.25) == "support"
    assert decide_label({"support": 0.30, "oppose": 0.20, "neutral": 0.50}, -0.15) == "neutral"


def test_most_decisive_unit_wins():
    units = [
        {"support": 0.3, "oppose": 0.1, "neutral": 0.6},
        {"support": 0.1, "oppose": 0.7, "neutral": 0.2},
        {"support": 0.5, "oppose": 0.3, "neutral": 0.2},  # same polar mass as unit 1: first wins
    ]
    assert pick_unit(units) == 1
    with pytest.raises(ValueError):
        pick_unit([])


def test_zero_shot_rule_is_softmax_over_entailment_logits():
    label, scores = zero_shot_rule([0.5, 2.0, 1.0], ["support", "oppose", "neutral"])
    e = np.exp([0.5, 2.0, 1.0])
    assert label == "oppose"
    assert list(scores.values()) == pytest.approx(list(e / e.sum()))
    with pytest.raises(ValueError):
        zero_shot_rule([1.0], ["a", "b"])


_dist = st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).filter(lambda v: sum(v) > 1e-3).map(
    lambda v: dict(zip(("positive", "negative", "neutral"), (x / sum(v) for x in v))))


@settings(max_examples=300, deadline=None)
@given(_dist, st.sampled_from(["support", "oppose", "neutral", None]), st.sampled_from([0.0, 0.2, 0.4]),
       st.sampled_from([None, 0.5, 0.7, 0.9]))
def test_discounted_scores_give_the_aligned_label_under_the_ordinary_margin(scores, stance, margin, aligned):
    """The reported scores and the label agree: the ordinary margin applied to `discount_echo`'s scores gives the
    label `decide_sentiment` gives with the aligned margin (no polar gap) wherever the top polar label leads the other
    by more than the mass moved (else the other may overtake it: both polar scores near 0.5, the model undecided);
    mass is only moved, and nothing moves unless the top polar label repeats the stance."""
    shown = decide.discount_echo(scores, stance, margin, aligned)
    assert sum(shown.values()) == pytest.approx(1.0) and min(shown.values()) >= -1e-12
    label = decide.decide_sentiment(scores, margin, 0.0, stance, aligned)
    eps = 1e-9  # a tie at the margin itself may go either way in floating point
    top, other = sorted(("positive", "negative"), key=lambda k: -scores[k])
    d = scores[top] - scores["neutral"]
    moved = scores[top] - shown[top]
    if abs(d - (aligned or margin)) > eps and abs(d - margin) > eps and scores[top] - scores[other] > moved + eps:
        assert decide_label(shown, margin) == label
    if aligned is None or decide.ALIGNED_SENTIMENT.get(stance or "") != top:
        assert shown == scores
