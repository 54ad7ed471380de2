"""Peak memory and speed of aggregating a large labels file (not a test: it writes ~0.5 GB and takes a minute).

    nice -n 19 python scripts/benchmark_aggregate.py --records 1000000 -o results/benchmark_aggregate.json

Generates a labels JSONL shaped like ``label-corpus`` output (every record key, 4-decimal scores, an
evidence sentence, date / source / title / target / model; ``--records-per-doc`` records per document
over ``--actors`` actors, ten years of dates, ``--sources`` outlets), then runs, each in a fresh child
process so that its peak RSS is its own:

- ``aggregate``: `stancekit.aggregate(path, by=("actor", "month"))`;
- ``report``: `stancekit.report.build_report` without plots (three groupings with evidence in one pass,
  the change lists, CSV, Parquet and HTML): what ``stancekit report --no-plots`` does;
- ``baseline``: a child that only imports pandas and stancekit.aggregation (the fixed part of the RSS).

Prints a table and writes JSON (records, file size, seconds, records/s, peak RSS in MB).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = {
    "baseline": "import pandas, stancekit.aggregation",
    "aggregate": "import stancekit; df = stancekit.aggregate(PATH, by=('actor', 'month')); print(len(df))",
    "report": "from stancekit.report import build_report; r = build_report(PATH, OUT, plots=False, warn=lambda s: None); "
              "print(r.summary.info['documents'])",
}
SENTENCES = [
    "{a} said on Tuesday that the agreement would not survive another round of talks in the capital.",
    "Officials close to {a} welcomed the plan, calling it the best chance in a decade to end the dispute.",
    "{a} has repeatedly rejected the proposal, arguing that it rewards the other side for breaking its promises.",
    "In a statement released late on Friday, {a} neither endorsed nor criticised the framework.",
]


def generate(path: Path, n_records: int, per_doc: int, n_actors: int, n_sources: int, seed: int = 0) -> int:
    rnd = random.Random(seed)
    actors = [f"Actor {i:02d}" for i in range(n_actors)]
    sources = [f"outlet-{i}" for i in range(n_sources)]
    written = doc = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < n_records:
            date = f"{2010 + rnd.randrange(10)}-{1 + rnd.randrange(12):02d}-{1 + rnd.randrange(28):02d}"
            source = rnd.choice(sources)
            title = f"Story number {doc} about the negotiations"
            doc_actors = rnd.sample(actors, k=min(3, n_actors))
            lines = []
            for p in range(min(per_doc, n_records - written)):
                a = doc_actors[p % len(doc_actors)]
                st = rnd.choice(("support", "oppose", "neutral"))
                se = rnd.choice(("positive", "negative", "neutral"))
                x, y = rnd.random(), rnd.random()
                scores = {"support": round(x * (1 - y), 4), "oppose": round((1 - x) * (1 - y), 4), "neutral": round(y, 4)}
                sscores = {"positive": round(y * (1 - x), 4), "negative": round((1 - y) * (1 - x), 4), "neutral": round(x, 4)}
                rec = {"paragraph": p, "actor": a, "mentions": [a], "stance": st, "stance_scores": scores,
                       "sentiment": se, "sentiment_scores": sscores, "evidence": rnd.choice(SENTENCES).format(a=a),
                       "windows": 1, "split_windows": False, "target": "the agreement", "target_phrase": "the agreement",
                       "attribution": "sentence", "doc_id": f"doc-{doc:07d}", "date": date, "source": source,
                       "title": title, "model": "bundled: nli-minilm"}
                lines.append(json.dumps(rec, ensure_ascii=False))
            fh.write("\n".join(lines) + "\n")
            written += len(lines)
            doc += 1
    return written


def run_child(code: str, path: Path, out: Path) -> dict:
    src = f"PATH = {str(path)!r}; OUT = {str(out)!r}\n{code}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", src], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stdout, stderr = proc.stdout.read().decode(), proc.stderr.read().decode()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{stderr[-2000:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "output": stdout.strip()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--records-per-doc", type=int, default=6)
    ap.add_argument("--actors", type=int, default=12)
    ap.add_argument("--sources", type=int, default=5)
    ap.add_argument("--labels", type=Path, help="use (or create) this labels file instead of a temporary one")
    ap.add_argument("-o", "--output", type=Path, help="write the results as JSON here")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="stancekit-bench-")
    path = args.labels or Path(tmp.name) / "labels.jsonl"
    t0 = time.perf_counter()
    if not path.exists():
        n = generate(path, args.records, args.records_per_doc, args.actors, args.sources)
        print(f"generated {n} records in {time.perf_counter() - t0:.1f}s: {path}", file=sys.stderr)
    n = sum(1 for _ in open(path, "rb"))
    size_mb = path.stat().st_size / 2**20
    results = {"records": n, "file_mb": round(size_mb, 1), "python": platform.python_version(),
               "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}"}
    for name, code in CHILD.items():
        r = run_child(code, path, Path(tmp.name) / "report")
        if name != "baseline":
            r["records_per_s"] = round(n / r["seconds"])
        results[name] = r
    print(f"{n} records, {size_mb:.0f} MB JSONL ({results['machine']})")
    print(f"{'run':<10} {'seconds':>8} {'records/s':>10} {'peak RSS MB':>12}")
    for name in CHILD:
        r = results[name]
        print(f"{name:<10} {r['seconds']:>8.1f} {r.get('records_per_s', ''):>10} {r['peak_rss_mb']:>12.1f}")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
