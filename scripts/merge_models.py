#!/usr/bin/env python3
"""Interpolate two fine-tuned checkpoints of the same architecture: weights = (1 - t) * A + t * B.

Weight averaging of two fine-tunings of one pretrained model (a "model soup", WiSE-FT) keeps much of what each
learnt: here, a later stage trained on a narrow addition (stated intentions) averaged with the stage before it,
which kept more of the earlier mix. Every tensor is interpolated in float32 and saved in A's dtype; the config and
tokenizer come from A. A or B may be ``stancekit:default`` (the bundled default model), a bundled model's folder
(``stancekit/models/nli-minilm``) or any model folder, patched ones included.

    python scripts/merge_models.py stancekit:default runs/stance-intent-mpnet/model --t 0.5 -o runs/soup/model
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from stancekit.errors import StancekitError  # noqa: E402


def _folder(name: str) -> Path:
    """The folder to read: what ``model.base`` accepts for fine-tuning (`resolve_base`: ``stancekit:default``, a
    folder; a patched folder resolves to its assembled copy)."""
    from stancekit.errors import ModelError
    from stancekit.finetune.train import BUNDLED_BASE, resolve_base

    if name != BUNDLED_BASE and not (Path(name) / "config.json").is_file():
        raise ModelError(f"{name}: not a model folder (no config.json)")
    return Path(resolve_base(name))


def merge(a: str, b: str, t: float, out: Path) -> Path:
    from safetensors.torch import save_file

    from stancekit.errors import ConfigError, ModelError
    from stancekit.model_patch import read_weights

    if not 0.0 <= t <= 1.0:
        raise ConfigError(f"--t must be in [0, 1], got {t}")
    fa, fb = _folder(a), _folder(b)
    wa, wb = read_weights(fa), read_weights(fb)
    if set(wa) != set(wb) or any(wa[k].shape != wb[k].shape for k in wa):
        raise ModelError(f"{a} and {b} do not have the same tensors: not two checkpoints of one architecture")
    merged = {k: ((1 - t) * wa[k].float() + t * wb[k].float()).to(wa[k].dtype).contiguous() for k in wa}
    out.mkdir(parents=True, exist_ok=True)
    for f in fa.iterdir():
        if f.is_file() and not f.name.endswith(".safetensors") and f.name != "model.safetensors.index.json" and (
                f.suffix == ".json" or f.name.startswith("tokenizer")):
            shutil.copy2(f, out / f.name)
    save_file(merged, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="merge_models.py", description=__doc__.splitlines()[0])
    ap.add_argument("a", help="model A (a folder, or stancekit:default)")
    ap.add_argument("b", help="model B")
    ap.add_argument("--t", type=float, default=0.5, help="weight of B (0: A, 1: B; default 0.5)")
    ap.add_argument("-o", "--output", required=True, help="output model folder")
    args = ap.parse_args(argv)
    try:
        out = merge(args.a, args.b, args.t, Path(args.output))
    except StancekitError as exc:
        print(f"merge_models.py: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    print(f"merged {args.a} x{1 - args.t:g} + {args.b} x{args.t:g} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
