#!/usr/bin/env python
"""Copy a fine-tuned model into the package as the bundled default (fp16 safetensors, under 50 MB).

    python scripts/ship_model.py runs/nli-minilm [--dest stancekit/models/nli-minilm]

Copies RUN/model (config, tokenizer, weights converted to fp16), RUN/README.md (the model card),
RUN/metrics.json and RUN/config.resolved.yaml; refuses pickle weights and anything over the size limit.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

LIMIT_MB = 50


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a finetune output folder (with model/, README.md, metrics.json)")
    ap.add_argument("--dest", type=Path, default=Path("stancekit/models/nli-minilm"))
    args = ap.parse_args(argv)
    src = args.run / "model"
    if not (src / "model.safetensors").is_file():
        print(f"ship_model: error: {src}/model.safetensors not found", file=sys.stderr)
        return 2
    from safetensors.torch import load_file, save_file

    tensors = {k: (v.half() if v.is_floating_point() else v) for k, v in load_file(src / "model.safetensors").items()}
    if args.dest.exists():
        shutil.rmtree(args.dest)
    args.dest.mkdir(parents=True)
    save_file(tensors, args.dest / "model.safetensors", metadata={"format": "pt"})
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
