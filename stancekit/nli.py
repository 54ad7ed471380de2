"""NLI model loading and batched (premise, hypothesis) scoring.

`NLIScorer` wraps any transformers sequence-classification model trained for NLI. It finds the
entailment / neutral / contradiction (or entailment / not_entailment) ids in ``config.id2label``
instead of assuming an order: NLI checkpoints on the hub disagree on label order, and a wrong
guess silently swaps "supports" and "opposes".

Scoring is built for many short pairs (a document asks ~4 hypotheses per premise): identical
pairs are scored once, each unique pair is tokenised once with the tokenizer's pair API
(truncating the premise only — a cut hypothesis would change the question), pairs are sorted by
token length and packed into batches under a token budget (so padding stays small), and a batch
that runs out of GPU memory is halved and retried instead of failing the run.

Two outputs are kept (see `Scores`): probabilities in a fixed column order
``[entailment, neutral, contradiction]`` for stancekit's decision rule, and the raw entailment
logit of each pair, which the transformers zero-shot pipeline's rule (softmax over the label
hypotheses' entailment logits) needs for the benchmark comparison.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from . import model_patch
from .errors import ConfigError, ModelError

logger = logging.getLogger(__name__)

#: Column order of `Scores.probs` / `NLIScorer.score` output.
COLUMNS: tuple[str, ...] = ("entailment", "neutral", "contradiction")
ENT, NEU, CON = 0, 1, 2

_LABEL_NAMES: dict[str, str] = {
    "entailment": "entailment",
    "entails": "entailment",
    "entail": "entailment",
    "neutral": "neutral",
    "contradiction": "contradiction",
    "contradicts": "contradiction",
    "contradict": "contradiction",
    "not_entailment": "not_entailment",
    "non_entailment": "not_entailment",
    "not_entails": "not_entailment",
}


def _norm_label(label: str) -> str:
    return str(label).strip().lower().replace("-", "_").replace(" ", "_")


def resolve_label_ids(
    id2label: Mapping[int, str], num_labels: int, label_mapping: Mapping[str, int] | None = None, source: str = "model"
) -> dict[str, int]:
    """Map NLI label names to output ids: 3-way {entailment, neutral, contradiction} or 2-way
    {entailment, not_entailment}.

    ``label_mapping`` (from the config) overrides ``id2label``; it is the only way to use a model
    whose labels are generic (``LABEL_0``...), because guessing their order is unsafe.

    >>> resolve_label_ids({0: "CONTRADICTION", 1: "entailment", 2: "Neutral"}, 3)
    {'contradiction': 0, 'entailment': 1, 'neutral': 2}
    >>> resolve_label_ids({0: "entailment", 1: "not_entailment"}, 2)
    {'entailment': 0, 'not_entailment': 1}
    """
    if label_mapping:
        ids = {_LABEL_NAMES.get(_norm_label(k), _norm_label(k)): int(v) for k, v in label_mapping.items()}
        bad = [v for v in ids.values() if not 0 <= v < num_labels]
        if bad:
            raise ModelError(f"{source}: label_mapping id {bad[0]} is out of range (model has {num_labels} labels)")
        where = "label_mapping"
    else:
        ids = {}
        unknown = []
        for raw_id, raw_name in sorted(((int(k), v) for k, v in id2label.items()), key=lambda kv: kv[0]):
            name = _LABEL_NAMES.get(_norm_label(raw_name))
            if name is None or name in ids:
                unknown.append(str(raw_name))
            else:
                ids[name] = raw_id
        labels = ", ".join(str(id2label[k]) for k in sorted(id2label, key=int))
        if unknown:
            if all(_norm_label(u).startswith("label_") for u in unknown):
                raise ModelError(
                    f"{source}: labels {labels} are generic; set label_mapping "
                    "(e.g. {entailment: 0, neutral: 1, contradiction: 2}) in the config"
                )
            raise ModelError(
                f"{source}: labels {labels} are not NLI labels (need entailment/neutral/contradiction "
                "or entailment/not_entailment); set label_mapping in the config if the ids are known"
            )
        where = "config.id2label"
    names = set(ids)
    if names == {"entailment", "neutral", "contradiction"} or names == {"entailment", "not_entailment"}:
        if len(ids) != num_labels:
            raise ModelError(f"{source}: {where} names {len(ids)} labels but the model has {num_labels} outputs")
        return ids
    raise ModelError(
        f"{source}: {where} gives {sorted(names)}; need entailment/neutral/contradiction or entailment/not_entailment"
    )


@dataclass
class Scores:
    """Scores of n pairs.

    ``probs``: (n, 3) float32, columns [entailment, neutral, contradiction] (2-way models:
    [p_ent, 1 - p_ent, 0]). ``entail_logits``: (n,) float32, the raw entailment logit (for
    the zero-shot pipeline's rule). ``truncated``: how many pairs the tokenizer had to cut
    (0 when premises come from `stancekit.windows`, which sizes them to fit).
    """

    probs: np.ndarray
    entail_logits: np.ndarray
    truncated: int = 0


def _is_local_path(name: str) -> bool:
    if os.path.exists(name):
        return True
    if name.startswith(("/", "./", "../", "~", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    return name.count("/") > 1 or "\\" in name


_TRUE = {"1", "true", "yes", "on"}
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
_LOCAL_HINT = "pass a local model folder instead, e.g. --model ./models/nli (a path with a slash or that exists)"


def _offline_env() -> str | None:
    """The offline variable that is set (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE), if any."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in _TRUE:
            return var
    return None


def _in_hub_cache(name: str) -> bool:
    """Whether hub id ``name`` has a config.json in the local hub cache (a file-system check only)."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except Exception:  # an invalid repo id, an old huggingface_hub: let transformers decide
        return False


def _hub_unreachable() -> str | None:
    """A reason the hub cannot be reached, found without waiting (its host name does not resolve).

    huggingface_hub retries a failed request with back-off (about 25 s in all) before giving up;
    a failed DNS lookup is certain enough to stop at once. Behind a proxy the local resolver may not
    know the hub's name although the hub is reachable, so no verdict is given then.
    """
    import socket
    from urllib.parse import urlparse

    if any(os.environ.get(v) for v in _PROXY_VARS):
        return None
    try:
        from huggingface_hub import constants

        endpoint = constants.ENDPOINT
    except Exception:  # pragma: no cover - very old huggingface_hub
        endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    host = urlparse(endpoint).hostname
    if not host:
        return None
    try:
        socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return f"cannot resolve {host}: {exc.strerror or exc}"
    return None


#: Environment variables that keep third-party loading output (progress bars, warnings); `stancekit --verbose`
#: sets the first, so spawned corpus workers inherit it.
VERBOSE_ENV: tuple[str, ...] = ("STANCEKIT_VERBOSE", "STANCEKIT_DEBUG")


def verbose_requested() -> bool:
    """Whether the user asked to see third-party progress bars and warnings (``--verbose``)."""
    return any(os.environ.get(v, "").strip() not in ("", "0") for v in VERBOSE_ENV)


@contextlib.contextmanager
def quiet_loading(verbose: bool | None = None):
    """Silence transformers' / huggingface_hub's progress bars ("Loading weights") and warnings while a
    model loads, then restore them; ``verbose`` (default: `verbose_requested`) keeps them."""
    if verbose if verbose is not None else verbose_requested():
        yield
        return
    from transformers.utils import logging as tf_logging

    level, bars = tf_logging.get_verbosity(), tf_logging.is_progress_bar_enabled()
    try:
        from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

        hub_bars_off = are_progress_bars_disabled()
    except ImportError:  # pragma: no cover - very old huggingface_hub
        hub_bars_off = None
    tf_logging.set_verbosity_error()
    tf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        tf_logging.set_verbosity(level)
        if bars:
            tf_logging.enable_progress_bar()
        if hub_bars_off is False:
            enable_progress_bars()
        elif hub_bars_off:
            disable_progress_bars()


def _quietly(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with quiet_loading():
            return fn(*args, **kwargs)

    return wrapper


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


#: Below this many parameters PyTorch is as fast as ONNX Runtime on CPU and loads without an export step.
ONNX_MIN_PARAMETERS = 50_000_000


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX). Without it PyTorch emulates
    bfloat16 and mixed precision is slower than float32, so `auto_mixed_precision` never picks it there."""
    import torch

    cpu = getattr(torch, "cpu", None)
    checks = [getattr(cpu, n, None) for n in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    try:
        return any(bool(f()) for f in checks if f is not None)
    except Exception:  # a torch build without the probes
        return False


def auto_mixed_precision(model: Any, device: Any) -> bool:
    """``dtype: auto`` with ``backend: auto`` on CPU: run a float32 model of `ONNX_MIN_PARAMETERS` or more in
    bfloat16 mixed precision on PyTorch when the CPU multiplies bfloat16 in hardware. On such a CPU (a 2-core AMD
    EPYC) the bundled 110M model labels the article in 2.6 s instead of 4.3 s on ONNX Runtime in float32, and one
    news dev label of 262 moved (docs/performance.md); elsewhere float32 on ONNX Runtime stays the faster choice."""
    return _large_float32_on_cpu(model, device) and native_bfloat16()


def _large_float32_on_cpu(model: Any, device: Any) -> bool:
    """A float32 model of `ONNX_MIN_PARAMETERS` or more on CPU: the models whose forward is worth a faster engine
    (`auto_mixed_precision`, `auto_backend`)."""
    import torch

    if getattr(device, "type", str(device)) != "cpu":
        return False
    params = list(model.parameters())
    if not params or params[0].dtype != torch.float32:
        return False
    return sum(p.numel() for p in params) >= ONNX_MIN_PARAMETERS


def auto_backend(model: Any, device: Any) -> str:
    """``backend: auto``: "onnx" for a float32 model of `ONNX_MIN_PARAMETERS` or more on CPU when onnxruntime
    is installed (the bundled 110M model labels the article in 2.3 s instead of 5.4 s on one 2-core AMD EPYC, 5.7 s
    instead of 6.8 s on a slower one; see docs/performance.md), int8 included (ONNX Runtime's per-channel
    quantisation keeps the 110M model's accuracy where PyTorch's per-tensor one loses it),
    else "torch" (small models, GPU, float16/bfloat16 weights)."""
    import importlib.util

    if not _large_float32_on_cpu(model, device):
        return "torch"
    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None:
        return "torch"
    return "onnx"


class NLIScorer:
    """A loaded NLI model + tokenizer that scores (premise, hypothesis) pairs in batches."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        label_ids: Mapping[str, int],
        *,
        name: str = "model",
        max_length: int = 256,
        batch_size: int = 32,
        token_budget: int = 8192,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.label_ids = dict(label_ids)
        self.two_way = "not_entailment" in self.label_ids
        self.name = name
        #: "torch" or "onnx" (an `onnx_backend.OrtModel`): what runs the pairs; set by `from_pretrained`.
        self.backend = "torch"
        #: Set by `from_pretrained` for ``dtype: bfloat16-mixed``: the forward runs under ``torch.autocast`` in
        #: this dtype (matrix products in bfloat16, float32 weights, softmax and normalisation in float32).
        self.autocast: Any = None
        #: True when `from_pretrained` quantised the weights to int8 (PyTorch or ONNX Runtime).
        self.quantized = False
        self.max_length = int(max_length)
        self.batch_size = int(batch_size)
        self.token_budget = int(token_budget)
        model_max = getattr(tokenizer, "model_max_length", None)
        if isinstance(model_max, int) and 0 < model_max < self.max_length:
            self.max_length = model_max
        self._n_special_pair = tokenizer.num_special_tokens_to_add(pair=True)
        self._hyp_len_cache: dict[str, int] = {}
        # Token counts of premise texts, LRU-bounded: a sentence that mentions several actors, or recurs
        # across the documents of a corpus, is tokenised once.
        self._count_cache: OrderedDict[str, int] = OrderedDict()
        self.count_cache_size = 65536

    # ------------------------------------------------------------------ loading
    @classmethod
    @_quietly
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike,
        label_mapping: Mapping[str, int] | None = None,
        device: str = "auto",
        dtype: str = "auto",
        trust_remote_code: bool = False,
        *,
        max_length: int = 256,
        batch_size: int = 32,
        token_budget: int = 8192,
        backend: str = "auto",
    ) -> "NLIScorer":
        """Load a local folder or hub id; every failure is a one-line ModelError naming the path.

        ``dtype="bfloat16-mixed"``: float32 weights, the forward under ``torch.autocast(bfloat16)`` (PyTorch only);
        ``dtype="auto"`` picks it on a CPU that multiplies bfloat16 in hardware for a model of 50M+ parameters when
        ``backend="auto"`` (`auto_mixed_precision`). ``dtype="int8"``: dynamic int8 quantisation on CPU
        (`quantize_int8`; with ``backend="onnx"``, ONNX Runtime's per-channel quantisation of the export).
        ``backend="onnx"``: run the model with ONNX Runtime (`stancekit.onnx_backend`; CPU, cached export).
        Third-party progress bars and warnings are silenced while loading unless ``--verbose`` / $STANCEKIT_VERBOSE.

        Weights must be safetensors (``use_safetensors=True``): pickle checkpoints can run code
        on load. Remote code runs only when ``trust_remote_code`` is passed explicitly.
        """
        name = str(name_or_path)
        local = _is_local_path(name)
        if local:
            path = Path(name).expanduser()
            if not path.exists():
                raise ModelError(f"model not found: {name}")
            if not path.is_dir():
                raise ModelError(f"model path is not a folder: {name}")
            if not (path / "config.json").is_file():
                raise ModelError(f"{name}: no config.json (not a transformers model folder)")
            # A folder that stores its model as a patch over its own weights loads from the patched copy.
            name = str(model_patch.resolve(path))
        elif not _in_hub_cache(name):
            # Only now is the network needed; fail at once rather than after the hub client's
            # retries (and before transformers, whose first hub call may itself go online).
            var = _offline_env()
            if var:
                raise ModelError(
                    f"model not found: {name} is not a local folder nor in the hub cache, and {var} is set "
                    f"so the hub is not contacted; {_LOCAL_HINT}"
                )
            why = _hub_unreachable()
            if why:
                raise ModelError(
                    f"model not found: {name} is not a local folder nor in the hub cache, and the hub is "
                    f"unreachable ({why}); {_LOCAL_HINT}"
                )
        import torch
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        try:
            offline = True  # a local folder, or a hub id already cached, loads without the network
            try:
                config = AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code, local_files_only=True)
            except OSError:
                if local:
                    raise
                offline = False
                config = AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code)
        except ModelError:
            raise
        except (OSError, ValueError, json.JSONDecodeError, KeyError) as exc:
            msg = _first_line(exc)
            if "custom code" in msg or "trust_remote_code" in msg:
                raise ModelError(
                    f"{name}: the model needs its own Python code (auto_map in config.json), which stancekit "
                    "does not run unless you pass --trust-remote-code (trust_remote_code=True); read that code first"
                ) from None
            if not local:
                raise ModelError(
                    f"model not found: {name} (not a local folder, and the hub is unreachable or has no such model); "
                    f"{_LOCAL_HINT}"
                ) from None
            raise ModelError(f"{name}: cannot read config.json: {msg}") from None
        archs = getattr(config, "architectures", None) or []
        if archs and not any(a.endswith("ForSequenceClassification") for a in archs):
            raise ModelError(
                f"{name}: not a sequence-classification model (architectures: {', '.join(archs)})"
            )
        num_labels = int(getattr(config, "num_labels", len(config.id2label)))
        label_ids = resolve_label_ids(config.id2label, num_labels, label_mapping, source=name)

        dev = _resolve_device(device)
        quantize = dtype == "int8"
        if quantize and dev.type != "cpu":
            raise ConfigError(f"dtype int8 (dynamic quantisation) runs on CPU only, not {dev}; set device: cpu")
        mixed = dtype == "bfloat16-mixed"
        if mixed and backend == "onnx":
            raise ConfigError("dtype bfloat16-mixed runs on PyTorch: use backend: auto or torch")
        torch_dtype = _resolve_dtype("float32" if quantize or mixed else dtype, dev)
        try:
            tokenizer = AutoTokenizer.from_pretrained(
                name, trust_remote_code=trust_remote_code, local_files_only=offline
            )
        except Exception as exc:  # tokenizers raise many types for broken files
            raise ModelError(f"{name}: cannot load tokenizer: {_first_line(exc)}") from None
        if not getattr(tokenizer, "is_fast", False):
            logger.info("%s: slow tokenizer in use", name)
        try:
            model, info = AutoModelForSequenceClassification.from_pretrained(
                name,
                config=config,
                use_safetensors=True,
                trust_remote_code=trust_remote_code,
                dtype=torch_dtype,
                output_loading_info=True,
                local_files_only=offline,
            )
        except ValueError as exc:
            msg = _first_line(exc)
            if "Unrecognized configuration class" in msg or "sequence classification" in msg.lower():
                raise ModelError(f"{name}: not a sequence-classification model ({config.model_type})") from None
            raise ModelError(f"{name}: cannot load model weights: {msg}") from None
        except OSError as exc:
            msg = _first_line(exc)
            if local and not any(Path(name).glob("*.safetensors")):
                extra = " (pickle .bin weights are refused; convert them to safetensors)" if any(
                    Path(name).glob("*.bin")
                ) else ""
                raise ModelError(f"{name}: no model.safetensors weights{extra}") from None
            raise ModelError(f"{name}: cannot load model weights: {msg}") from None
        except Exception as exc:  # safetensors header errors, torch errors on corrupt files
            raise ModelError(f"{name}: cannot load model weights (corrupt file?): {_first_line(exc)}") from None
        missing = [k for k in (info or {}).get("missing_keys", []) if "classifier" in k or "score" in k]
        if missing:
            raise ModelError(
                f"{name}: weights have no trained classification head (missing {missing[0]}); "
                "not a sequence-classification model"
            )
        model.to(dev)
        model.eval()
        if backend not in ("auto", "torch", "onnx"):
            raise ConfigError(f"backend {backend!r}: expected auto, torch or onnx")
        if dtype == "auto" and backend == "auto" and auto_mixed_precision(model, dev):
            mixed = True
        chosen = "torch" if mixed else auto_backend(model, dev) if backend == "auto" else backend
        if chosen == "onnx":
            if dev.type != "cpu" or next(model.parameters()).dtype != torch.float32:
                raise ConfigError("backend onnx runs float32 or int8 on CPU: use device: cpu and dtype: auto/float32/int8")
            from .onnx_backend import to_onnxruntime

            try:
                model = to_onnxruntime(model, tokenizer, name, int8=quantize)
            except (ConfigError, ModelError, OSError) as exc:
                if backend == "onnx":
                    raise
                import sys

                # stderr, not warnings: loading runs with third-party warnings silenced (`quiet_loading`)
                print(f"[stancekit] backend auto: ONNX Runtime unavailable ({_first_line(exc)}); running on PyTorch",
                      file=sys.stderr)
                chosen = "torch"
        if chosen == "torch" and quantize:  # also after a fallback from ONNX Runtime
            model = quantize_int8(model)
        scorer = cls(
            model,
            tokenizer,
            label_ids,
            name=str(name_or_path),
            max_length=max_length,
            batch_size=batch_size,
            token_budget=token_budget,
        )
        scorer.backend = chosen
        scorer.quantized = quantize
        if mixed:
            scorer.autocast = torch.bfloat16
        return scorer

    @property
    def precision(self) -> str:
        """What the forward computes in: "bfloat16-mixed", "int8" or the weights' dtype ("float32", ...)."""
        if self.autocast is not None:
            return "bfloat16-mixed"
        if self.quantized:
            return "int8"
        params = list(self.model.parameters())
        return str(params[0].dtype).replace("torch.", "") if params else "float32"

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device

    @property
    def marks_mentions(self) -> bool:
        """Whether the model was fine-tuned on premises with the asked actor's mentions marked
        (``stancekit_mark_mentions`` in its config.json, written by `stancekit finetune`)."""
        return bool(getattr(getattr(self.model, "config", None), "stancekit_mark_mentions", False))

    # ------------------------------------------------------------------ token counting
    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` alone, without special tokens (what windows.py sizes premises with).

        Counts are cached per text (LRU, ``count_cache_size`` entries), so a sentence that is sized
        for several actors or recurs across documents is tokenised once.
        """
        cache = self._count_cache
        n = cache.get(text)
        if n is not None:
            cache.move_to_end(text)
            return n
        n = len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])
        cache[text] = n
        if len(cache) > self.count_cache_size:
            cache.popitem(last=False)
        return n

    def max_premise_tokens(self, hypothesis: str | Sequence[str]) -> int:
        """Premise tokens that fit with ``hypothesis`` (or the longest of several) in max_length.

        window = max_length - hypothesis tokens - special tokens of a pair. Raises ConfigError if
        a hypothesis leaves no room (a template far too long for max_length).
        """
        hyps = [hypothesis] if isinstance(hypothesis, str) else list(hypothesis)
        longest = 0
        for h in hyps:
            if h not in self._hyp_len_cache:
                self._hyp_len_cache[h] = self.count_tokens(h)
            longest = max(longest, self._hyp_len_cache[h])
        room = self.max_length - longest - self._n_special_pair
        if room < 8:
            raise ConfigError(
                f"max_length {self.max_length} leaves no room for a premise next to hypothesis "
                f"{max(hyps, key=len)!r}; raise max_length or shorten the template"
            )
        return room

    # ------------------------------------------------------------------ scoring
    def score(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None, progress: bool | None = None
    ) -> np.ndarray:
        """(n, 3) float32 probabilities, columns [entailment, neutral, contradiction]."""
        return self.score_full(pairs, batch_size=batch_size, progress=progress).probs

    def score_full(
        self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None, progress: bool | None = None
    ) -> Scores:
        """Probabilities and entailment logits of every pair (see `Scores`).

        ``progress``: None shows a tqdm bar only when there are more than two batches; False
        never; True always.
        """
        import torch

        n = len(pairs)
        if n == 0:
            return Scores(np.zeros((0, 3), np.float32), np.zeros((0,), np.float32), 0)
        cap = int(batch_size or self.batch_size)
        if cap < 1:
            raise ConfigError(f"batch_size must be >= 1, got {cap}")
        index: dict[tuple[str, str], int] = {}
        inverse = np.empty(n, dtype=np.int64)
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                pair = tuple(pair)  # type: ignore[assignment]
            inverse[i] = index.setdefault(pair, len(index))  # type: ignore[arg-type]
        unique = list(index)
        premises = [p for p, _ in unique]
        hypotheses = [h for _, h in unique]
        for h in set(hypotheses):
            self.max_premise_tokens(h)  # refuses a hypothesis that cannot fit
        truncated = self._count_truncated(premises, hypotheses)
        if truncated:
            logger.warning("%d of %d pairs exceed max_length %d; premises truncated", truncated, len(unique), self.max_length)
        enc = self.tokenizer(premises, hypotheses, truncation="only_first", max_length=self.max_length)
        features = [{k: enc[k][i] for k in enc.keys()} for i in range(len(unique))]
        lengths = np.array([len(f["input_ids"]) for f in features])
        order = np.argsort(lengths, kind="stable")
        batches = self._plan_batches(order, lengths, cap)

        n_labels = int(self.model.config.num_labels)
        logits_out = np.zeros((len(unique), n_labels), dtype=np.float32)
        show = (len(batches) > 2) if progress is None else bool(progress)
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(unique), desc="NLI pairs", unit="pair", leave=False)
        precision = contextlib.nullcontext()
        if self.autocast is not None:  # dtype bfloat16-mixed: matrix products in bfloat16, float32 weights
            precision = torch.autocast(self.device.type, dtype=self.autocast)
        try:
            with torch.inference_mode(), precision:
                for batch in batches:
                    self._run(batch, features, logits_out)
                    if bar is not None:
                        bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()

        probs_full = _softmax(logits_out)
        probs = np.zeros((len(unique), 3), dtype=np.float32)
        ent = probs_full[:, self.label_ids["entailment"]]
        probs[:, ENT] = ent
        if self.two_way:
            probs[:, NEU] = 1.0 - ent
        else:
            probs[:, NEU] = probs_full[:, self.label_ids["neutral"]]
            probs[:, CON] = probs_full[:, self.label_ids["contradiction"]]
        ent_logits = logits_out[:, self.label_ids["entailment"]]
        return Scores(probs[inverse], ent_logits[inverse].astype(np.float32), truncated)

    def _count_truncated(self, premises: list[str], hypotheses: list[str]) -> int:
        """How many pairs would be cut at max_length (premise and hypothesis counted once each)."""
        plen = {p: self.count_tokens(p) for p in set(premises)}
        return sum(
            1
            for p, h in zip(premises, hypotheses)
            if plen[p] + self._hyp_len_cache.get(h, 0) + self._n_special_pair > self.max_length
        )

    def _plan_batches(self, order: np.ndarray, lengths: np.ndarray, cap: int) -> list[list[int]]:
        """Length-sorted batches of at most ``cap`` pairs and ``token_budget`` padded tokens."""
        batches: list[list[int]] = []
        cur: list[int] = []
        for i in order.tolist():
            longest = int(lengths[i])  # ascending order: the newest item is the longest
            if cur and (len(cur) >= cap or (len(cur) + 1) * longest > self.token_budget):
                batches.append(cur)
                cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
        return batches

    def _run(self, batch: list[int], features: list[dict], out: np.ndarray) -> None:
        """Forward one batch; on out-of-memory, halve it and go on (a lone pair that fails is fatal)."""
        import torch

        try:
            padded = self.tokenizer.pad([features[i] for i in batch], padding=True, return_tensors="pt")
            inputs = {k: v.to(self.device) for k, v in padded.items()}
            if "attention_mask" not in inputs:
                inputs["attention_mask"] = (inputs["input_ids"] != self.tokenizer.pad_token_id).long()
            logits = self.model(**inputs).logits
            out[batch] = logits.float().cpu().numpy()
        except RuntimeError as exc:
            if not _is_oom(exc):
                raise
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if len(batch) == 1:
                raise ModelError(
                    f"{self.name}: out of memory on a single pair of {len(features[batch[0]]['input_ids'])} tokens; "
                    "lower max_length or use --device cpu"
                ) from None
            half = len(batch) // 2
            logger.warning("out of memory on a batch of %d pairs; retrying in halves", len(batch))
            self.batch_size = max(1, min(self.batch_size, half))
            self._run(batch[:half], features, out)
            self._run(batch[half:], features, out)


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def _resolve_device(device: str) -> Any:
    import torch

    if device in (None, "", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"device {device!r} is not a valid torch device: {_first_line(exc)}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r}: CUDA is not available on this machine")
    return dev


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantisation of every nn.Linear (weights int8, activations quantised per
    batch at run time). On CPU this roughly halves matmul time for BERT-size encoders with a small
    accuracy cost; measure both with scripts/benchmark.py --ablation and scripts/evaluate.py."""
    import torch

    try:
        from torch.ao.quantization import quantize_dynamic
    except ImportError:  # pragma: no cover - very old torch
        from torch.quantization import quantize_dynamic  # type: ignore[no-redef]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization deprecation notices
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def _resolve_dtype(dtype: str, device: Any) -> Any:
    import torch

    if dtype in (None, "", "auto"):
        return torch.float16 if device.type == "cuda" else torch.float32
    table = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    if dtype not in table:
        raise ConfigError(f"dtype {dtype!r}: expected auto, float32, float16, bfloat16, bfloat16-mixed or int8")
    return table[dtype]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]

