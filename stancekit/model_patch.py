"""A model folder that holds a later model as a patch over its own weights.

A model continued from another (the bundled default's later stages are continued from the earlier ones) differs
from it by small amounts. ``make_patch`` stores that difference: for each weight matrix, int8 values with one
fp16 scale per row (``delta ≈ q * scale``); for vectors (biases, LayerNorm) the fp16 difference itself; tensors
that did not move (fixed input embeddings) not at all. Beside the base folder's own weights this is
``patch.safetensors`` + ``patch.json``, about 40% of an fp16 copy of a 110M model, and its rounding error
(a row's largest change / 254) is of the order of fp16's own on the weights.

``resolve`` is what loaders call on a local folder: a folder without a patch is returned as it is; one with a
patch is written out once, patched, as an ordinary transformers folder under ``$STANCEKIT_CACHE/patched/``
(keyed by the sha256 of the patch, of the base weights and of the config and tokenizer files), which ``from_pretrained`` then loads. The base
weights are checked against the sha256 the patch was made over, so a patch never lands on other weights.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Mapping

from .errors import ModelError
from .machine import cache_root
from .textio import file_sha256

PATCH_WEIGHTS = "patch.safetensors"
PATCH_META = "patch.json"
FORMAT = "stancekit-weight-patch/1"
_SCALE = ".__scale__"  # suffix of a matrix's per-row scales in the patch file
_COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def has_patch(folder: str | os.PathLike) -> bool:
    return (Path(folder) / PATCH_META).is_file()


def _weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.safetensors") if p.name != PATCH_WEIGHTS)


def read_weights(folder: Path) -> dict[str, Any]:
    """Every tensor of the folder's safetensors weights (one file or shards), as stored."""
    from safetensors.torch import load_file

    files = _weight_files(folder)
    if not files:
        raise ModelError(f"{folder}: no safetensors weights")
    sd: dict[str, Any] = {}
    for f in files:
        sd.update(load_file(str(f)))
    return sd


def quantize_delta(delta: Any) -> tuple[Any, Any]:
    """int8 values and fp16 per-row scales of a 2-D difference (``delta ≈ q.float() * scale[:, None]``)."""
    import torch

    d = delta.float()
    scale = d.abs().amax(dim=1) / 127.0
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.clamp(torch.round(d / safe[:, None]), -127, 127).to(torch.int8)
    return q, scale.to(torch.float16)


def make_patch(base: str | os.PathLike, new: Mapping[str, Any], dest: str | os.PathLike) -> dict[str, Any]:
    """Write ``dest/patch.safetensors`` + ``dest/patch.json``: ``new`` (a state dict) as a patch over the
    weights in folder ``base``. Returns the metadata. Tensors must match by name and shape."""
    import torch
    from safetensors.torch import save_file

    base, dest = Path(base), Path(dest)
    old = read_weights(base)
    if set(old) != set(new):
        extra = sorted(set(new) ^ set(old))[:3]
        raise ModelError(f"make_patch: the models' tensors differ ({', '.join(extra)}): not the same architecture")
    out: dict[str, Any] = {}
    unchanged = 0
    for name, t in new.items():
        o = old[name]
        if tuple(o.shape) != tuple(t.shape):
            raise ModelError(f"make_patch: {name} has shape {tuple(o.shape)} in the base, {tuple(t.shape)} in the new model")
        if not torch.is_floating_point(t):
            if not torch.equal(o, t):
                out[name] = t.clone()  # integer buffers (position ids) are stored whole
            else:
                unchanged += 1
            continue
        delta = t.float() - o.float()
        target = t.to(o.dtype).float() - o.float()
        if not torch.any(target != 0):
            unchanged += 1
            continue
        if delta.dim() == 2:
            q, s = quantize_delta(delta)
            out[name], out[name + _SCALE] = q.contiguous(), s.contiguous()
        else:
            out[name] = delta.to(torch.float16).contiguous()
    dest.mkdir(parents=True, exist_ok=True)
    save_file(out, str(dest / PATCH_WEIGHTS), metadata={"format": FORMAT})
    os.chmod(dest / PATCH_WEIGHTS, 0o644)  # safetensors writes owner-only; a shared install must read it
    meta = {
        "format": FORMAT,
        "base_weights": {p.name: file_sha256(p) for p in _weight_files(base)},
        "patch_sha256": file_sha256(dest / PATCH_WEIGHTS),
        "dtype": str(next(iter(old.values())).dtype).replace("torch.", ""),
        "patched_tensors": sum(1 for k in out if not k.endswith(_SCALE)),
        "unchanged_tensors": unchanged,
    }
    (dest / PATCH_META).write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def apply_patch(state: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``state`` with ``patch`` (as ``make_patch`` writes it) added, in ``state``'s dtypes."""
    import torch

    for name, p in patch.items():
        if name.endswith(_SCALE):
            continue
        if name not in state:
            raise ModelError(f"patch: tensor {name} is not in the base weights")
        base = state[name]
        if not torch.is_floating_point(p):
            if p.dtype == torch.int8 and name + _SCALE in patch:
                delta = p.float() * patch[name + _SCALE].float()[:, None]
            else:
                state[name] = p.to(base.dtype)
                continue
        else:
            delta = p.float()
        if tuple(delta.shape) != tuple(base.shape):
            raise ModelError(f"patch: {name} has shape {tuple(delta.shape)}, the base {tuple(base.shape)}")
        state[name] = (base.float() + delta).to(base.dtype)
    return state


def _read_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / PATCH_META).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder}: cannot read {PATCH_META} ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{folder}: {PATCH_META} is not a {FORMAT} patch")
    return meta


def resolve(folder: str | os.PathLike) -> Path:
    """The folder to load: ``folder`` itself, or for a patched folder its patched copy in the cache (made
    on first use; a one-line note goes to stderr then)."""
    folder = Path(folder)
    if not has_patch(folder):
        return folder
    meta = _read_meta(folder)
    weights = folder / PATCH_WEIGHTS
    if not weights.is_file():
        raise ModelError(f"{folder}: {PATCH_META} names a patch, but {PATCH_WEIGHTS} is missing")
    # The copy carries the folder's config and tokenizer too: an edited config.json must not load a stale copy.
    copied = {name: file_sha256(folder / name) for name in _COPIED if (folder / name).is_file()}
    key = hashlib.sha256(json.dumps([meta, copied], sort_keys=True).encode()).hexdigest()[:16]
    out = cache_root() / "patched" / f"{folder.name}-{key}"
    if (out / "config.json").is_file() and _weight_files(out):
        return out
    print(f"[stancekit] assembling {folder.name} from its base weights and patch (once) -> {out}", file=sys.stderr)
    have = {p.name: file_sha256(p) for p in _weight_files(folder)}
    if have != meta.get("base_weights"):
        raise ModelError(f"{folder}: the base weights do not match the ones its patch was made over (corrupt or replaced files)")
    if file_sha256(weights) != meta.get("patch_sha256"):
        raise ModelError(f"{folder}: {PATCH_WEIGHTS} does not match its sha256 in {PATCH_META} (corrupt file)")
    from safetensors.torch import load_file, save_file

    try:
        patch = load_file(str(weights))
    except Exception as exc:  # safetensors raises its own types on a damaged header
        raise ModelError(f"{folder}: cannot read {PATCH_WEIGHTS} ({str(exc).splitlines()[0][:120]})") from None
    state = apply_patch(read_weights(folder), patch)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    except OSError as exc:
        raise ModelError(f"cannot write the patched model to {out.parent} ({exc.strerror}); set STANCEKIT_CACHE to a writable folder") from None
    save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    for name in _COPIED:
        if (folder / name).is_file():
            shutil.copy2(folder / name, tmp / name)
    try:
        os.replace(tmp, out)
    except OSError:  # another process finished first: keep its copy
        shutil.rmtree(tmp, ignore_errors=True)
    return out
