#!/usr/bin/env python3
"""Zero-shot quality of an NLI model on external stance / actor-sentiment benchmarks, through stancekit's
own templates and decision rule (see stancekit/benchmarks.py and docs/benchmarks.md).

Examples:
  python scripts/benchmark_quality.py --benchmarks all --limit 50          # quick look, bundled model
  python scripts/benchmark_quality.py --model runs/stance-mix/model --benchmarks all --out results/benchmarks/stance-mix
  python scripts/benchmark_quality.py --framing both --benchmarks semeval,vast,covid   # pick the framing on dev

Writes OUT/results.json, OUT/results.md and OUT/predictions.jsonl; prints the table.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from stancekit import benchmarks as B  # noqa: E402
from stancekit.classifier import StanceClassifier  # noqa: E402
from stancekit.cli import quiet_libraries  # noqa: E402
from stancekit.errors import StancekitError  # noqa: E402


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def table_rows(results: list[dict]) -> list[list[str]]:
    rows = []
    for r in results:
        pub = "not found" if r["published_best"] is None else f"{r['published_best']:.1f} ({r['published_split']})"
        system = r["published_system"] + (f", {r['published_model_size']}" if r["published_model_size"] not in ("-", "") else "")
        rows.append([
            r["title"], r["split"], str(r["n"]), r["framing"], r["metric"],
            f"{_pct(r['value'])} [{_pct(r['ci_low'])}, {_pct(r['ci_high'])}]", pub, system,
        ])
    return rows


HEADER = ["benchmark", "split", "n", "framing", "metric", "ours [95% CI]", "published best", "published system, size"]


def render_text(rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADER)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(HEADER), line(["-" * w for w in widths])] + [line(r) for r in rows])


def render_markdown(rows: list[list[str]], meta: dict) -> str:
    out = [
        f"# Benchmark quality: {meta['model']}",
        "",
        f"Config: `{meta['config']}` · framing(s): {', '.join(meta['framings'])} · limit: {meta['limit']} "
        f"(seed {meta['seed']}) · {meta['n_pairs']} unique NLI pairs in {meta['seconds']:.0f} s on {meta['device']}",
        "",
        f"Metrics x100; 95% CI by item bootstrap ({meta['bootstrap']} resamples). Published bests are on the "
        "official test splits; ours are on the dev / val / trial splits available locally. "
        f"Decision rule of `label` (neutral_margin {meta['neutral_margin']}).",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    out += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    out.append("")
    notes = [f"- **{r['title']}**: {r['note']}" for r in meta["results"] if r["note"]]
    if notes:
        out += ["Notes:", ""] + list(dict.fromkeys(notes)) + [""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmark_quality.py", description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model folder or hub id (default: $STANCEKIT_MODEL, then the bundled model)")
    ap.add_argument("--config", default=None, help="label config YAML (default: the packaged default)")
    ap.add_argument("--benchmarks", default="all", help=f"'all' or a comma list of: newsmtsc, {', '.join(B.BENCHMARKS)}")
    ap.add_argument("--limit", type=int, default=None, help="random sample of N items per benchmark (fixed seed)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the --limit sample and the bootstrap")
    ap.add_argument("--framing", default=B.DEFAULT_FRAMING, choices=[*B.FRAMINGS, "both"],
                    help=f"speaker framing of stance premises (default {B.DEFAULT_FRAMING}; 'both' runs each)")
    ap.add_argument("--data-dir", default=None, help=f"benchmark data root (default ${B.DATA_ENV} or ../shared/data)")
    ap.add_argument("--out", default="results/benchmarks", help="output folder (results.json, results.md, predictions.jsonl)")
    ap.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CI (0: none)")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--device", default=None, help="auto | cpu | cuda[:N]")
    ap.add_argument("--dry-run", action="store_true", help="load data and count pairs; do not load the model")
    args = ap.parse_args(argv)
    quiet_libraries()
    try:
        names = B.select(args.benchmarks)
        root = Path(args.data_dir) if args.data_dir else B.default_data_root()
        data = {n: B.load(n, root, limit=args.limit, seed=args.seed) for n in names}
        framings = list(B.FRAMINGS) if args.framing == "both" else [args.framing]
        print(f"[benchmarks] {', '.join(f'{n}={len(v)}' for n, v in data.items())} items", file=sys.stderr)
        if args.dry_run:
            from stancekit.config import load_config

            cfg = load_config(args.config)
            index: dict = {}
            for n, items in data.items():
                for fr in (framings if B.BENCHMARKS[n].task == "stance" else [B.DEFAULT_FRAMING]):
                    B.build_jobs(items, cfg.templates, fr, index)
            print(f"[benchmarks] {len(index)} unique NLI pairs (dry run: model not loaded)")
            return 0
        clf = StanceClassifier.from_pretrained(args.model, args.config, device=args.device, batch_size=args.batch_size)
        scorer = clf.scorer

        def estimate(pairs: list[tuple[str, str]]) -> None:
            import random

            sample = random.Random(0).sample(pairs, min(64, len(pairs)))
            t0 = time.perf_counter()
            scorer.score(sample, progress=False)
            rate = len(sample) / max(time.perf_counter() - t0, 1e-6)
            print(f"[benchmarks] {len(pairs)} unique NLI pairs on {scorer.device}; ~{rate:.0f} pairs/s measured on a "
                  f"64-pair sample -> about {len(pairs) / rate / 60:.1f} min", file=sys.stderr, flush=True)

        t0 = time.perf_counter()
        results, preds, n_pairs = B.run_zero_shot(scorer, clf.config, data, framings, n_boot=args.bootstrap,
                                                  seed=args.seed, on_pairs=estimate)
        seconds = time.perf_counter() - t0
    except StancekitError as exc:
        print(f"benchmark_quality.py: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    meta = {
        "model": clf.model_name,
        "config": args.config or "default",
        "framings": framings,
        "limit": args.limit,
        "seed": args.seed,
        "bootstrap": args.bootstrap,
        "n_pairs": n_pairs,
        "seconds": seconds,
        "device": str(scorer.device),
        "neutral_margin": clf.config.decision.neutral_margin,
        "results": results,
    }
    rows = table_rows(results)
    print(render_text(rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(render_markdown(rows, meta), encoding="utf-8")
    with (out / "predictions.jsonl").open("w", encoding="utf-8") as fh:
        for p in preds:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"[benchmarks] {n_pairs} pairs in {seconds:.0f} s; wrote {out}/results.json, results.md, predictions.jsonl",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
