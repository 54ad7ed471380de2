"""Discovery time vs labelling time: the 5 MB stress input and the unseen-news texts.

The stress input (`stress_text`: filler sentences from a 20-word vocabulary, "Russia" in every 250th sentence,
one 900-word sentence) is also the input of tests/test_reliability.py::test_5mb_article_completes_in_bounded_batches. For each input, in one process:

- discovery: `stancekit.discovery.discover_actors` (default method) plus `stancekit.targets.propose_target`,
  i.e. what `stancekit label FILE` does before labelling; the one-off spaCy loads are timed apart;
- labelling: `StanceClassifier.label` with the discovered actors and target (bundled model unless --model;
  the model load is timed apart).

Usage: python scripts/discovery_speed.py [--model PATH] [--skip-news] [--out results/discovery/speed.json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILLER = "the people will vote against the plan and the army is at the border talks with the government".split()


def stress_text() -> str:
    """The 5 MB stress input, seeded (tests/test_reliability.py labels it too)."""
    rng = random.Random(0)
    paras, size, k = [], 0, 0
    while size < 5_000_000:
        sents = []
        for _ in range(8):
            words = [rng.choice(FILLER) for _ in range(rng.randint(10, 30))]
            k += 1
            if k % 250 == 0:
                words[3] = "Russia"
            if k == 4001:
                words = [rng.choice(FILLER) for _ in range(900)] + ["Russia"]
            s = " ".join(words) + "."
            sents.append(s[0].upper() + s[1:])
        paras.append(" ".join(sents))
        size += len(paras[-1]) + 2
    return "\n\n".join(paras) + "\n"


def measure(name: str, text: str, clf) -> dict:
    from stancekit.discovery import discover_actors
    from stancekit.targets import propose_target

    words = len(text.split())
    t0, c0 = time.perf_counter(), time.process_time()
    actors = discover_actors(text)
    t1, c1 = time.perf_counter(), time.process_time()
    target = propose_target(text)
    t2, c2 = time.perf_counter(), time.process_time()
    row = {"input": name, "words": words, "actors": [a.name for a in actors][:20],
           "target": target.name if target else None,
           "discovery_s": round(t1 - t0, 2), "target_s": round(t2 - t1, 2),
           "discovery_cpu_s": round(c1 - c0, 2), "target_cpu_s": round(c2 - c1, 2)}
    if target is not None and actors:
        from stancekit.discovery import separate_target

        target, actors = separate_target(target, actors)
        t3, c3 = time.perf_counter(), time.process_time()
        result = clf.label(text, target, actors, progress=False)
        row["label_s"] = round(time.perf_counter() - t3, 2)
        row["label_cpu_s"] = round(time.process_time() - c3, 2)
        row["records"] = len(result.records)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--skip-news", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "results" / "discovery" / "speed.json"))
    args = ap.parse_args(argv)

    from stancekit.attribution import load_parser
    from stancekit.classifier import StanceClassifier
    from stancekit.ner import load_ner

    t = time.perf_counter()
    load_ner()
    ner_load = time.perf_counter() - t
    t = time.perf_counter()
    load_parser()
    parser_load = time.perf_counter() - t
    t = time.perf_counter()
    clf = StanceClassifier.from_pretrained(args.model)
    model_load = time.perf_counter() - t
    rows = []
    if not args.skip_news:
        news = ROOT / "stancekit" / "data" / "news"
        for folder in sorted(p for p in news.iterdir() if (p / "text.txt").is_file()):
            rows.append(measure(f"news/{folder.name}", (folder / "text.txt").read_text(encoding="utf-8"), clf))
            print(json.dumps(rows[-1]), flush=True)
    rows.append(measure("stress 5 MB", stress_text(), clf))
    print(json.dumps(rows[-1]), flush=True)
    news_rows = [r for r in rows if r["input"].startswith("news/")]
    summary = {"ner_load_s": round(ner_load, 2), "parser_load_s": round(parser_load, 2),
               "model_load_s": round(model_load, 2), "model": clf.model_name, "rows": rows}
    if news_rows:
        w = sum(r["words"] for r in news_rows)
        per = lambda key: round(1000 * sum(r.get(key, 0.0) for r in news_rows) / w, 4)  # noqa: E731
        summary["news"] = {
            "words": w,
            "discovery_s_per_1000_words": per("discovery_s"), "target_s_per_1000_words": per("target_s"),
            "label_s_per_1000_words": per("label_s"),
            "discovery_cpu_s_per_1000_words": per("discovery_cpu_s"), "target_cpu_s_per_1000_words": per("target_cpu_s"),
            "label_cpu_s_per_1000_words": per("label_cpu_s"),
        }
        print(json.dumps(summary["news"]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
