"""Gold evaluation sets, metrics, baselines and reports (see docs/annotation.md).

``load_eval_set("article", split="gold")`` loads the bundled gold set; ``evaluate()`` (in
``stancekit.evaluation.run``) scores stancekit against baselines on it.
"""
from .evalset import load_eval_set

__all__ = ["load_eval_set"]
