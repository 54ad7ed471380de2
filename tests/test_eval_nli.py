"""scripts/eval_nli.py end to end on a six-pair NLI file with a tiny real NLI model (fp32 and int8)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [
    ("A man is playing a guitar.", "A man plays music.", "entailment"),
    ("A man is playing a guitar.", "A woman is asleep.", "contradiction"),
    ("A man is playing a guitar.", "The man is famous.", "neutral"),
    ("Two dogs run on the beach.", "Animals are outside.", "entailment"),
    ("Two dogs run on the beach.", "The dogs are sleeping indoors.", "contradiction"),
    ("Two dogs run on the beach.", "The dogs belong to a child.", "neutral"),
]


def _script():
    spec = importlib.util.spec_from_file_location("eval_nli", ROOT / "scripts" / "eval_nli.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("dtype", ["auto", "int8"])
def test_eval_nli_scores_a_set_and_writes_json_and_markdown(tiny_models, tmp_path, dtype, capsys):
    data = tmp_path / "data"
    (data / "mnli").mkdir(parents=True)
    rows = [{"premise": p, "hypothesis": h, "label": y} for p, h, y in PAIRS] + [{"premise": "x", "hypothesis": "y", "label": "-"}]
    (data / "mnli" / "dev_mismatched.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "out"
    rc = _script().main(["--model", str(tiny_models["nli3"]), "--data", str(data), "--sets", "mnli-dev-mismatched",
                         "--dtype", dtype, "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    res = json.loads((out / "nli.json").read_text())
    r = res["results"]["mnli-dev-mismatched"]
    assert r["n"] == 6  # the unlabelled "-" row is skipped
    # The tiny model (seeded random weights) gets exactly one of the six pairs right, fp32 and int8 alike;
    # the fp32 value is also recomputed here from the scorer's own argmax.
    assert r["accuracy"] == pytest.approx(1 / 6, abs=1e-12)
    assert r["ci_low"] <= r["accuracy"] <= r["ci_high"]
    if dtype == "auto":
        from stancekit.nli import COLUMNS, NLIScorer

        probs = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu").score([(p, h) for p, h, _ in PAIRS])
        hits = sum(COLUMNS[int(row.argmax())] == y for row, (_, _, y) in zip(probs, PAIRS))
        assert hits / len(PAIRS) == pytest.approx(r["accuracy"], abs=1e-12)
    assert res["dtype"] == dtype
    assert f"dtype {dtype}" in (out / "nli.md").read_text()


def test_eval_nli_refuses_a_missing_model_with_one_line(tmp_path, capsys):
    rc = _script().main(["--model", str(tmp_path / "nope"), "--data", str(tmp_path), "-o", str(tmp_path / "o")])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("eval_nli: error:")
