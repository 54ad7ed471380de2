"""Optional ONNX Runtime backend for `NLIScorer` (``backend: onnx`` in the label config).

Why: on CPU, ONNX Runtime fuses attention / GELU / layer-norm kernels and skips autograd and
Python module dispatch, which is often faster than eager PyTorch for small encoders. The model is
exported once from the loaded transformers model (``torch.onnx.export``, eager attention, dynamic
batch and sequence axes) and cached under ``$STANCEKIT_CACHE`` (default
``~/.cache/stancekit/onnx``), keyed by the weight files' path, size and mtime, so later loads
skip the export. Uses onnxruntime and onnx (core dependencies).

`OrtModel` quacks like the bits of a transformers model that `NLIScorer` uses (``config``,
``__call__(**inputs).logits``, ``parameters()``, ``eval()``, ``to()``), so the scorer's batching,
label mapping and decision code are unchanged.

``int8=True`` (``backend: onnx``, or ``auto`` for a large model, with ``dtype: int8``) runs ONNX Runtime's dynamic
int8 quantisation of the export's MatMul weights, one scale per output channel, cached beside the float32 export. Per-channel scales keep
far more accuracy than PyTorch's per-tensor ``quantize_dynamic`` on the 110M default model (measured in
docs/performance.md), and ONNX Runtime's int8 kernels use the CPU's VNNI instructions where it has them.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

from .errors import ConfigError, ModelError

INPUTS: tuple[str, ...] = ("input_ids", "attention_mask", "token_type_ids")


def _reason(exc: BaseException) -> str:
    """The first line of an error, cut to 200 characters: the tail of a one-line ModelError."""
    return str(exc).splitlines()[0][:200]


def cache_dir() -> Path:
    from .machine import cache_root

    return cache_root() / "onnx"


def _cache_key(name: str) -> str:
    """Path + size + mtime of the weight files (hub ids: the resolved name) + torch version."""
    import torch

    h = hashlib.sha256(f"{name}|{torch.__version__}".encode())
    p = Path(name)
    if p.is_dir():
        for f in sorted(p.glob("*.safetensors")) + [p / "config.json"]:
            if f.exists():
                st = f.stat()
                h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


def export(model: Any, tokenizer: Any, path: Path) -> list[str]:
    """Export ``model`` (a transformers sequence classifier) to ``path``; returns its input names."""
    import torch

    names = [n for n in INPUTS if n in getattr(tokenizer, "model_input_names", INPUTS)]
    enc = tokenizer(["A premise sentence."], ["A hypothesis."], return_tensors="pt")
    names = [n for n in names if n in enc]

    class Wrapper(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args))).logits

    was_training = model.training
    wrapper = Wrapper(model).eval()
    attn = getattr(model.config, "_attn_implementation", None)
    try:
        if attn not in (None, "eager") and hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation("eager")  # sdpa masks do not trace reliably
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with torch.inference_mode(False), torch.no_grad():
            torch.onnx.export(
                wrapper,
                tuple(enc[n] for n in names),
                str(tmp),
                dynamo=False,
                input_names=names,
                output_names=["logits"],
                dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logits": {0: "batch"}},
                opset_version=17,
            )
        os.replace(tmp, path)
    finally:
        if attn not in (None, "eager") and hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation(attn)
        model.train(was_training)
    return names


class OrtModel:
    """An onnxruntime session with the interface `NLIScorer` expects from a torch model."""

    def __init__(self, session: Any, config: Any, input_names: list[str]) -> None:
        import torch

        self.session = session
        self.config = config
        self.input_names = input_names
        self.training = False
        self._param = torch.zeros(1)  # NLIScorer reads the device from a parameter

    def __call__(self, **inputs: Any) -> Any:
        import torch

        feed = {n: inputs[n].cpu().numpy().astype("int64") for n in self.input_names if n in inputs}
        if "token_type_ids" in self.input_names and "token_type_ids" not in feed:
            feed["token_type_ids"] = feed["input_ids"] * 0
        (logits,) = self.session.run(["logits"], feed)
        return SimpleNamespace(logits=torch.from_numpy(logits))

    def parameters(self) -> Iterator[Any]:
        yield self._param

    def eval(self) -> "OrtModel":
        return self

    def to(self, *_: Any, **__: Any) -> "OrtModel":
        return self


def quantize(src: Path, dst: Path) -> None:
    """Dynamic int8 quantisation of ``src``'s MatMul weights (per output channel) into ``dst``, written whole."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = dst.with_suffix(".tmp")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint on the root logger
    try:
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
    finally:
        root.setLevel(level)
    os.replace(tmp, dst)


def to_onnxruntime(
    model: Any, tokenizer: Any, name: str, threads: int | None = None, int8: bool = False
) -> OrtModel:
    """Export (or reuse the cached export of) ``model`` and open it with onnxruntime on CPU; ``int8``: its
    dynamically quantised copy (`quantize`), made once and cached too."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ConfigError("backend onnx needs onnxruntime: pip install onnxruntime") from None
    import torch

    path = cache_dir() / _cache_key(name) / "model.onnx"
    names_file = path.with_name("inputs.txt")
    if not (path.is_file() and names_file.is_file()):
        try:
            names = export(model, tokenizer, path)
        except ImportError as exc:
            raise ConfigError(f"backend onnx needs the onnx package: pip install onnx ({exc})") from None
        except Exception as exc:
            raise ModelError(f"{name}: ONNX export failed: {_reason(exc)}") from None
        names_file.write_text("\n".join(names) + "\n", encoding="utf-8")
    names = names_file.read_text(encoding="utf-8").split()
    if int8:
        qpath = path.with_name("model.int8.onnx")
        if not qpath.is_file():
            try:
                quantize(path, qpath)
            except Exception as exc:
                raise ModelError(f"{name}: ONNX int8 quantisation failed: {_reason(exc)}") from None
        path = qpath
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads or torch.get_num_threads())
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelError(f"{name}: cannot open ONNX export {path}: {_reason(exc)}") from None
    return OrtModel(session, model.config, names)
