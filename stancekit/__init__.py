"""stancekit: per-paragraph, per-actor stance and sentiment toward a target, from any NLI model.

>>> from stancekit import StanceClassifier                       # doctest: +SKIP
>>> clf = StanceClassifier.from_pretrained("path/to/nli-model")  # doctest: +SKIP
>>> result = clf.label(text, "the plan", {"Russia": ["Russia", "Moscow"]})  # doctest: +SKIP

Heavy modules (torch, transformers) load on first use of the classes that need them.
"""
from __future__ import annotations

from typing import Any

from .config import LabelConfig, load_config
from .errors import ConfigError, InputError, ModelError, StancekitError
from .records import DocumentResult, Record
from .targets import Target
from .templates import TemplateSet

__version__ = "0.1.0"

__all__ = [
    "StanceClassifier",
    "NLIScorer",
    "LabelConfig",
    "load_config",
    "Record",
    "DocumentResult",
    "TemplateSet",
    "Target",
    "StancekitError",
    "InputError",
    "ConfigError",
    "ModelError",
    "load_eval_set",
    "aggregate",
    "changes",
    "__version__",
]

_LAZY = {
    "StanceClassifier": ("stancekit.classifier", "StanceClassifier"),
    "NLIScorer": ("stancekit.nli", "NLIScorer"),
    "load_eval_set": ("stancekit.evaluation", "load_eval_set"),
    "aggregate": ("stancekit.aggregation", "aggregate"),
    "changes": ("stancekit.aggregation", "changes"),
}


def __getattr__(name: str) -> Any:
    """Lazy exports: importing stancekit stays cheap, and optional parts may be absent."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stancekit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
