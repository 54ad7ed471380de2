"""Result records: one per (paragraph, mentioned actor), plus the document-level result.

The first eight keys of `Record.to_dict` are a stable public schema (jsonl output, gold files,
evaluation); extras such as ``windows`` come after them so readers keyed on position or name keep
working when fields are added.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .templates import SENTIMENT_LABELS, STANCE_LABELS

RECORD_KEYS: tuple[str, ...] = (
    "paragraph",
    "actor",
    "mentions",
    "stance",
    "stance_scores",
    "sentiment",
    "sentiment_scores",
    "evidence",
)


@dataclass
class Record:
    """Stance of ``actor`` toward the target, and the sentiment shown toward it, in one paragraph.

    ``evidence`` is the premise unit that decided the stance; ``windows`` how many units were
    scored; ``split_windows`` whether any unit is a chunk of an over-long sentence.
    """

    paragraph: int
    actor: str
    mentions: list[str]
    stance: str
    stance_scores: dict[str, float]
    sentiment: str
    sentiment_scores: dict[str, float]
    evidence: str
    windows: int = 1
    split_windows: bool = False
    doc_id: str | None = None
    #: The target phrase the stance hypothesis asked about ("the deal"; the target's name when the premise
    #: uses none of its aliases).
    target_phrase: str | None = None
    #: How the stance premise was chosen: "sentence", or with ``premise: clause`` the attribution role
    #: ("agent", "reporter", "event", "bystander": see `stancekit.attribution`).
    attribution: str | None = None
    #: The stance target's name (the one given, or the one `stancekit.targets.propose_target` chose).
    target: str | None = None
    #: How the stance hypothesis named the actor: its name, or with ``actor_linking`` the alias the premise
    #: uses ("HRA supports the ceasefire." for a premise that says "the HRA ...").
    actor_phrase: str | None = None

    def to_dict(self, ndigits: int | None = None) -> dict[str, Any]:
        """Plain dict, RECORD_KEYS first; ``ndigits`` rounds the scores (output only)."""

        def r(scores: dict[str, float]) -> dict[str, float]:
            return {k: (round(float(v), ndigits) if ndigits is not None else float(v)) for k, v in scores.items()}

        out: dict[str, Any] = {
            "paragraph": self.paragraph,
            "actor": self.actor,
            "mentions": list(self.mentions),
            "stance": self.stance,
            "stance_scores": r(self.stance_scores),
            "sentiment": self.sentiment,
            "sentiment_scores": r(self.sentiment_scores),
            "evidence": self.evidence,
            "windows": self.windows,
            "split_windows": self.split_windows,
        }
        if self.target is not None:
            out["target"] = self.target
        if self.target_phrase is not None:
            out["target_phrase"] = self.target_phrase
        if self.attribution is not None:
            out["attribution"] = self.attribution
        if self.actor_phrase is not None:
            out["actor_phrase"] = self.actor_phrase
        if self.doc_id is not None:
            out["doc_id"] = self.doc_id
        return out


@dataclass
class DocumentResult:
    """All records of one document; ``paragraphs`` counts every block, content or not."""

    records: list[Record]
    paragraphs: int
    actors_not_mentioned: list[str]
    target: str
    model: str
    doc_id: str | None = None
    actors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per actor (in order of first record): record count, label counts, mean scores."""
        out: dict[str, dict[str, Any]] = {}
        for rec in self.records:
            s = out.setdefault(
                rec.actor,
                {
                    "paragraphs": 0,
                    "stance_counts": {k: 0 for k in STANCE_LABELS},
                    "sentiment_counts": {k: 0 for k in SENTIMENT_LABELS},
                    "mean_stance_scores": {k: 0.0 for k in STANCE_LABELS},
                    "mean_sentiment_scores": {k: 0.0 for k in SENTIMENT_LABELS},
                },
            )
            s["paragraphs"] += 1
            s["stance_counts"][rec.stance] = s["stance_counts"].get(rec.stance, 0) + 1
            s["sentiment_counts"][rec.sentiment] = s["sentiment_counts"].get(rec.sentiment, 0) + 1
            for k, v in rec.stance_scores.items():
                s["mean_stance_scores"][k] = s["mean_stance_scores"].get(k, 0.0) + float(v)
            for k, v in rec.sentiment_scores.items():
                s["mean_sentiment_scores"][k] = s["mean_sentiment_scores"].get(k, 0.0) + float(v)
        for s in out.values():
            n = s["paragraphs"]
            for key in ("mean_stance_scores", "mean_sentiment_scores"):
                s[key] = {k: v / n for k, v in s[key].items()}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "target": self.target,
            "model": self.model,
            "paragraphs": self.paragraphs,
            "actors_not_mentioned": list(self.actors_not_mentioned),
            "records": [r.to_dict() for r in self.records],
            "summary": self.summary(),
        }
