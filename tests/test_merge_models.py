"""scripts/merge_models.py: weight interpolation of two checkpoints, on tiny models built on the fly."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from safetensors.torch import load_file

from stancekit.nli import NLIScorer

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "merge_models.py"
spec = importlib.util.spec_from_file_location("merge_models", SCRIPT)
mm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mm)


def _weights(folder: Path) -> dict:
    out: dict = {}
    for f in sorted(folder.glob("*.safetensors")):
        out.update(load_file(str(f)))
    return out


def test_merged_weights_interpolate_and_the_folder_loads(tiny_models, tmp_path, capsys):
    a, b = tiny_models["nli2"], tiny_models["sentiment"]  # same architecture, different weights
    out = tmp_path / "merged"
    assert mm.main([str(a), str(b), "--t", "0.25", "-o", str(out)]) == 0
    assert "merged" in capsys.readouterr().out
    wa, wb, wm = _weights(a), _weights(b), _weights(out)
    assert set(wm) == set(wa)
    for k in wa:
        assert wm[k].dtype == wa[k].dtype
        if wa[k].is_floating_point():
            want = 0.75 * wa[k].float() + 0.25 * wb[k].float()
            assert (wm[k].float() - want).abs().max() < 1e-5, k
    assert any((wa[k].float() - wb[k].float()).abs().max() > 1e-3 for k in wa if wa[k].is_floating_point())
    scorer = NLIScorer.from_pretrained(out, device="cpu", backend="torch")  # A's config: an NLI model
    assert scorer.score([("Norway signed the plan.", "Norway supports the plan.")]).shape == (1, 3)
    assert mm.main([str(a), str(b), "--t", "0", "-o", str(tmp_path / "zero")]) == 0
    assert all((_weights(tmp_path / "zero")[k] == wa[k]).all() for k in wa)


@pytest.mark.parametrize("args, message", [
    (lambda m, t: [str(m["nli3"]), str(m["nli2"]), "-o", str(t / "x")], "do not have the same tensors"),
    (lambda m, t: [str(m["nli2"]), str(m["sentiment"]), "--t", "1.5", "-o", str(t / "x")], "--t must be in [0, 1]"),
    (lambda m, t: [str(t / "nowhere"), str(m["nli2"]), "-o", str(t / "x")], "not a model folder"),
])
def test_bad_merges_are_one_line_and_exit_2(tiny_models, tmp_path, capsys, args, message):
    assert mm.main(args(tiny_models, tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.startswith("merge_models.py: error:") and message in err and err.count("\n") == 1
