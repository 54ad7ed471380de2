#!/usr/bin/env python
"""Copy a fine-tuned model into the package as a bundled model (fp16 safetensors, every file under 95 MB).

    python scripts/ship_model.py runs/stance-attribution [--dest stancekit/models/nli-mpnet]
    python scripts/ship_model.py runs/stance-attribution-mpnet-long --patch [--dest stancekit/models/nli-mpnet]

Copies RUN/model (config, tokenizer, weights converted to fp16), RUN/README.md (the model card),
RUN/metrics.json and RUN/config.resolved.yaml; refuses pickle weights. Weights larger than the per-file limit
are split into shards (model-0000k-of-0000n.safetensors + model.safetensors.index.json, as transformers
writes and reads them). Prints the sha256 of every weights file for the model card.

``--patch``: keep DEST's weights and store the run as a patch over them (`stancekit.model_patch`: int8 per-row
differences; loaders assemble the patched model once into the cache). For a run continued from DEST's model
this ships ~40% of a full fp16 copy; the patch is checked by comparing the assembled model's logits with the
run's own on a few pairs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

LIMIT_MB = 95  # per file, MiB: git hosting refuses files over 100 MB
_CARD_FILES = ("README.md", "metrics.json", "config.resolved.yaml")
_CHECK_PAIRS = [
    ("Germany rejected the plan on Tuesday.", "Germany supports the plan."),
    ("The mayor welcomed the new budget.", "The mayor supports the budget."),
    ("A man is playing a guitar on stage.", "A person is making music."),
    ("Officials said they would study the proposal.", "The officials oppose the proposal."),
]


def _check_patch(run_model: Path, dest: Path) -> float:
    """Largest absolute difference between the run's logits and the assembled patched model's."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from stancekit import model_patch

    tok = AutoTokenizer.from_pretrained(run_model)
    enc = tok([p for p, _ in _CHECK_PAIRS], [h for _, h in _CHECK_PAIRS], return_tensors="pt", padding=True)
    logits = []
    for folder in (run_model, model_patch.resolve(dest)):
        m = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True, dtype=torch.float32).eval()
        with torch.no_grad():
            logits.append(m(**enc).logits)
    return float((logits[0] - logits[1]).abs().max())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a finetune output folder (with model/, README.md, metrics.json)")
    ap.add_argument("--dest", type=Path, default=Path("stancekit/models/nli-mpnet"))
    ap.add_argument("--patch", action="store_true", help="store the run as a patch over DEST's own weights")
    args = ap.parse_args(argv)
    src = args.run / "model"
    if not any(src.glob("*.safetensors")):
        print(f"ship_model: error: no safetensors weights in {src}", file=sys.stderr)
        return 2
    import torch
    from transformers import AutoModelForSequenceClassification

    if args.patch:
        from stancekit import model_patch
        from stancekit.errors import ModelError

        if not (args.dest / "config.json").is_file():
            print(f"ship_model: error: --patch needs an existing model in {args.dest}", file=sys.stderr)
            return 2
        new = model_patch.read_weights(src)
        try:
            meta = model_patch.make_patch(args.dest, new, args.dest)
        except ModelError as exc:
            print(f"ship_model: error: {exc}", file=sys.stderr)
            return 2
    else:
        model = AutoModelForSequenceClassification.from_pretrained(src, use_safetensors=True, dtype=torch.float16)
        if args.dest.exists():
            shutil.rmtree(args.dest)
        args.dest.mkdir(parents=True)
        model.save_pretrained(args.dest, safe_serialization=True, max_shard_size=f"{LIMIT_MB * 2**20 * 0.98 / 1e6:.0f}MB")
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (src / name).is_file():
            shutil.copy2(src / name, args.dest / name)
    conf = json.loads((args.dest / "config.json").read_text())
    conf["dtype"] = "float16"
    (args.dest / "config.json").write_text(json.dumps(conf, indent=2))
    for name in _CARD_FILES:
        if (args.run / name).is_file():
            shutil.copy2(args.run / name, args.dest / name)
    size = sum(p.stat().st_size for p in args.dest.iterdir()) / 2**20
    biggest = max(p.stat().st_size for p in args.dest.iterdir()) / 2**20
    if biggest > LIMIT_MB:
        print(f"ship_model: error: a file of {biggest:.1f} MB exceeds the {LIMIT_MB} MB limit", file=sys.stderr)
        return 2
    print(f"shipped {args.run} -> {args.dest} ({size:.1f} MB in all)")
    if args.patch:
        err = _check_patch(src, args.dest)
        print(f"patch: {meta['patched_tensors']} tensors patched, {meta['unchanged_tensors']} unchanged; "
              f"largest logit difference to the run's model {err:.4f}")
    for w in sorted(args.dest.glob("*.safetensors")):
        print(f"`{w.name}` sha256 `{hashlib.sha256(w.read_bytes()).hexdigest()}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
