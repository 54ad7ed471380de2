"""What machine a measurement ran on: the CPU's model name and the cores this process may use. Benchmarks,
demos and model cards record these next to every timing, so the same numbers are read the same way."""
from __future__ import annotations

import os
from pathlib import Path


def cpu_name() -> str | None:
    """The CPU's model name from /proc/cpuinfo ("AMD EPYC 7763 64-Core Processor"), or None where there is none."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cache_root() -> Path:
    """Where stancekit keeps what it makes once per machine (ONNX exports, patched models, joined base models):
    ``$STANCEKIT_CACHE``, else ``~/.cache/stancekit``."""
    return Path(os.environ.get("STANCEKIT_CACHE") or Path.home() / ".cache" / "stancekit").expanduser()
