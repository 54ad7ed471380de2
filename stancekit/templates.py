"""Hypothesis templates: the questions stancekit asks the NLI model.

A template is a sentence with slots. Stance templates use ``{actor}`` and ``{target}``; sentiment
templates use ``{actor}`` only. The same templates are used at inference (`StanceClassifier`) and
when stance / sentiment data is turned into NLI training pairs (`stancekit.finetune.data`), so
fine-tuning improves exactly the question `label` asks.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field

from .errors import ConfigError

STANCE_LABELS: tuple[str, ...] = ("support", "oppose", "neutral")
SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")

DEFAULT_STANCE_TEMPLATES: dict[str, list[str]] = {
    "support": ["{actor} supports {target}."],
    "oppose": ["{actor} opposes {target}."],
}
DEFAULT_SENTIMENT_TEMPLATES: dict[str, list[str]] = {
    "positive": ["{actor} is portrayed positively."],
    "negative": ["{actor} is portrayed negatively."],
}

_STANCE_SLOTS = {"actor", "target"}
_SENTIMENT_SLOTS = {"actor"}


def _slots(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:  # unbalanced braces
        raise ConfigError(f"template {template!r}: {exc}") from None


def validate_templates(
    templates: dict[str, list[str]], labels: tuple[str, ...], allowed: set[str], where: str
) -> dict[str, list[str]]:
    """Check a label -> [template] mapping; raise ConfigError naming the key path at fault."""
    if not isinstance(templates, dict) or not templates:
        raise ConfigError(f"{where}: expected a mapping of label -> list of templates")
    out: dict[str, list[str]] = {}
    for label, items in templates.items():
        if label not in labels:
            raise ConfigError(f"{where}.{label}: unknown label (expected one of {', '.join(labels)})")
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where}.{label}: expected a non-empty list of templates")
        for i, tpl in enumerate(items):
            if not isinstance(tpl, str) or not tpl.strip():
                raise ConfigError(f"{where}.{label}[{i}]: template must be a non-empty string")
            try:
                slots = _slots(tpl)
            except ConfigError as exc:  # unbalanced braces: name the key path too
                raise ConfigError(f"{where}.{label}[{i}]: {exc}") from None
            if "actor" not in slots:
                raise ConfigError(f"{where}.{label}[{i}]: template {tpl!r} has no {{actor}} slot")
            unknown = slots - allowed
            if unknown:
                raise ConfigError(
                    f"{where}.{label}[{i}]: template {tpl!r} has unknown slot(s) "
                    f"{', '.join('{' + s + '}' for s in sorted(unknown))} (allowed: "
                    f"{', '.join('{' + s + '}' for s in sorted(allowed))})"
                )
        out[label] = list(items)
    polar = [lab for lab in labels if lab != "neutral"]
    missing = [lab for lab in polar if lab not in out]
    if missing:
        raise ConfigError(f"{where}: missing templates for label(s) {', '.join(missing)}")
    return out


@dataclass
class TemplateSet:
    """Stance and sentiment templates, validated on construction."""

    stance: dict[str, list[str]] = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_STANCE_TEMPLATES.items()})
    sentiment: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_SENTIMENT_TEMPLATES.items()}
    )

    def __post_init__(self) -> None:
        self.stance = validate_templates(self.stance, STANCE_LABELS, _STANCE_SLOTS, "templates.stance")
        self.sentiment = validate_templates(
            self.sentiment, SENTIMENT_LABELS, _SENTIMENT_SLOTS, "templates.sentiment"
        )

    def stance_hypotheses(self, actor: str, target: str) -> dict[str, list[str]]:
        """label -> hypotheses for one actor and target, e.g. {"support": ["Germany supports the plan."]}."""
        return {lab: [fill(t, actor=actor, target=target) for t in tpls] for lab, tpls in self.stance.items()}

    def sentiment_hypotheses(self, actor: str) -> dict[str, list[str]]:
        return {lab: [fill(t, actor=actor) for t in tpls] for lab, tpls in self.sentiment.items()}


def fill(template: str, **slots: str) -> str:
    """Fill a template; a sentence-initial lower-case slot value is capitalised ("the plan" -> "The plan")."""
    text = template.format(**slots)
    return text[:1].upper() + text[1:] if text else text
