"""The decision rule: NLI probabilities of template hypotheses -> stance / sentiment scores.

Pure functions on numpy arrays, so the rule can be tested with known numbers and reused by the
fine-tuning and evaluation code. Inputs are rows ``[P(entailment), P(neutral), P(contradiction)]``
(the column order of `stancekit.nli.Scores.probs`), one row per template of a label.

3-way NLI model, with P_e(h), P_n(h), P_c(h) averaged over the templates of a label::

    support = (P_e(sup) + P_c(opp)) / 2      # "X supports" entailed, or "X opposes" contradicted
    oppose  = (P_e(opp) + P_c(sup)) / 2
    neutral = (P_n(sup) + P_n(opp)) / 2      # the three sum to 1 by construction

With neutral templates configured: neutral <- (neutral + P_e(neu)) / 2, then renormalise.

2-way model (entailment / not_entailment)::

    support ∝ P_e(sup) * (1 - P_e(opp))
    oppose  ∝ P_e(opp) * (1 - P_e(sup))
    neutral ∝ (1 - P_e(sup)) * (1 - P_e(opp))

Sentiment uses the same rule with positive / negative templates.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

ENT, NEU, CON = 0, 1, 2


def _mean(rows: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    arr = np.asarray(rows, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.shape[0] == 0 or arr.shape[1] != 3:
        raise ValueError(f"expected rows of [entailment, neutral, contradiction], got shape {arr.shape}")
    return arr.mean(axis=0)


def polar_scores(
    pos: np.ndarray | Sequence[Sequence[float]],
    neg: np.ndarray | Sequence[Sequence[float]],
    neutral: np.ndarray | Sequence[Sequence[float]] | None = None,
    *,
    two_way: bool = False,
    labels: tuple[str, str, str] = ("support", "oppose", "neutral"),
) -> dict[str, float]:
    """Distribution over (positive label, negative label, neutral) for one premise unit.

    >>> s = polar_scores([[0.8, 0.1, 0.1]], [[0.1, 0.1, 0.8]])
    >>> {k: round(v, 3) for k, v in s.items()}
    {'support': 0.8, 'oppose': 0.1, 'neutral': 0.1}
    >>> s = polar_scores([[0.6, 0.4, 0.0]], [[0.2, 0.8, 0.0]], two_way=True)
    >>> {k: round(v, 3) for k, v in s.items()}
    {'support': 0.545, 'oppose': 0.091, 'neutral': 0.364}
    """
    p, n = _mean(pos), _mean(neg)
    if two_way:
        e_p, e_n = p[ENT], n[ENT]
        raw = np.array([e_p * (1 - e_n), e_n * (1 - e_p), (1 - e_p) * (1 - e_n)])
    else:
        raw = np.array([(p[ENT] + n[CON]) / 2, (n[ENT] + p[CON]) / 2, (p[NEU] + n[NEU]) / 2])
    if neutral is not None and len(np.asarray(neutral)) > 0:
        raw[2] = (raw[2] + _mean(neutral)[ENT]) / 2
    total = raw.sum()
    if not np.isfinite(total) or total <= 0:
        raw = np.array([0.0, 0.0, 1.0])
        total = 1.0
    raw = raw / total
    return {labels[0]: float(raw[0]), labels[1]: float(raw[1]), labels[2]: float(raw[2])}


def stance_scores(
    probs_by_label: Mapping[str, np.ndarray | Sequence[Sequence[float]]], *, two_way: bool = False
) -> dict[str, float]:
    """{support, oppose, neutral} from template probabilities keyed by stance label."""
    return polar_scores(
        probs_by_label["support"],
        probs_by_label["oppose"],
        probs_by_label.get("neutral"),
        two_way=two_way,
        labels=("support", "oppose", "neutral"),
    )


def sentiment_scores(
    probs_by_label: Mapping[str, np.ndarray | Sequence[Sequence[float]]], *, two_way: bool = False
) -> dict[str, float]:
    """{positive, negative, neutral} from template probabilities keyed by sentiment label."""
    return polar_scores(
        probs_by_label["positive"],
        probs_by_label["negative"],
        probs_by_label.get("neutral"),
        two_way=two_way,
        labels=("positive", "negative", "neutral"),
    )


def apply_bias(scores: Mapping[str, float], bias: float, neutral: str = "neutral") -> dict[str, float]:
    """Shift probability mass between the two polar labels: ``bias`` is added to the first polar label
    (support / positive) and taken from the second (oppose / negative), each clipped at 0, then the
    distribution is renormalised. A per-label bias calibrated on dev data counters a model's skew toward
    one side (``decision.stance_bias`` / ``decision.sentiment_bias``); 0 leaves the scores unchanged.

    >>> {k: round(v, 2) for k, v in apply_bias({"support": 0.3, "oppose": 0.6, "neutral": 0.1}, 0.1).items()}
    {'support': 0.4, 'oppose': 0.5, 'neutral': 0.1}
    """
    if not bias:
        return dict(scores)
    keys = [k for k in scores if k != neutral]
    out = dict(scores)
    out[keys[0]] = max(0.0, float(scores[keys[0]]) + bias)
    out[keys[1]] = max(0.0, float(scores[keys[1]]) - bias)
    total = sum(out.values())
    return {k: v / total for k, v in out.items()} if total > 0 else dict(scores)


def decide(
    scores: Mapping[str, float], neutral_margin: float = 0.0, neutral: str = "neutral", min_polar_gap: float = 0.0
) -> str:
    """Label of a distribution: the top polar label if it beats neutral by more than the margin and
    the other polar label by at least ``min_polar_gap`` (a model that cannot tell support from oppose
    has not found a position: neutral).

    >>> decide({"support": 0.45, "oppose": 0.15, "neutral": 0.40})
    'support'
    >>> decide({"support": 0.45, "oppose": 0.15, "neutral": 0.40}, neutral_margin=0.1)
    'neutral'
    >>> decide({"support": 0.30, "oppose": 0.25, "neutral": 0.45}, neutral_margin=-0.2)
    'support'
    >>> decide({"support": 0.50, "oppose": 0.45, "neutral": 0.05}, min_polar_gap=0.1)
    'neutral'
    >>> decide({"support": 0.60, "oppose": 0.35, "neutral": 0.05}, min_polar_gap=0.1)
    'support'
    """
    polar = sorted(((k, v) for k, v in scores.items() if k != neutral), key=lambda kv: -kv[1])  # stable on ties
    top, top_score = polar[0]
    if top_score - scores.get(neutral, 0.0) <= neutral_margin:
        return neutral
    if len(polar) > 1 and top_score - polar[1][1] < min_polar_gap:
        return neutral
    return top


#: The sentiment label that goes with each stance label (an actor that opposes reads as negative, and so on).
ALIGNED_SENTIMENT: dict[str, str] = {"support": "positive", "oppose": "negative"}


def echoed_stance(stance: str, role: str | None = None) -> str | None:
    """The stance that a record's sentiment may merely echo (`decide_sentiment`): its own, except for a threat
    (attribution role "pressure"), whose side is a position and also, in the annotation guidelines' words, a
    threatening portrayal, so its negative sentiment is more than an echo.

    >>> echoed_stance("oppose", "agent"), echoed_stance("oppose", "pressure")
    ('oppose', None)
    """
    return None if role == "pressure" else stance


def decide_sentiment(
    scores: Mapping[str, float],
    neutral_margin: float = 0.0,
    min_polar_gap: float = 0.0,
    stance: str | None = None,
    aligned_margin: float | None = None,
) -> str:
    """Sentiment label of a distribution (`decide`), with its own margin where the sentiment only repeats the
    actor's stance. An actor that rejects a plan is not thereby portrayed negatively (the annotation guidelines:
    "an actor can oppose the plan and be portrayed neutrally"), yet NLI models answer "X is portrayed negatively"
    from the rejection itself; so a polarity that matches ``stance`` (negative with oppose, positive with support)
    must clear ``aligned_margin`` instead of ``neutral_margin``. None: no special case.

    >>> s = {"positive": 0.05, "negative": 0.75, "neutral": 0.20}
    >>> decide_sentiment(s, 0.4, stance="oppose"), decide_sentiment(s, 0.4, stance="oppose", aligned_margin=0.6)
    ('negative', 'neutral')
    >>> decide_sentiment(s, 0.4, stance="support", aligned_margin=0.6)  # criticised while supporting: kept
    'negative'
    """
    label = decide(scores, neutral_margin, min_polar_gap=min_polar_gap)
    if aligned_margin is not None and label != "neutral" and ALIGNED_SENTIMENT.get(stance or "") == label:
        return decide(scores, aligned_margin, min_polar_gap=min_polar_gap)
    return label


def discount_echo(
    scores: Mapping[str, float],
    stance: str | None,
    neutral_margin: float,
    aligned_margin: float | None,
    neutral: str = "neutral",
) -> dict[str, float]:
    """The sentiment scores to report beside `decide_sentiment`'s label: when the top polar label repeats ``stance``,
    (aligned_margin - neutral_margin) / 2 of its mass moves to neutral, so that the ordinary margin applied to the
    reported scores gives the label the aligned margin gave (with no polar gap, and where the top polar label leads
    the other by more than the mass moved), and a sentiment turned neutral does not keep a dominant negative score in
    the output, the summaries and the calibration. Other scores are returned as they are.

    >>> {k: round(v, 2) for k, v in discount_echo({"positive": 0.05, "negative": 0.75, "neutral": 0.20}, "oppose",
    ...                                           0.4, 0.7).items()}
    {'positive': 0.05, 'negative': 0.6, 'neutral': 0.35}
    """
    out = dict(scores)
    if aligned_margin is None or aligned_margin <= neutral_margin:
        return out
    polar = sorted((k for k in scores if k != neutral), key=lambda k: -scores[k])
    if not polar or ALIGNED_SENTIMENT.get(stance or "") != polar[0]:
        return out
    shift = min(float(scores[polar[0]]), (aligned_margin - neutral_margin) / 2)
    out[polar[0]] = float(scores[polar[0]]) - shift
    out[neutral] = float(scores.get(neutral, 0.0)) + shift
    return out


def polar_mass(scores: Mapping[str, float], neutral: str = "neutral") -> float:
    """1 - neutral: how decisive a unit is, whichever way."""
    return 1.0 - float(scores.get(neutral, 0.0))


def pick_unit(distributions: Sequence[Mapping[str, float]], neutral: str = "neutral") -> int:
    """Index of the most decisive unit (highest polar mass; ties: the first).

    >>> pick_unit([{"support": .2, "oppose": .1, "neutral": .7}, {"support": .1, "oppose": .6, "neutral": .3}])
    1
    """
    if not distributions:
        raise ValueError("no premise units to choose from")
    best, best_mass = 0, -1.0
    for i, dist in enumerate(distributions):
        mass = polar_mass(dist, neutral)
        if mass > best_mass + 1e-12:
            best, best_mass = i, mass
    return best


def zero_shot_rule(entail_logits: Sequence[float], labels: Sequence[str]) -> tuple[str, dict[str, float]]:
    """The transformers zero-shot pipeline's rule (``multi_label=False``): softmax over the label
    hypotheses' entailment logits; returns (argmax label, scores). Used as a benchmark baseline.

    >>> zero_shot_rule([2.0, 0.0, 0.0], ["support", "oppose", "neutral"])[0]
    'support'
    """
    x = np.asarray(entail_logits, dtype=np.float64)
    if x.shape != (len(labels),) or len(labels) == 0:
        raise ValueError(f"need one entailment logit per label, got {x.shape} for {len(labels)} labels")
    e = np.exp(x - x.max())
    p = e / e.sum()
    scores = {lab: float(v) for lab, v in zip(labels, p)}
    return labels[int(np.argmax(p))], scores
