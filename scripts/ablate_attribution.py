#!/usr/bin/env python3
"""Which question to ask: sentence vs clause premises x literal vs linked target x the flip rule.

Runs stancekit (one loaded model; every (premise, hypothesis) pair is scored once across all variants) on the
unseen-news dev split and the article's contrast split, and prints stance and sentiment macro-F1 with bootstrap
95% intervals per variant, plus per-phenomenon stance accuracy on the news set. Dev data only: the news test
split is never read here.

    python scripts/ablate_attribution.py [--model PATH] [--config C] [-o results/attribution]

Writes OUT/ablation.md and OUT/ablation.json.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from stancekit.errors import StancekitError  # noqa: E402

VARIANTS = [
    {"premise": p, "target_linking": t, "flip_opposite": f}
    for p, t, f in itertools.product(("sentences", "clause"), (False, True), (False, True))
    if not (p == "sentences" and f)  # the flip rule needs the parse
]


def cached(clf):
    """Wrap ``clf.forward`` so a pair scored for one variant is not scored again for the next."""
    from stancekit.nli import Scores

    memo: dict[tuple[str, str], tuple[np.ndarray, float]] = {}
    forward = clf.forward

    def run(pairs, progress=None):
        todo = [p for p in dict.fromkeys(pairs) if p not in memo]
        if todo:
            s = forward(todo, progress=progress)
            for p, prob, logit in zip(todo, s.probs, s.entail_logits):
                memo[p] = (prob, float(logit))
        probs = np.array([memo[p][0] for p in pairs], dtype=np.float32).reshape(len(pairs), 3)
        logits = np.array([memo[p][1] for p in pairs], dtype=np.float32)
        return Scores(probs, logits, 0)

    clf.forward = run
    return clf


def name_of(v: dict) -> str:
    return f"{v['premise']:9s} {'linked ' if v['target_linking'] else 'literal'} {'flip' if v['flip_opposite'] else '-'}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--config")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("-o", "--out", default="results/attribution")
    args = ap.parse_args(argv)
    try:
        from stancekit.classifier import StanceClassifier
        from stancekit.evaluation.evalset import load_items
        from stancekit.evaluation.run import predict_stancekit, score

        clf = cached(StanceClassifier.from_pretrained(args.model, args.config))
        base = clf.config
        sets = {"news dev": load_items("news", "dev"), "contrast": load_items("article", "contrast")}
        rows, out = [], {"model": clf.model_name, "variants": []}
        for v in VARIANTS:
            clf.config = base.with_overrides(**v)
            t0 = time.perf_counter()
            res = {}
            for set_name, items in sets.items():
                preds = predict_stancekit(items, clf)
                res[set_name] = score(items, preds, n_boot=args.bootstrap)
            out["variants"].append({"variant": v, "seconds": time.perf_counter() - t0, "results": res})
            print(f"{name_of(v)}  " + "  ".join(
                f"{s}: stance {r['stance']['macro_f1']['value']:.3f} sentiment {r['sentiment']['macro_f1']['value']:.3f}"
                for s, r in res.items()), flush=True)
    except StancekitError as exc:
        print(f"ablate_attribution: error: {exc}", file=sys.stderr)
        return 2

    def ci(c):
        return f"{c['value']:.3f} [{c['low']:.3f}, {c['high']:.3f}]"

    lines = [f"Model `{out['model']}`; thresholds from the label config; 95% bootstrap intervals over items.", "",
             "| premise | target | flip | news dev stance macro-F1 | news dev sentiment macro-F1 | contrast stance macro-F1 | contrast sentiment macro-F1 |",
             "|---|---|---|---|---|---|---|"]
    for e in out["variants"]:
        v, r = e["variant"], e["results"]
        lines.append(f"| {v['premise']} | {'linked' if v['target_linking'] else 'literal'} | {'on' if v['flip_opposite'] else 'off'} | "
                     f"{ci(r['news dev']['stance']['macro_f1'])} | {ci(r['news dev']['sentiment']['macro_f1'])} | "
                     f"{ci(r['contrast']['stance']['macro_f1'])} | {ci(r['contrast']['sentiment']['macro_f1'])} |")
    tags = sorted(out["variants"][0]["results"]["news dev"].get("per_phenomenon", {}))
    if tags:
        lines += ["", "Per phenomenon, news dev, stance accuracy:", "",
                  "| variant | " + " | ".join(f"{t} (n={out['variants'][0]['results']['news dev']['per_phenomenon'][t]['n']})" for t in tags) + " |",
                  "|---" * (len(tags) + 1) + "|"]
        for e in out["variants"]:
            pp = e["results"]["news dev"]["per_phenomenon"]
            lines.append(f"| {name_of(e['variant']).strip()} | " + " | ".join(f"{pp[t]['stance_accuracy']:.2f}" for t in tags) + " |")
    text = "\n".join(lines)
    print(text)
    dest = Path(args.out)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "ablation.md").write_text(text + "\n", encoding="utf-8")
    (dest / "ablation.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
