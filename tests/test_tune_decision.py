"""scripts/tune_decision.py end to end on the article's contrast split with a tiny real NLI model."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from stancekit import decide
from stancekit.config import load_config
from stancekit.evaluation import metrics

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("tune_decision", ROOT / "scripts" / "tune_decision.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sweep_scores_every_grid_point_with_the_decision_rule():
    mod = _script()
    golds = ["support", "oppose", "neutral"]
    scores = [{"support": 0.7, "oppose": 0.2, "neutral": 0.1}, {"support": 0.45, "oppose": 0.5, "neutral": 0.05},
              {"support": 0.3, "oppose": 0.3, "neutral": 0.4}]
    curve = mod.sweep(golds, scores, ("support", "oppose", "neutral"))
    assert set(curve) == set(mod.GRID)
    # at margin 0 / gap 0 all three are right; a huge gap turns the close call into neutral
    assert curve[(0.0, 0.0, 0.0)] == 1.0
    preds = [decide.decide(s, 0.0, min_polar_gap=0.1) for s in scores]
    assert preds[1] == "neutral"
    assert curve[(0.0, 0.1, 0.0)] == metrics.macro_f1(golds, preds, ("support", "oppose", "neutral")) < 1.0
    # a bias toward support turns the close oppose call into support: one error
    assert decide.decide(decide.apply_bias(scores[1], 0.1), 0.0) == "support"
    assert curve[(0.0, 0.0, 0.1)] < 1.0


def test_tune_writes_a_loadable_label_config_with_the_chosen_thresholds(tiny_models, tmp_path, capsys):
    out = tmp_path / "tune"
    rc = _script().main(["--model", str(tiny_models["nli3"]), "--vast", "0", "--newsmtsc", "0",
                         "--data", str(tmp_path / "no-data"), "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    best = json.loads((out / "tune.json").read_text())["best"]
    cfg = load_config(out / "label-config.yaml")
    d = cfg.decision
    assert (d.neutral_margin, d.min_polar_gap, d.stance_bias) == tuple(best["stance"])
    assert (d.sentiment_neutral_margin, d.sentiment_min_polar_gap, d.sentiment_bias,
            d.sentiment_aligned_margin) == tuple(best["sentiment"])
    # everything but the four thresholds is the packaged default, comments included
    default = (ROOT / "configs" / "default.yaml").read_text().splitlines()
    written = (out / "label-config.yaml").read_text().splitlines()
    assert len(default) == len(written)
    changed = [a for a, b in zip(default, written) if a != b]
    assert all(line.strip().split(":")[0] in {"neutral_margin", "min_polar_gap", "sentiment_neutral_margin",
                                                "sentiment_min_polar_gap", "stance_bias", "sentiment_bias",
                                                "sentiment_aligned_margin"} for line in changed)
    md = (out / "tune.md").read_text()
    assert "chosen stance" in md and "chosen sentiment" in md and "the aligned margin at" in md


def test_sweep_sentiment_moves_only_sentiments_that_repeat_the_stance():
    mod = _script()
    golds = ["neutral", "negative", "positive"]
    scores = [{"positive": 0.05, "negative": 0.75, "neutral": 0.20},  # an opposing actor read as negative
              {"positive": 0.05, "negative": 0.75, "neutral": 0.20},  # a supporting actor that is criticised
              {"positive": 0.80, "negative": 0.05, "neutral": 0.15}]  # no stance: praised
    curve = mod.sweep_sentiment(golds, scores, ["oppose", "support", None])
    assert set(curve) == set(mod.SENT_GRID)
    assert curve[(0.4, 0.0, 0.0, None)] < 1.0  # off: the opposing actor is called negative
    assert curve[(0.4, 0.0, 0.0, 0.6)] == 1.0  # 0.75 - 0.20 does not clear 0.6: neutral; the other two are kept
    assert curve[(0.4, 0.0, 0.0, 0.5)] < 1.0  # 0.55 clears 0.5
    for a in (None, 0.6):  # each setting is the library's own rule
        preds = [decide.decide_sentiment(s, 0.4, 0.0, st, a) for s, st in zip(scores, ["oppose", "support", None])]
        assert curve[(0.4, 0.0, 0.0, a)] == metrics.macro_f1(golds, preds, ("positive", "negative", "neutral"))
    no_stance = mod.sweep_sentiment(golds, scores)  # a set without stances: the aligned margin changes nothing
    assert no_stance[(0.4, 0.0, 0.0, 0.6)] == no_stance[(0.4, 0.0, 0.0, None)] == mod.sweep(
        golds, scores, ("positive", "negative", "neutral"))[(0.4, 0.0, 0.0)]


def test_tuned_scores_are_what_evaluate_gives_with_the_written_config(tiny_models, tmp_path, capsys):
    """The sweep starts from unbiased scores: with a config that has biases of its own, the chosen setting must
    score in the written config exactly as it scored in the sweep (not with the config's bias counted twice)."""
    from stancekit import StanceClassifier
    from stancekit.evaluation.evalset import load_items
    from stancekit.evaluation.run import predict_stancekit

    text = (ROOT / "configs" / "default.yaml").read_text()
    text = re.sub(r"(?m)^(\s+)stance_bias:.*$", r"\g<1>stance_bias: 0.2", text)
    text = re.sub(r"(?m)^(\s+)sentiment_bias:.*$", r"\g<1>sentiment_bias: -0.2", text)
    biased = tmp_path / "biased.yaml"
    biased.write_text(text)
    assert load_config(biased).decision.stance_bias == 0.2
    out = tmp_path / "tune"
    model = str(tiny_models["nli3"])
    rc = _script().main(["--model", model, "--config", str(biased), "--no-news", "--vast", "0", "--newsmtsc", "0",
                         "--data", str(tmp_path / "no-data"), "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    tuned = json.loads((out / "tune.json").read_text())
    items = load_items("article", "contrast")
    preds = predict_stancekit(items, StanceClassifier.from_pretrained(model, out / "label-config.yaml"))
    for task, labels in (("stance", ("support", "oppose", "neutral")), ("sentiment", ("positive", "negative", "neutral"))):
        key = "/".join(str(v) for v in tuned["best"][task])
        got = metrics.macro_f1([it[task] for it in items], [getattr(p, task) for p in preds], labels)
        assert got == pytest.approx(tuned["curves"][f"contrast/{task}"][key])


def test_smoothed_scores_an_aligned_margin_with_its_neighbours():
    mod = _script()
    mean = {(0.4, 0.0, 0.0, None): 0.5, (0.4, 0.0, 0.0, 0.6): 0.70, (0.4, 0.0, 0.0, 0.65): 0.71,
            (0.4, 0.0, 0.0, 0.7): 0.72, (0.4, 0.0, 0.0, 0.75): 0.40}
    sm = mod.smoothed(mean)
    assert sm[(0.4, 0.0, 0.0, None)] == 0.5
    assert sm[(0.4, 0.0, 0.0, 0.6)] == pytest.approx((0.70 + 0.71) / 2)  # one neighbour on the grid
    assert sm[(0.4, 0.0, 0.0, 0.65)] == pytest.approx((0.70 + 0.71 + 0.72) / 3)
    assert max(sm, key=sm.get) == (0.4, 0.0, 0.0, 0.65)  # the raw best, 0.70, sits at the cliff's edge


def test_keep_sentiment_chooses_only_the_aligned_margin(tiny_models, tmp_path, capsys):
    out = tmp_path / "tune"
    rc = _script().main(["--model", str(tiny_models["nli3"]), "--vast", "0", "--newsmtsc", "0", "--no-news",
                         "--keep-sentiment", "--data", str(tmp_path / "no-data"), "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    d, default = load_config(out / "label-config.yaml").decision, load_config().decision
    assert (d.sentiment_neutral_margin, d.sentiment_min_polar_gap, d.sentiment_bias) == (
        default.sentiment_neutral_margin, default.sentiment_min_polar_gap, default.sentiment_bias)
    best = json.loads((out / "tune.json").read_text())["best"]["sentiment"]
    assert best[:3] == [default.sentiment_margin(), default.sentiment_gap(), default.sentiment_bias]
    assert "kept from the config" in (out / "tune.md").read_text()
