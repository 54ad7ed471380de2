#!/usr/bin/env python3
"""Is system A better than system B on the same items? Paired bootstrap intervals of the difference.

Reads two results folders (or their predictions.jsonl) written by `stancekit evaluate` / `scripts/evaluate.py`
(one line per item: id, gold_stance, stance, gold_sentiment, sentiment) or by `scripts/benchmark_quality.py`
(benchmark, framing, id, group, gold, pred), pairs the items by id, and prints, per set and task, each system's score
and the difference A - B with its 95% paired bootstrap interval (`stancekit.evaluation.metrics.paired_bootstrap_diff`):
both systems are scored on the same resampled items each round. "separated" means the interval excludes 0.
A benchmark scored as a mean over targets (P-Stance) is compared with that mean, from each item's ``group``;
predictions written without it are left out of the table for such a benchmark rather than scored another way.

    stancekit evaluate --set news --split dev --systems stancekit -o results/a-news-dev
    stancekit evaluate --set news --split dev --systems stancekit --model bundled:nli-minilm \\
        --config configs/minilm.yaml -o results/b-news-dev
    python scripts/compare_systems.py results/a-news-dev results/b-news-dev -o results/compare-news-dev

Writes OUT/compare.json and OUT/compare.md when ``-o`` is given.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from stancekit.errors import InputError  # noqa: E402
from stancekit.evaluation import metrics  # noqa: E402

STANCE = ("support", "oppose", "neutral")
SENTIMENT = ("positive", "negative", "neutral")


def _read(path: Path) -> list[dict[str, Any]]:
    file = path / "predictions.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise InputError(f"{path}: no predictions.jsonl (a results folder of stancekit evaluate or benchmark_quality.py)")
    rows = []
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{file}:{n}: not JSON ({exc.msg})") from None
    if not rows:
        raise InputError(f"{file}: no predictions")
    return rows


def _tasks(rows: list[dict[str, Any]], system: str | None) -> dict[str, dict[str, tuple[str, str]]]:
    """set/task name -> {item id: (gold, pred)}."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for r in rows:
        if "benchmark" in r:
            gp = (r["gold"], r["pred"])
            if r.get("group"):  # per-target benchmarks average over targets: each label keeps its target
                gp = ((r["group"], r["gold"]), (r["group"], r["pred"]))
            out.setdefault(f"{r['benchmark']} ({r.get('framing', '')})", {})[str(r["id"])] = gp
        elif "gold_stance" in r:
            if system is not None and r.get("system") != system:
                continue
            out.setdefault("stance", {})[str(r["id"])] = (r["gold_stance"], r["stance"])
            out.setdefault("sentiment", {})[str(r["id"])] = (r["gold_sentiment"], r["sentiment"])
        else:
            raise InputError(f"unknown prediction line (keys {', '.join(sorted(r))})")
    return out


def _metric(name: str, grouped: bool = False):
    if name == "stance":
        return "macro-F1", lambda g, p: metrics.macro_f1(g, p, list(STANCE))
    if name == "sentiment":
        return "macro-F1", lambda g, p: metrics.macro_f1(g, p, list(SENTIMENT))
    from stancekit.benchmarks import BENCHMARKS

    bench = BENCHMARKS.get(name.split(" (")[0])
    if bench is None or (bench.group_average and not grouped):
        return None, None  # a per-target mean needs the targets (``group``; older predictions do not carry them)
    fn = bench.metric_fn()
    if grouped and not bench.group_average:  # targets carried but not averaged over: the labels alone
        return bench.metric_name, lambda g, p: fn([x[1] for x in g], [x[1] for x in p])
    return bench.metric_name, fn


def compare(a_rows, b_rows, system: str | None = "stancekit", n: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    a, b = _tasks(a_rows, system), _tasks(b_rows, system)
    out = []
    for name in a:
        if name not in b:
            continue
        ids = sorted(set(a[name]) & set(b[name]))
        grouped = all(isinstance(a[name][i][0], tuple) and isinstance(b[name][i][0], tuple) for i in ids)
        label, fn = _metric(name, grouped)
        if not ids or fn is None:
            continue
        ga, gb = a[name], b[name]
        if not grouped:  # one side without targets: compare the labels alone
            ga, gb = ({i: tuple(x[1] if isinstance(x, tuple) else x for x in v) for i, v in d.items()}
                      for d in (ga, gb))
        gold = [ga[i][0] for i in ids]
        if any(gb[i][0] != g for i, g in zip(ids, gold)):
            raise InputError(f"{name}: the two files disagree on gold labels: not the same items")
        pa, pb = [ga[i][1] for i in ids], [gb[i][1] for i in ids]
        diff = metrics.paired_bootstrap_diff(fn, gold, pa, pb, n=n, seed=seed)
        out.append({"set": name, "metric": label, "items": len(ids), "a": fn(gold, pa), "b": fn(gold, pb),
                    "diff": diff.value, "low": diff.low, "high": diff.high,
                    "separated": diff.low > 0 or diff.high < 0})
    return out


def table(rows: list[dict[str, Any]], a: str, b: str) -> str:
    lines = [f"A = {a}", f"B = {b}", "",
             "| set | metric | items | A | B | A - B [95% paired CI] | separated |", "|---|---|---:|---:|---:|---|---|"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['metric']} | {r['items']} | {r['a']:.3f} | {r['b']:.3f} | "
                     f"{r['diff']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}] | {'yes' if r['separated'] else 'no'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="compare_systems.py", description=__doc__.splitlines()[0])
    ap.add_argument("a", help="results folder (or predictions.jsonl) of system A")
    ap.add_argument("b", help="results folder (or predictions.jsonl) of system B")
    ap.add_argument("--system", default="stancekit", help="system name inside evaluate's predictions (default stancekit)")
    ap.add_argument("--bootstrap", type=int, default=1000, help="resamples (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", default=None, help="folder for compare.json and compare.md")
    args = ap.parse_args(argv)
    try:
        rows = compare(_read(Path(args.a)), _read(Path(args.b)), args.system, args.bootstrap, args.seed)
    except InputError as exc:
        print(f"compare_systems.py: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if not rows:
        print("compare_systems.py: error: the two files share no scorable set", file=sys.stderr)
        return 2
    text = table(rows, args.a, args.b)
    print(text)
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        (out / "compare.json").write_text(json.dumps({"a": args.a, "b": args.b, "rows": rows}, indent=2) + "\n", encoding="utf-8")
        (out / "compare.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
