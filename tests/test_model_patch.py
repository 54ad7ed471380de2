"""A model stored as a patch over another's weights (stancekit.model_patch, scripts/ship_model.py --patch):
real tiny BERT models, real safetensors files, real loading through NLIScorer and the fine-tuning base resolver."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from stancekit import model_patch
from stancekit.errors import ModelError

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [("Russia rejected the plan.", "Russia supports the plan."),
         ("Germany welcomed the deal.", "Germany opposes the deal."),
         ("The president said the talks will go on.", "The president supports the talks.")]


def _continued(base: Path, out: Path, fp16: bool = True) -> Path:
    """``base`` 'fine-tuned': every weight but the word embeddings moved a little; saved like a run's model."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    m = AutoModelForSequenceClassification.from_pretrained(base, dtype=torch.float32)
    torch.manual_seed(7)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "word_embeddings" not in name:
                p.add_(0.05 * torch.randn_like(p))
    if fp16:
        m = m.half()
    m.save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    return out


@pytest.fixture
def patched(tiny_models, tmp_path, monkeypatch):
    """(folder with base weights + patch, the continued model's own folder)."""
    import torch
    from transformers import AutoModelForSequenceClassification

    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    base = tmp_path / "bundled"
    m = AutoModelForSequenceClassification.from_pretrained(tiny_models["nli3"], dtype=torch.float32).half()
    m.save_pretrained(base)
    for f in tiny_models["nli3"].iterdir():
        if not f.name.endswith(".safetensors") and f.name != "config.json":
            shutil.copy2(f, base / f.name)
    new = _continued(base, tmp_path / "run-model")
    meta = model_patch.make_patch(base, model_patch.read_weights(new), base)
    shutil.copy2(new / "config.json", base / "config.json")
    return base, new, meta


def _scores(folder):
    from stancekit.nli import NLIScorer

    s = NLIScorer.from_pretrained(folder, device="cpu", dtype="float32")
    return s.score(PAIRS)


def test_patch_skips_unmoved_tensors_and_quantizes_matrices(patched):
    from safetensors.torch import load_file

    base, new, meta = patched
    tensors = load_file(str(base / model_patch.PATCH_WEIGHTS))
    assert not any("word_embeddings" in k for k in tensors)
    assert meta["unchanged_tensors"] >= 1
    mats = [k for k in tensors if k.endswith(model_patch._SCALE)]
    assert mats and all(str(tensors[k[: -len(model_patch._SCALE)]].dtype) == "torch.int8" for k in mats)
    assert json.loads((base / model_patch.PATCH_META).read_text())["base_weights"]


def test_patched_folder_loads_as_the_continued_model(patched):
    import numpy as np

    base, new, _ = patched
    got, want = _scores(base), _scores(new)
    # the base weights alone give other scores: the patch is what moved them, to within its int8 rounding
    shutil.move(str(base / model_patch.PATCH_META), str(base.parent / "meta.json"))
    plain = _scores(base)
    moved = float(np.abs(plain - want).max())
    assert moved > 2e-2
    assert float(np.abs(got - want).max()) < 0.1 * moved


def test_resolve_writes_the_cache_once(patched):
    base, _, _ = patched
    first = model_patch.resolve(base)
    assert first != base and (first / "model.safetensors").is_file()
    mtime = (first / "model.safetensors").stat().st_mtime_ns
    assert model_patch.resolve(base) == first
    assert (first / "model.safetensors").stat().st_mtime_ns == mtime
    # an edited config.json gets a copy of its own, never the stale one
    conf = json.loads((base / "config.json").read_text())
    conf["stancekit_mark_mentions"] = True
    (base / "config.json").write_text(json.dumps(conf))
    second = model_patch.resolve(base)
    assert second != first and json.loads((second / "config.json").read_text())["stancekit_mark_mentions"] is True
    plain = base.parent / "plain"
    plain.mkdir()
    assert model_patch.resolve(plain) == plain


def test_replaced_base_weights_are_refused(patched, tmp_path, monkeypatch):
    base, new, _ = patched
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache2"))
    shutil.copy2(new / "model.safetensors", base / "model.safetensors")
    with pytest.raises(ModelError, match="base weights do not match"):
        model_patch.resolve(base)


def test_corrupt_patch_is_one_line_error(patched, tmp_path, monkeypatch):
    from stancekit.nli import NLIScorer

    base, _, _ = patched
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache3"))
    data = bytearray((base / model_patch.PATCH_WEIGHTS).read_bytes())
    data[-10:] = b"\x00" * 10
    (base / model_patch.PATCH_WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt file") as err:
        NLIScorer.from_pretrained(base, device="cpu")
    assert "\n" not in str(err.value)
    (base / model_patch.PATCH_META).write_text("{not json")
    with pytest.raises(ModelError, match="cannot read patch.json"):
        model_patch.resolve(base)


def test_unwritable_cache_is_a_clear_error(patched, tmp_path, monkeypatch):
    base, _, _ = patched
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("STANCEKIT_CACHE", str(blocker / "sub"))
    with pytest.raises(ModelError, match="set STANCEKIT_CACHE"):
        model_patch.resolve(base)


def test_other_architecture_is_refused(tiny_models, tmp_path):
    with pytest.raises(ModelError, match="not the same architecture"):
        model_patch.make_patch(tiny_models["nli3"], model_patch.read_weights(tiny_models["nli2"]) | {"extra": None},
                               tmp_path / "p")


def test_finetune_base_resolves_to_the_patched_copy(patched):
    from stancekit.finetune.train import resolve_base

    base, _, _ = patched
    got = Path(resolve_base(str(base)))
    assert got.parent.name == "patched" and (got / "model.safetensors").is_file()


def test_ship_model_patch_end_to_end(tiny_models, tmp_path, monkeypatch, capsys):
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification

    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    dest = tmp_path / "models" / "nli-tiny"
    AutoModelForSequenceClassification.from_pretrained(tiny_models["nli3"], dtype=torch.float32).half().save_pretrained(dest)
    shutil.copy2(tiny_models["nli3"] / "tokenizer.json", dest / "tokenizer.json")
    run = tmp_path / "run"
    _continued(dest, run / "model", fp16=False)
    (run / "README.md").write_text("# card\n")
    (run / "metrics.json").write_text("{}\n")
    spec = importlib.util.spec_from_file_location("ship_model", ROOT / "scripts" / "ship_model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main([str(run), "--dest", str(dest), "--patch"]) == 0
    out = capsys.readouterr().out
    assert "patch:" in out and "patch.safetensors" in out
    assert (dest / "README.md").read_text() == "# card\n"
    diff = float(out.split("largest logit difference to the run's model ")[1].split()[0])
    assert 0 < diff < 0.1
    got, want = _scores(dest), _scores(run / "model")
    assert np.allclose(got, want, atol=2e-2)
    # a second patch replaces the first, still over the same base weights
    assert mod.main([str(run), "--dest", str(dest), "--patch"]) == 0
    assert sorted(p.name for p in dest.glob("*.safetensors")) == ["model.safetensors", "patch.safetensors"]
