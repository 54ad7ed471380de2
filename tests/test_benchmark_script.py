"""scripts/benchmark.py runs end to end on a tiny model (no timing assertions), and the speed
options it measures (int8) work."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "benchmark.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("stancekit_benchmark_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_quick_run_writes_json_markdown_and_plot(bench, tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))  # the ablation's ONNX export
    out = tmp_path / "bench"
    # in-process (--no-subprocess) keeps the test fast; the subprocess path runs the same measure()
    rc = bench.main(["--quick", "--model", str(tiny_models["nli3"]), "--out", str(out), "--no-subprocess",
                     "--ablation", "--threads", "1"])
    assert rc == 0
    rep = json.loads((out / "benchmark.json").read_text())
    assert rep["machine"]["cores"] >= 1 and rep["machine"]["model"] == str(tiny_models["nli3"])
    assert rep["pipeline_batch_sweep"]["best"] in (1, 8)
    assert len(rep["grid"]) == 4
    for row in rep["grid"]:
        assert row["stancekit"]["pairs"] == row["pipeline"]["pairs"] == 2 * row["pipeline"]["decisions"]
        assert row["stancekit"]["decisions"] == row["pipeline"]["decisions"]
        # same model, same pairs, same rule: the pipeline and stancekit's zero-shot rule agree
        assert row["agreement"]["zero_shot_rule_agreement"] == 1.0
        assert row["agreement"]["max_abs_score_diff"] < 1e-4
    assert {s for s, f in rep["fit"].items() if f} >= {"stancekit", "pipeline"}
    assert len(rep["ablation"]["steps"]) >= 5
    md = (out / "benchmark.md").read_text()
    assert "AMD" in md or "cores" in md
    assert "| paragraphs | actors |" in md and "Ablation" in md
    assert (out / "benchmark.png").stat().st_size > 0


def test_pipeline_template_reproduces_stancekit_hypotheses(bench):
    template, labels = bench.pipeline_template("United States")
    assert template == "United States {} the plan." and labels == ["supports", "opposes"]
    text = bench.synthetic_article(7, 14)
    assert text.count("\n\n") == 6 and "Norland" in text and "Vestia" in text


def test_int8_dtype_quantises_linear_layers(tiny_models):
    import torch

    from stancekit.classifier import StanceClassifier
    from stancekit.config import load_config
    from stancekit.errors import ConfigError

    clf = StanceClassifier.from_pretrained(tiny_models["nli3"], SCRIPT.parent.parent / "configs" / "fast-int8.yaml")
    linear = clf.scorer.model.bert.encoder.layer[0].attention.self.query
    assert "quantized" in type(linear).__module__
    ref = StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")
    pairs = [("Russia welcomed the plan.", "Russia supports the plan."), ("Germany is against it.", "Germany opposes the plan.")]
    q, f = clf.scorer.score(pairs), ref.scorer.score(pairs)
    assert q.shape == f.shape and abs(q - f).max() < 0.2  # close, not identical
    assert load_config(None).with_overrides(dtype="int8").dtype == "int8"
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError):
            load_config(None).with_overrides(dtype="int4")


def test_onnx_backend_matches_torch(tiny_models, tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from stancekit.classifier import StanceClassifier

    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    onnx_clf = StanceClassifier.from_pretrained(tiny_models["nli3"], SCRIPT.parent.parent / "configs" / "fast-onnx.yaml")
    assert type(onnx_clf.scorer.model).__name__ == "OrtModel"
    assert list((tmp_path / "cache" / "onnx").glob("*/model.onnx"))  # cached for the next load
    ref = StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")
    pairs = [("Russia welcomed the plan.", "Russia supports the plan."), ("No.", "Germany opposes the plan.")]
    a, b = onnx_clf.scorer.score_full(pairs), ref.scorer.score_full(pairs)
    assert abs(a.entail_logits - b.entail_logits).max() < 1e-4
