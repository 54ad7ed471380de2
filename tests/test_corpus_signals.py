"""label-corpus --workers N: no worker (or resource tracker) outlives a killed parent."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER_VAR = "STANCEKIT_TEST_MARKER"

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds processes through /proc")


def marked_pids(marker: str) -> set[int]:
    """Live (non-zombie) processes whose environment carries the marker: the run and every child."""
    needle = f"{MARKER_VAR}={marker}".encode()
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and needle in env.split(b"\0"):
            pids.add(int(entry))
    return pids


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_the_parent_is_killed(tiny_models, tmp_path, sig):
    corpus = tmp_path / "news.jsonl"
    text = "Russia welcomed the plan. Trump presented the plan.\n\nGermany is against the plan, said France."
    corpus.write_text("".join(json.dumps({"id": i, "text": text}) + "\n" for i in range(20000)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    marker = uuid.uuid4().hex
    cmd = [sys.executable, "-m", "stancekit", "label-corpus", str(corpus), "-o", str(out),
           "--model", str(tiny_models["nli3"]), "--target", "the plan", "--workers", "2", "--threads", "1",
           "--docs-per-batch", "1", "--no-progress"]
    for actor in ("Russia", "Trump", "Germany", "France"):
        cmd += ["--actor", actor]
    err = open(tmp_path / "stderr.txt", "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, MARKER_VAR: marker},
                            stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 90
        while not (out.exists() and out.stat().st_size > 0):  # workers are loaded and labelling
            assert proc.poll() is None, (tmp_path / "stderr.txt").read_text()
            assert time.monotonic() < deadline, "workers never started labelling"
            time.sleep(0.2)
        children = marked_pids(marker) - {proc.pid}
        assert len(children) >= 2, children  # two workers (+ the resource tracker)
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        if sig == signal.SIGTERM:
            assert proc.returncode == 143
            assert (tmp_path / "stderr.txt").read_text().strip().splitlines()[-1] == "stancekit: terminated"
        deadline = time.monotonic() + 10
        while (left := marked_pids(marker)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"processes outlived the parent: {sorted(left)}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in marked_pids(marker):  # never leak what this test started, even when it fails
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        err.close()
