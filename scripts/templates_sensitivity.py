#!/usr/bin/env python3
"""How much do stancekit's scores depend on the wording of the hypothesis templates?

Evaluates each template set (configs/default.yaml plus configs/templates/*.yaml by default) with
the same model on a *dev* set — by default the article's contrast split, never a benchmark test
split (choosing templates on test data would inflate the reported test score). Prints a table and
the spread (min / max / std of macro-F1) and writes templates.json and templates.md.

Example: python scripts/templates_sensitivity.py --model stancekit/models/nli-minilm -o results/templates
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

from stancekit.cli import quiet_libraries  # noqa: E402
from stancekit.errors import ConfigError, StancekitError  # noqa: E402


def default_sets() -> list[Path]:
    return [ROOT / "configs" / "default.yaml", *sorted((ROOT / "configs" / "templates").glob("*.yaml"))]


def run(model: str | None, configs: list[Path], eval_set: str, split: str, out_dir: Path, n_boot: int, seed: int) -> dict:
    from stancekit.classifier import StanceClassifier
    from stancekit.config import load_config
    from stancekit.evaluation.evalset import load_items
    from stancekit.evaluation.report import fmt_ci
    from stancekit.evaluation.run import predict_stancekit, score

    if not configs:
        raise ConfigError("no template sets given (expected YAML label configs)")
    if split == "test":
        print("warning: choosing templates on a test split leaks into the test score; use a dev split",
              file=sys.stderr)
    items = load_items(eval_set, split)
    cfgs = {path.stem: load_config(path)
            for path in configs}
    first = next(iter(cfgs.values()))
    base = StanceClassifier.from_pretrained(model, first)  # the model is loaded once, shared below
    rows = []
    for name, cfg in cfgs.items():
        clf = StanceClassifier(base.scorer, cfg, model_name=base.model_name)
        m = score(items, predict_stancekit(items, clf), n_boot=n_boot, seed=seed)
        rows.append({
            "template_set": name,
            "stance_templates": cfg.templates.stance,
            "sentiment_templates": cfg.templates.sentiment,
            "stance_accuracy": m["stance"]["accuracy"],
            "stance_macro_f1": m["stance"]["macro_f1"],
            "sentiment_accuracy": m["sentiment"]["accuracy"],
            "sentiment_macro_f1": m["sentiment"]["macro_f1"],
        })

    def spread(key: str) -> dict[str, float]:
        vals = [r[key]["value"] for r in rows]
        return {"min": min(vals), "max": max(vals), "range": max(vals) - min(vals),
                "std": statistics.pstdev(vals) if len(vals) > 1 else 0.0}

    result = {
        "eval_set": str(eval_set), "split": split, "n": len(items), "model": base.model_name,
        "bootstrap": n_boot, "seed": seed, "rows": rows,
        "spread": {k: spread(k) for k in ("stance_macro_f1", "sentiment_macro_f1")},
    }
    header = "| template set | stance acc | stance macro-F1 | sentiment acc | sentiment macro-F1 |\n|---|---|---|---|---|"
    lines = [header] + [
        f"| {r['template_set']} | {fmt_ci(r['stance_accuracy'])} | {fmt_ci(r['stance_macro_f1'])} | "
        f"{fmt_ci(r['sentiment_accuracy'])} | {fmt_ci(r['sentiment_macro_f1'])} |"
        for r in rows
    ]
    spread_lines = [
        f"- {k}: min {v['min']:.2f}, max {v['max']:.2f}, range {v['range']:.2f}, std {v['std']:.3f}"
        for k, v in result["spread"].items()
    ]
    table = "\n".join(lines)
    md = "\n".join([
        "# Template sensitivity", "",
        f"Eval set `{eval_set}`, split `{split}` ({len(items)} items), model `{base.model_name}`; "
        f"95% bootstrap intervals (n={n_boot}, seed={seed}).", "",
        table, "", "Spread over template sets:", "", *spread_lines, "",
    ])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "templates.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out_dir / "templates.md").write_text(md, encoding="utf-8")
    print(table)
    print("\n".join(spread_lines))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="templates_sensitivity.py", description=__doc__.splitlines()[0])
    p.add_argument("--model", metavar="M", help="NLI model (default: $STANCEKIT_MODEL or bundled)")
    p.add_argument("--eval-set", default="article", metavar="article|PATH", help="dev eval set (default: article)")
    p.add_argument("--split", default="contrast", help="dev split (default: contrast)")
    p.add_argument("--configs", nargs="+", type=Path, metavar="YAML",
                   help="label configs to compare (default: configs/default.yaml + configs/templates/*.yaml)")
    p.add_argument("-o", "--output", type=Path, default=Path("results/templates"), metavar="DIR")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    quiet_libraries()
    try:
        run(args.model, args.configs or default_sets(), args.eval_set, args.split, args.output, args.bootstrap, args.seed)
    except StancekitError as exc:
        print(f"templates_sensitivity.py: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
