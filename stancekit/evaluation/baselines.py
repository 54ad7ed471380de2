"""Baselines that stancekit must beat to be worth its cost.

- `majority`: the most frequent gold label **of the eval set being scored** (it peeks at the
  gold labels, so it is an upper bound for any constant predictor), or a label you give.
- `lexicon`: cue words near a mention ("against", "reject" -> oppose; "support", "accept" ->
  support), a negation within 3 tokens before a cue flips it. This is what a model that merely
  pattern-matches "against" does; the contrast split is built to expose it.
- `zero_shot`: the transformers ``zero-shot-classification`` pipeline on the same NLI model, with
  the paragraph as premise and "{actor} supports the plan."-style labels — the obvious thing a user
  would try instead of stancekit.

Every baseline maps an item list to `Prediction`s with the same fields, so run.py scores all
systems with the same metric code.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..templates import SENTIMENT_LABELS, STANCE_LABELS

Item = dict[str, Any]


@dataclass
class Prediction:
    """One system's labels for one eval item; scores are per label (need not sum to 1)."""

    stance: str
    sentiment: str
    stance_scores: dict[str, float] = field(default_factory=dict)
    sentiment_scores: dict[str, float] = field(default_factory=dict)
    note: str = ""
    evidence: str = ""  # stancekit: the premise that decided the stance
    target_phrase: str = ""  # stancekit: the target phrase asked
    attribution: str = ""  # stancekit: the actor's role in the deciding premise (`Record.attribution`)


# ---------------------------------------------------------------------------- majority
def majority_label(labels: Sequence[str], order: Sequence[str]) -> str:
    """Most frequent label; ties go to the label earlier in ``order`` (deterministic).

    >>> majority_label(["oppose", "support", "oppose", "support"], ["support", "oppose", "neutral"])
    'support'
    """
    counts = Counter(labels)
    return max(order, key=lambda lab: (counts.get(lab, 0), -list(order).index(lab)))


def majority(items: Sequence[Item], stance: str | None = None, sentiment: str | None = None) -> list[Prediction]:
    """Predict one label for every item: the eval set's own majority label unless given."""
    st = stance or majority_label([it["stance"] for it in items], STANCE_LABELS)
    se = sentiment or majority_label([it["sentiment"] for it in items], SENTIMENT_LABELS)
    one = lambda lab, labels: {k: float(k == lab) for k in labels}  # noqa: E731
    return [Prediction(st, se, one(st, STANCE_LABELS), one(se, SENTIMENT_LABELS)) for _ in items]


# ---------------------------------------------------------------------------- lexicon
STANCE_CUES: dict[str, tuple[str, ...]] = {
    "oppose": ("against", "reject", "rejects", "rejected", "rejecting", "rejection", "oppose", "opposes",
               "opposed", "opposing", "refuse", "refuses", "refused"),
    "support": ("support", "supports", "supported", "supporting", "back", "backs", "backed", "in favor",
                "in favour", "welcome", "welcomes", "welcomed", "accept", "accepts", "accepted", "acceptance"),
}
SENTIMENT_CUES: dict[str, tuple[str, ...]] = {
    "positive": ("praise", "praised", "winner", "winners", "success", "successful", "strong", "managed",
                 "upper hand", "gain", "wisely", "bravely", "good", "happy", "hero"),
    "negative": ("loser", "losers", "lose", "lost", "threat", "threatened", "threatens", "setback", "weak",
                 "crisis", "worse", "deteriorating", "failed", "blame", "blamed", "no choice", "unwilling"),
}
NEGATIONS: frozenset[str] = frozenset({"not", "no", "never", "n't", "nor", "without", "hardly", "unlikely"})
_FLIP = {"support": "oppose", "oppose": "support", "positive": "negative", "negative": "positive"}
_TOKEN = re.compile(r"n't|\w+(?:[-']\w+)*|[^\w\s]")
_SENT_END = {".", "!", "?", ";"}


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _mention_spans(text: str, surfaces: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    for s in dict.fromkeys(surfaces):
        spans += [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)" + re.escape(s) + r"(?!\w)", text)]
    return sorted(spans)


def cue_votes(
    text: str, surfaces: Sequence[str], cues: dict[str, tuple[str, ...]], window: int = 8, neg_window: int = 3
) -> Counter:
    """Count cue words within ``window`` tokens of a mention, in the same sentence.

    A negation within ``neg_window`` tokens before a cue flips its label.

    >>> dict(cue_votes("Germany is not against the plan.", ["Germany"], STANCE_CUES))
    {'support': 1}
    >>> dict(cue_votes("Germany is against it. France backs it.", ["Germany"], STANCE_CUES))
    {'oppose': 1}
    """
    toks = _tokens(text)
    words = [t for t, _, _ in toks]
    sent_id, sid = [], 0
    for w in words:
        sent_id.append(sid)
        if w in _SENT_END:
            sid += 1
    mention_tok = {
        i for i, (_, s, e) in enumerate(toks) for ms, me in _mention_spans(text, surfaces) if s < me and e > ms
    }
    phrases = [(lab, cue.split()) for lab, cs in cues.items() for cue in cs]
    votes: Counter = Counter()
    for i in range(len(words)):
        for lab, cue in phrases:
            if words[i : i + len(cue)] != cue:
                continue
            near = [j for j in mention_tok if sent_id[j] == sent_id[i] and abs(j - i) <= window]
            if not near:
                continue
            negated = any(w in NEGATIONS for w in words[max(0, i - neg_window) : i])
            votes[_FLIP[lab] if negated else lab] += 1
    return votes


def _decide_votes(votes: Counter, labels: Sequence[str]) -> tuple[str, dict[str, float]]:
    polar = [lab for lab in labels if lab != "neutral"]
    total = sum(votes.values())
    scores = {lab: (votes[lab] / total if total else 0.0) for lab in polar}
    scores["neutral"] = 0.0 if total else 1.0
    a, b = polar
    if votes[a] > votes[b]:
        return a, scores
    if votes[b] > votes[a]:
        return b, scores
    return "neutral", scores


def lexicon(items: Sequence[Item], window: int = 8) -> list[Prediction]:
    """Rule baseline: cue words near the actor's mentions decide stance and sentiment."""
    out = []
    for it in items:
        surfaces = it["mentions"] or [it["actor"]]
        st, st_scores = _decide_votes(cue_votes(it["text"], surfaces, STANCE_CUES, window), STANCE_LABELS)
        se, se_scores = _decide_votes(cue_votes(it["text"], surfaces, SENTIMENT_CUES, window), SENTIMENT_LABELS)
        out.append(Prediction(st, se, st_scores, se_scores))
    return out


# ---------------------------------------------------------------------------- zero-shot pipeline
#: Candidate label -> stancekit label; the pipeline fills them into the hypothesis template.
ZS_STANCE = {"supports": "support", "opposes": "oppose", "is neutral toward": "neutral"}
ZS_SENTIMENT = {"positively": "positive", "negatively": "negative", "neutrally": "neutral"}


def _escape(s: str) -> str:
    return s.replace("{", "{{").replace("}", "}}")


def zero_shot(items: Sequence[Item], model: Any, tokenizer: Any) -> list[Prediction]:
    """transformers' zero-shot-classification pipeline, premise = the item's whole text.

    Stance: "{actor} {label} {target}." with labels supports / opposes / is neutral toward;
    sentiment: "{actor} is portrayed {label}." with positively / negatively / neutrally. The
    pipeline's own rule (softmax over the labels' entailment logits, single-label) decides.
    """
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the pipeline warns about label names of tiny test models
    try:
        clf = pipeline("zero-shot-classification", model=model, tokenizer=tokenizer, device=model.device)
    finally:
        hf_logging.set_verbosity(verbosity)
    out = []
    for it in items:
        actor, target = _escape(it["actor"]), _escape(it["target"])
        st = clf(it["text"], list(ZS_STANCE), hypothesis_template=f"{actor} {{}} {target}.", multi_label=False)
        se = clf(it["text"], list(ZS_SENTIMENT), hypothesis_template=f"{actor} is portrayed {{}}.", multi_label=False)
        st_scores = {ZS_STANCE[lab]: float(s) for lab, s in zip(st["labels"], st["scores"])}
        se_scores = {ZS_SENTIMENT[lab]: float(s) for lab, s in zip(se["labels"], se["scores"])}
        out.append(
            Prediction(ZS_STANCE[st["labels"][0]], ZS_SENTIMENT[se["labels"][0]], st_scores, se_scores)
        )
    return out
