#!/usr/bin/env python3
"""Accuracy of an NLI model on held-out NLI evaluation sets (never used for training):
MNLI dev mismatched, SNLI test, ANLI test R1-R3 by default.

    python scripts/eval_nli.py [--model PATH] [--data ../shared/data] [--limit N] -o results/nli
    python scripts/eval_nli.py --dtype int8 -o results/nli-int8        # the speed options of configs/fast-*.yaml
    python scripts/eval_nli.py --backend onnx -o results/nli-onnx
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS = {
    "mnli-dev-mismatched": "mnli/dev_mismatched.jsonl",
    "snli-test": "snli/test.jsonl",
    "anli-r1": "anli/test_r1.jsonl",
    "anli-r2": "anli/test_r2.jsonl",
    "anli-r3": "anli/test_r3.jsonl",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--limit", type=int, default=None, help="first N pairs of each set (default: all)")
    ap.add_argument("--dtype", default="auto",
                    help="auto, float32, float16, bfloat16, bfloat16-mixed or int8 (as in the label config; auto is "
                         "float32 here, since --backend is always given)")
    ap.add_argument("--backend", default="torch", choices=("torch", "onnx"), help="as in the label config")
    ap.add_argument("-o", "--out", default="results/nli")
    args = ap.parse_args(argv)
    from stancekit.classifier import resolve_model
    from stancekit.errors import StancekitError
    from stancekit.evaluation.metrics import accuracy, bootstrap_ci
    from stancekit.nli import NLIScorer

    try:
        model = resolve_model(args.model)
        scorer = NLIScorer.from_pretrained(model, device="cpu", dtype=args.dtype, backend=args.backend)
    except StancekitError as exc:
        print(f"eval_nli: error: {exc}", file=sys.stderr)
        return 2
    names = ("entailment", "neutral", "contradiction")
    results = {}
    for name in args.sets.split(","):
        path = Path(args.data) / SETS[name]
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if r.get("label") in names][: args.limit]
        probs = scorer.score([(r["premise"], r["hypothesis"]) for r in rows], progress=True)
        if scorer.two_way:  # compare entailment vs the rest
            gold = ["entailment" if r["label"] == "entailment" else "other" for r in rows]
            pred = ["entailment" if p[0] >= 0.5 else "other" for p in probs]
        else:
            gold = [r["label"] for r in rows]
            pred = [names[int(i)] for i in probs.argmax(axis=1)]
        ci = bootstrap_ci(accuracy, gold, pred, n=1000, seed=0)
        results[name] = {"accuracy": ci.value, "ci_low": ci.low, "ci_high": ci.high, "n": len(rows)}
        print(f"{name:22s} accuracy {ci.value:.4f} [{ci.low:.4f}, {ci.high:.4f}]  n={len(rows)}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "nli.json").write_text(json.dumps({"model": model, "dtype": args.dtype, "backend": args.backend,
                                              "results": results}, indent=2))
    lines = ["| set | accuracy [95% CI] | pairs |", "|---|---|---|"]
    lines += [f"| {k} | {v['accuracy']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}] | {v['n']} |" for k, v in results.items()]
    (out / "nli.md").write_text(f"Model: `{model}` (dtype {args.dtype}, backend {args.backend})\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
