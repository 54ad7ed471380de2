"""Fine-tuning NLI models for stancekit from YAML configs (`stancekit finetune CONFIG`)."""
from .config import FinetuneConfig, load_finetune_config
from .train import RunResult, finetune, run_finetune

__all__ = ["FinetuneConfig", "RunResult", "finetune", "load_finetune_config", "run_finetune"]
