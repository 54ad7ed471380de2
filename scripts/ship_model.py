#!/usr/bin/env python
"""Copy a fine-tuned model into the package as the bundled default (fp16 safetensors, every file under 95 MB).

    python scripts/ship_model.py runs/stance-attribution [--dest stancekit/models/nli-mpnet]

Copies RUN/model (config, tokenizer, weights converted to fp16), RUN/README.md (the model card),
RUN/metrics.json and RUN/config.resolved.yaml; refuses pickle weights. Weights larger than the per-file limit
are split into shards (model-0000k-of-0000n.safetensors + model.safetensors.index.json, as transformers
writes and reads them). Prints the sha256 of every weights file for the model card.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

LIMIT_MB = 95  # per file, MiB: git hosting refuses files over 100 MB


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a finetune output folder (with model/, README.md, metrics.json)")
    ap.add_argument("--dest", type=Path, default=Path("stancekit/models/nli-mpnet"))
    args = ap.parse_args(argv)
    src = args.run / "model"
    if not any(src.glob("*.safetensors")):
        print(f"ship_model: error: no safetensors weights in {src}", file=sys.stderr)
        return 2
    import torch
    from transformers import AutoModelForSequenceClassification

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
    for name in ("README.md", "metrics.json", "config.resolved.yaml"):
        if (args.run / name).is_file():
            shutil.copy2(args.run / name, args.dest / name)
    size = sum(p.stat().st_size for p in args.dest.iterdir()) / 2**20
    biggest = max(p.stat().st_size for p in args.dest.iterdir()) / 2**20
    if biggest > LIMIT_MB:
        print(f"ship_model: error: a file of {biggest:.1f} MB exceeds the {LIMIT_MB} MB limit", file=sys.stderr)
        return 2
    print(f"shipped {args.run} -> {args.dest} ({size:.1f} MB in all)")
    for w in sorted(args.dest.glob("*.safetensors")):
        print(f"`{w.name}` sha256 `{hashlib.sha256(w.read_bytes()).hexdigest()}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
