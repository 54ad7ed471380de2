"""Model card (README.md next to the model): base model, data with licences and counts, hyper-parameters,
training time and hardware, evaluation results, and the command that rebuilds the model."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .config import FinetuneConfig


def write_card(out: Path, cfg: FinetuneConfig, info: dict[str, Any], metrics: dict[str, Any]) -> Path:
    t = cfg.training
    lines = [
        f"# stancekit NLI model — {Path(cfg.output_dir).name}",
        "",
        cfg.description.strip() or "An NLI cross-encoder fine-tuned with `stancekit finetune`.",
        "",
        "## Base model",
        f"- `{cfg.model.base}` (loaded from `{info.get('base_path')}`)" + (f", weights sha256 {cfg.model.sha256}" if cfg.model.sha256 else ""),
        f"- labels (id → label): {json.dumps({v: k for k, v in info.get('label2id', {}).items()})}",
        "",
        "## Training data",
        "| source | licence (as found) | pairs |",
        "|---|---|---|",
    ]
    for src in cfg.data.train:
        name = src.name or src.path
        lines.append(f"| `{name}` ({src.format}, `{src.path}`) | {src.license or 'not stated'} | {info.get('data_counts', {}).get(name, '?')} |")
    lines += [
        "",
        f"Pairs after de-duplication against the evaluation data: {metrics.get('train_pairs')} train, "
        f"{metrics.get('validation_pairs')} validation ({metrics.get('dedup_dropped')} dropped as duplicates).",
        "",
        "## Hyper-parameters",
        f"epochs {t.epochs}, max_steps {t.max_steps}, learning rate {t.learning_rate}, batch size {t.batch_size}, "
        f"max length {t.max_length}, warmup ratio {t.warmup_ratio}, weight decay {t.weight_decay}, seed {t.seed}, "
        f"length-grouped batches; LoRA: {'yes' if cfg.model.lora else 'no'}; saved as {'fp16' if cfg.save_fp16 else 'fp32'}.",
        "",
        "## Training time and hardware",
        f"{metrics.get('train_seconds')} s ({metrics.get('global_steps')} steps) on {info.get('hardware')}"
        + (f"; resumed from {info['resumed_from']} (the time counts this last leg only)." if info.get("resumed_from") else "."),
        "",
        "## Evaluation (held out; never used for training)",
        "| set | accuracy | pairs |",
        "|---|---|---|",
    ]
    if "validation_accuracy" in metrics:
        lines.append(f"| validation split (carved from training data) | {metrics['validation_accuracy']:.4f} | {metrics.get('validation_pairs')} |")
    for key, val in metrics.items():
        if key.startswith("eval/") and key.endswith("/accuracy"):
            name = key[5:-9]
            lines.append(f"| {name} | {val:.4f} | {metrics.get(f'eval/{name}/n')} |")
    lines += [
        "",
        "## Rebuild",
        "```",
        f"stancekit finetune {info.get('config_path') or 'CONFIG.yaml'}" + "".join(f" --set {o}" for o in info.get("overrides", [])),
        "```",
        "",
    ]
    path = out / "README.md"
    path.write_text("\n".join(lines))
    return path
