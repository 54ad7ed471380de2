"""scripts/compare_systems.py and metrics.paired_bootstrap_diff: paired intervals of a difference, on small
prediction files written here."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from stancekit.evaluation import metrics

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_systems.py"
spec = importlib.util.spec_from_file_location("compare_systems", SCRIPT)
cs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cs)


def _write(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def _eval_rows(preds: list[str], gold: list[str]) -> list[dict]:
    return [{"id": f"i{k}", "system": "stancekit", "gold_stance": g, "stance": p, "gold_sentiment": "neutral",
             "sentiment": "neutral"} for k, (g, p) in enumerate(zip(gold, preds))]


def test_paired_interval_excludes_0_where_the_separate_intervals_overlap():
    gold = ["support", "oppose", "neutral"] * 40
    flip = lambda lab: "neutral" if lab != "neutral" else "support"  # noqa: E731
    a = [flip(g) if i < 6 else g for i, g in enumerate(gold)]  # A errs on 6 items
    b = [flip(g) if i < 6 or i % 11 == 7 else g for i, g in enumerate(gold)]  # B on the same 6 and 11 more
    diff = metrics.paired_bootstrap_diff(metrics.accuracy, gold, a, b, n=300, seed=0)
    sep_a, sep_b = metrics.bootstrap_ci(metrics.accuracy, gold, a, n=300), metrics.bootstrap_ci(metrics.accuracy, gold, b, n=300)
    assert diff.value == pytest.approx(11 / 120) and diff.low > 0
    assert sep_b.high > sep_a.low  # the separate intervals overlap; the paired one excludes 0
    same = metrics.paired_bootstrap_diff(metrics.accuracy, gold, a, a, n=50)
    assert (same.value, same.low, same.high) == (0.0, 0.0, 0.0)


def test_script_pairs_items_by_id_and_writes_its_tables(tmp_path, capsys):
    gold = ["support", "oppose", "neutral", "support"] * 10
    worse = ["neutral" if i % 3 == 0 else g for i, g in enumerate(gold)]
    a = _write(tmp_path / "a", _eval_rows(gold, gold)[::-1])  # order does not matter: items pair by id
    b = _write(tmp_path / "b", _eval_rows(worse, gold))
    assert cs.main([str(a), str(b), "--bootstrap", "200", "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "| stance | macro-F1 | 40 | 1.000 |" in out
    rows = json.loads((tmp_path / "out" / "compare.json").read_text())["rows"]
    stance = next(r for r in rows if r["set"] == "stance")
    assert stance["separated"] and stance["low"] > 0
    assert next(r for r in rows if r["set"] == "sentiment")["separated"] is False


def test_benchmark_predictions_use_the_benchmarks_metric(tmp_path, capsys):
    gold = ["support", "oppose", "neutral"] * 10
    rows = lambda preds: [{"benchmark": "vast", "framing": "author", "id": k, "gold": g, "pred": p}  # noqa: E731
                          for k, (g, p) in enumerate(zip(gold, preds))]
    a, b = _write(tmp_path / "a", rows(gold)), _write(tmp_path / "b", rows(["neutral"] * 30))
    assert cs.main([str(a), str(b), "--bootstrap", "100"]) == 0
    assert "| vast (author) | macro-F1" in capsys.readouterr().out




def test_per_target_benchmarks_are_compared_with_their_per_target_mean(tmp_path, capsys):
    # P-Stance's metric is a mean over targets: target "a" all right for A, target "b" small and all wrong
    gold = ["support", "oppose"] * 10 + ["support", "oppose"]
    groups = ["a"] * 20 + ["b"] * 2
    rows = lambda preds, group=True: [  # noqa: E731
        {"benchmark": "pstance", "framing": "quoted", "id": k, "gold": g, "pred": p, **({"group": t} if group else {})}
        for k, (g, p, t) in enumerate(zip(gold, preds, groups))]
    a_preds = gold[:20] + ["oppose", "support"]
    a, b = _write(tmp_path / "a", rows(a_preds)), _write(tmp_path / "b", rows(["support"] * 22))
    assert cs.main([str(a), str(b), "--bootstrap", "100", "-o", str(tmp_path / "out")]) == 0
    row = json.loads((tmp_path / "out" / "compare.json").read_text())["rows"][0]
    assert "per-target mean" in row["metric"] and row["a"] == pytest.approx(0.5)  # (1.0 + 0.0) / 2, not 20/22
    # predictions written without targets cannot give a per-target mean: the set is left out, not misreported
    old = _write(tmp_path / "old", rows(a_preds, group=False))
    assert cs.compare(cs._read(old), cs._read(b)) == []
@pytest.mark.parametrize("content, message", [
    (None, "no predictions.jsonl"),
    ("", "no predictions"),
    ("{not json\n", "not JSON"),
    ('{"x": 1}\n', "unknown prediction line"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    bad = tmp_path / "bad"
    bad.mkdir()
    if content is not None:
        (bad / "predictions.jsonl").write_text(content, encoding="utf-8")
    good = _write(tmp_path / "good", _eval_rows(["support"], ["support"]))
    assert cs.main([str(bad), str(good)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("compare_systems.py: error:") and message in err and err.count("\n") == 1


def test_different_gold_labels_are_refused(tmp_path, capsys):
    a = _write(tmp_path / "a", _eval_rows(["support"], ["support"]))
    b = _write(tmp_path / "b", _eval_rows(["support"], ["oppose"]))
    assert cs.main([str(a), str(b)]) == 2
    assert "disagree on gold labels" in capsys.readouterr().err
