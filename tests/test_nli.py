"""NLIScorer: label ids from config.id2label, batching that does not change results, errors."""
from __future__ import annotations

import doctest
import shutil

import numpy as np
import pytest
import torch

from stancekit import nli
from stancekit.errors import ConfigError, ModelError
from stancekit.nli import NLIScorer

PAIRS = [
    ("Russia welcomed the plan.", "Russia supports the plan."),
    ("Russia welcomed the plan.", "Russia opposes the plan."),
    ("Zelensky is against this plan, and the likelihood of his acceptance seems very low.", "Zelensky opposes the plan."),
    ("Germany and France are also against the plan.", "Germany supports the plan."),
    ("Trump threatened other measures against them.", "Trump is portrayed negatively."),
    ("Russia welcomed the plan.", "Russia supports the plan."),  # duplicate
]


def manual_probs(scorer: NLIScorer, pairs) -> np.ndarray:
    """One pair at a time, no padding: the reference the batched path must reproduce."""
    rows = []
    with torch.no_grad():
        for p, h in pairs:
            enc = scorer.tokenizer(p, h, return_tensors="pt")
            rows.append(torch.softmax(scorer.model(**enc).logits[0], -1).numpy())
    return np.array(rows)


def test_doctests():
    result = doctest.testmod(nli)
    assert result.attempted >= 2 and result.failed == 0  # the examples of resolve_label_ids ran


def test_loading_is_quiet_unless_verbose(tiny_models, capfd, monkeypatch):
    """No "Loading weights" bar or warning from the Python API (as in a fresh session, where nothing has
    silenced transformers yet); --verbose ($STANCEKIT_VERBOSE) keeps them; global settings are restored."""
    from transformers.utils import logging as tf_logging

    monkeypatch.delenv("STANCEKIT_DEBUG", raising=False)
    monkeypatch.delenv("STANCEKIT_VERBOSE", raising=False)
    level = tf_logging.get_verbosity()
    tf_logging.set_verbosity_warning()
    tf_logging.enable_progress_bar()
    try:
        capfd.readouterr()
        NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")
        assert capfd.readouterr().err == ""
        assert tf_logging.is_progress_bar_enabled() and tf_logging.get_verbosity() == tf_logging.WARNING
        monkeypatch.setenv("STANCEKIT_VERBOSE", "1")
        NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")
        assert "Loading weights" in capfd.readouterr().err  # the check above can see the bar
    finally:
        tf_logging.set_verbosity(level)


def test_token_counts_are_cached_per_sentence(tiny_models):
    scorer = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")
    calls = []
    tokenizer = scorer.tokenizer

    class Counting:
        def __call__(self, *args, **kwargs):
            calls.append(args[0])
            return tokenizer(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(tokenizer, name)

    scorer.tokenizer = Counting()
    first = [scorer.count_tokens("Russia welcomed the plan.") for _ in range(5)]
    assert first == [5] * 5 and calls == ["Russia welcomed the plan."]
    scorer.count_cache_size = 2
    for text in ("a", "b", "c"):
        scorer.count_tokens(text)
    assert list(scorer._count_cache) == ["b", "c"]  # least recently used dropped


def test_three_way_scores_match_unbatched_forward(nli3_scorer):
    scorer = nli3_scorer
    assert scorer.label_ids == {"entailment": 0, "neutral": 1, "contradiction": 2} and not scorer.two_way
    scores = scorer.score_full(PAIRS, batch_size=2)
    ref = manual_probs(scorer, PAIRS)
    assert scores.probs.shape == (len(PAIRS), 3) and scores.probs.dtype == np.float32
    np.testing.assert_allclose(scores.probs, ref, atol=1e-5)
    np.testing.assert_allclose(scores.probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(scores.probs[0], scores.probs[5])
    assert np.ptp(scores.probs[:, 0]) > 0.05  # the tiny model does react to its input
    np.testing.assert_allclose(scorer.score(PAIRS), scores.probs, atol=1e-5)  # other batch sizes


def test_entail_logits_are_the_raw_logits(nli3_scorer):
    scores = nli3_scorer.score_full(PAIRS[:3])
    with torch.no_grad():
        enc = nli3_scorer.tokenizer(PAIRS[1][0], PAIRS[1][1], return_tensors="pt")
        logit = nli3_scorer.model(**enc).logits[0, 0].item()
    assert scores.entail_logits[1] == pytest.approx(logit, abs=1e-4)


def test_permuted_labels_are_read_from_config(tiny_models, nli3_scorer):
    permuted = NLIScorer.from_pretrained(tiny_models["nli3_permuted"], device="cpu")
    assert permuted.label_ids == {"contradiction": 0, "entailment": 1, "neutral": 2}
    base = nli3_scorer.score(PAIRS)  # same weights; output k means LABELS_3[k] there
    got = permuted.score(PAIRS)
    # in the permuted model, output 0 is called contradiction, 1 entailment, 2 neutral
    np.testing.assert_allclose(got[:, 0], base[:, 1], atol=1e-6)
    np.testing.assert_allclose(got[:, 1], base[:, 2], atol=1e-6)
    np.testing.assert_allclose(got[:, 2], base[:, 0], atol=1e-6)


def test_generic_labels_need_an_explicit_mapping(tiny_models, nli3_scorer):
    with pytest.raises(ModelError, match="generic.*label_mapping"):
        NLIScorer.from_pretrained(tiny_models["generic"], device="cpu")
    mapped = NLIScorer.from_pretrained(
        tiny_models["generic"], label_mapping={"entailment": 0, "neutral": 1, "contradiction": 2}, device="cpu"
    )
    np.testing.assert_allclose(mapped.score(PAIRS), nli3_scorer.score(PAIRS), atol=1e-6)
    with pytest.raises(ModelError, match="out of range"):
        NLIScorer.from_pretrained(tiny_models["generic"], label_mapping={"entailment": 5, "not_entailment": 1})
    with pytest.raises(ModelError, match="2 labels but the model has 3"):
        NLIScorer.from_pretrained(tiny_models["generic"], label_mapping={"entailment": 0, "not_entailment": 1})


def test_two_way_model(tiny_models):
    scorer = NLIScorer.from_pretrained(tiny_models["nli2"], device="cpu")
    assert scorer.two_way and scorer.label_ids == {"entailment": 0, "not_entailment": 1}
    probs = scorer.score(PAIRS)
    ref = manual_probs(scorer, PAIRS)
    np.testing.assert_allclose(probs[:, 0], ref[:, 0], atol=1e-5)
    np.testing.assert_allclose(probs[:, 1], 1 - ref[:, 0], atol=1e-5)
    assert (probs[:, 2] == 0).all()


def test_non_nli_labels_are_refused(tiny_models):
    with pytest.raises(ModelError) as info:
        NLIScorer.from_pretrained(tiny_models["sentiment"], device="cpu")
    assert "NEGATIVE, POSITIVE are not NLI labels" in str(info.value)
    assert str(tiny_models["sentiment"]) in str(info.value)


@pytest.mark.parametrize(
    "id2label, expected",
    [
        ({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, {"entailment": 0, "neutral": 1, "contradiction": 2}),
        ({0: "entails", 1: "non-entailment"}, {"entailment": 0, "not_entailment": 1}),
        ({0: "not entailment", 1: "Entailment"}, {"not_entailment": 0, "entailment": 1}),
    ],
)
def test_label_name_variants(id2label, expected):
    assert nli.resolve_label_ids(id2label, len(id2label)) == expected


@pytest.mark.parametrize("id2label", [{0: "entailment", 1: "neutral"}, {0: "entailment", 1: "entailment", 2: "neutral"}])
def test_incomplete_label_sets_are_refused(id2label):
    with pytest.raises(ModelError):
        nli.resolve_label_ids(id2label, len(id2label))


def test_token_budget_and_batch_cap_shape_batches(nli3_scorer):
    scorer = nli3_scorer
    lengths = np.array([5, 30, 10, 12, 31, 6])
    order = np.argsort(lengths, kind="stable")
    old = scorer.token_budget
    try:
        scorer.token_budget = 64
        batches = scorer._plan_batches(order, lengths, cap=3)
    finally:
        scorer.token_budget = old
    assert sorted(i for b in batches for i in b) == list(range(6))
    for b in batches:
        assert len(b) <= 3 and len(b) * max(lengths[b]) <= 64
    assert [list(lengths[b]) for b in batches] == [[5, 6, 10], [12, 30], [31]]


def test_out_of_memory_batch_is_halved(tiny_models):
    scorer = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", batch_size=8)
    expected = scorer.score(PAIRS)
    real_forward = scorer.model.forward
    calls = []

    def forward(*args, **kwargs):
        n = kwargs["input_ids"].shape[0]
        calls.append(n)
        if n > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_forward(*args, **kwargs)

    scorer.model.forward = forward
    try:
        got = scorer.score(PAIRS)
    finally:
        scorer.model.forward = real_forward
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert calls == [5, 2, 3, 1, 2]  # 5 unique pairs -> 2 + 3 -> the 3 fails again -> 1 + 2
    assert scorer.batch_size <= 2


def test_hypothesis_is_never_truncated(tiny_models):
    scorer = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", max_length=24)
    hyp = "Russia opposes the plan."
    room = scorer.max_premise_tokens(hyp)
    long_premise = " ".join(["the people will vote against the plan"] * 10)
    scores = scorer.score_full([(long_premise, hyp), ("Russia welcomed the plan.", hyp)])
    assert scores.truncated == 1
    enc = scorer.tokenizer(long_premise, hyp, truncation="only_first", max_length=24)
    assert len(enc["input_ids"]) == 24
    assert scorer.tokenizer.decode(enc["input_ids"]).endswith("russia opposes the plan. [SEP]")
    fits = " ".join(long_premise.split()[:room])
    assert scorer.count_tokens(fits) == room
    assert len(scorer.tokenizer(fits, hyp)["input_ids"]) == 24


def test_empty_input(nli3_scorer):
    assert nli3_scorer.score([]).shape == (0, 3)


# ------------------------------------------------------------------ load errors
def test_missing_model_folder(tmp_path):
    with pytest.raises(ModelError, match="^model not found: .*nope$"):
        NLIScorer.from_pretrained(tmp_path / "nope")


def test_folder_without_config(tmp_path):
    with pytest.raises(ModelError, match="no config.json"):
        NLIScorer.from_pretrained(tmp_path)


def test_corrupt_weights(tiny_models, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(tiny_models["nli3"], bad)
    (bad / "model.safetensors").write_bytes(b"\x00\x01 not a safetensors file" * 10)
    with pytest.raises(ModelError) as info:
        NLIScorer.from_pretrained(bad, device="cpu")
    assert str(bad) in str(info.value) and "\n" not in str(info.value)


def test_pickle_weights_are_refused(tiny_models, tmp_path):
    from safetensors.torch import load_file

    bad = tmp_path / "pickle"
    shutil.copytree(tiny_models["nli3"], bad)
    state = load_file(bad / "model.safetensors")
    (bad / "model.safetensors").unlink()
    torch.save(state, bad / "pytorch_model.bin")
    with pytest.raises(ModelError, match="pickle"):
        NLIScorer.from_pretrained(bad, device="cpu")


def test_model_without_classification_head(tmp_path, tiny_models):
    from transformers import AutoTokenizer, BertConfig, BertModel

    cfg = BertConfig(vocab_size=80, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    BertModel(cfg).save_pretrained(tmp_path / "base")
    AutoTokenizer.from_pretrained(tiny_models["nli3"]).save_pretrained(tmp_path / "base")
    with pytest.raises(ModelError, match="not a sequence-classification model"):
        NLIScorer.from_pretrained(tmp_path / "base", device="cpu")


def test_auto_backend_keeps_small_and_half_precision_models_on_torch(tiny_models):
    s = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")  # backend auto is the default
    assert s.backend == "torch" and isinstance(s.model, torch.nn.Module)
    q = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", dtype="int8")
    assert q.backend == "torch"  # small int8 models keep PyTorch's quantisation
    assert nli.auto_backend(s.model.half(), torch.device("cpu")) == "torch"


def test_auto_backend_runs_a_large_float32_model_on_onnx(tiny_models, tmp_path, monkeypatch):
    """Past the size threshold auto exports the model once and runs it on ONNX Runtime, with the scores
    PyTorch gives (the threshold is lowered so a tiny model stands in for a 110M one)."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(nli, "ONNX_MIN_PARAMETERS", 1000)
    monkeypatch.setattr(nli, "native_bfloat16", lambda: False)  # a CPU without bfloat16 arithmetic
    auto = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")
    ref = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="torch")
    assert auto.backend == "onnx" and ref.backend == "torch"
    assert np.allclose(auto.score(PAIRS), ref.score(PAIRS), atol=1e-4)
    assert list((tmp_path / "cache" / "onnx").glob("*/model.onnx"))
    q = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", dtype="int8")
    assert q.backend == "onnx" and list((tmp_path / "cache" / "onnx").glob("*/model.int8.onnx"))


def test_onnx_int8_quantises_the_export_once_and_stays_close_to_float32(tiny_models, tmp_path, monkeypatch):
    """backend onnx + dtype int8: the cached export is quantised per channel into model.int8.onnx (made once),
    and its scores stay near the float32 ones; float16 weights are refused with a one-line error."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    q = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="onnx", dtype="int8")
    ref = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="torch")
    assert q.backend == "onnx"
    (qfile,) = (tmp_path / "cache" / "onnx").glob("*/model.int8.onnx")
    import onnx

    ops = {node.op_type for node in onnx.load(str(qfile)).graph.node}
    assert "MatMulInteger" in ops and "DynamicQuantizeLinear" in ops  # int8 weight matmuls, not a float copy
    got, want = q.score(PAIRS), ref.score(PAIRS)
    assert got.shape == want.shape and np.allclose(got.sum(axis=1), 1.0, atol=1e-5)
    # The tiny model's weights are large and random, so its activations quantise coarsely, and how coarsely depends
    # on the CPU's int8 kernels (AVX2 without VNNI: up to 0.13 on one pair, 0.04 on average; less with VNNI). The
    # int8 scores must stay near float32 on average and on every pair, and keep every label that float32 gives by a
    # clear lead (a near tie may flip): a wrong scale or a broken graph fails these.
    diff = np.abs(got - want)
    assert diff.mean() < 0.06 and diff.max() < 0.2, diff
    top2 = np.sort(want, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 0.3
    assert clear.sum() >= 3 and (got.argmax(axis=1)[clear] == want.argmax(axis=1)[clear]).all()
    mtime = qfile.stat().st_mtime_ns
    NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="onnx", dtype="int8")
    assert qfile.stat().st_mtime_ns == mtime  # reused, not re-quantised
    with pytest.raises(ConfigError, match="backend onnx runs float32 or int8 on CPU"):
        NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="onnx", dtype="float16")


def test_auto_backend_falls_back_to_torch_when_the_export_fails(tiny_models, tmp_path, monkeypatch, capsys):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("STANCEKIT_CACHE", str(blocker))  # the export cannot be written
    monkeypatch.setattr(nli, "ONNX_MIN_PARAMETERS", 1000)
    monkeypatch.setattr(nli, "native_bfloat16", lambda: False)
    s = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")
    assert "ONNX Runtime unavailable" in capsys.readouterr().err
    assert s.backend == "torch" and s.score(PAIRS[:1]).shape == (1, 3)
    q = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", dtype="int8")  # int8 survives the fallback
    assert q.backend == "torch" and any("quantized" in type(m).__module__ for m in q.model.modules())
    with pytest.raises(ModelError, match="ONNX export failed"):
        NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="onnx")


def _linear_output_dtypes(scorer: NLIScorer) -> set:
    """The dtypes the model's Linear layers computed in during one `score` call."""
    seen: set = set()
    hooks = [m.register_forward_hook(lambda _m, _i, out: seen.add(out.dtype))
             for m in scorer.model.modules() if isinstance(m, torch.nn.Linear)]
    try:
        scorer.score(PAIRS)
    finally:
        for h in hooks:
            h.remove()
    return seen


def test_bfloat16_mixed_keeps_float32_weights_and_multiplies_in_bfloat16(tiny_models):
    """dtype bfloat16-mixed: the weights stay float32, the matrix products run in bfloat16 under autocast, and the
    probabilities stay near float32's (bfloat16 keeps 8 bits of mantissa)."""
    mixed = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", dtype="bfloat16-mixed")
    ref = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="torch")
    assert mixed.backend == "torch" and mixed.precision == "bfloat16-mixed" and ref.precision == "float32"
    assert next(mixed.model.parameters()).dtype == torch.float32
    assert _linear_output_dtypes(mixed) == {torch.bfloat16}
    assert _linear_output_dtypes(ref) == {torch.float32}
    got, want = mixed.score(PAIRS), ref.score(PAIRS)
    assert got.dtype == np.float32 and np.allclose(got.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(got - want).max() < 0.05
    with pytest.raises(ConfigError, match="bfloat16-mixed runs on PyTorch"):
        NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", dtype="bfloat16-mixed", backend="onnx")


def test_auto_runs_a_large_model_in_bfloat16_mixed_on_a_cpu_with_bfloat16_arithmetic(tiny_models, monkeypatch):
    """dtype auto + backend auto: a model past the size threshold runs in bfloat16 mixed precision on PyTorch when
    the CPU multiplies bfloat16 in hardware; a small model, a forced backend or float32 keep float32."""
    monkeypatch.setattr(nli, "ONNX_MIN_PARAMETERS", 1000)
    monkeypatch.setattr(nli, "native_bfloat16", lambda: True)
    auto = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")
    assert auto.backend == "torch" and auto.precision == "bfloat16-mixed"
    assert _linear_output_dtypes(auto) == {torch.bfloat16}
    assert NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", backend="torch").precision == "float32"
    assert NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", dtype="float32", backend="torch").autocast is None
    monkeypatch.setattr(nli, "ONNX_MIN_PARAMETERS", 10**12)
    assert NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu").precision == "float32"


def test_native_bfloat16_agrees_with_the_cpu_flags():
    """The probe says yes exactly when the kernel lists AVX-512 BF16 or AMX tiles for this CPU."""
    from pathlib import Path

    info = Path("/proc/cpuinfo")
    if not info.is_file():
        pytest.skip("no /proc/cpuinfo")
    flags = set()
    for line in info.read_text().splitlines():
        if line.startswith("flags"):
            flags |= set(line.split(":", 1)[1].split())
    assert nli.native_bfloat16() == bool({"avx512_bf16", "amx_tile"} & flags)
