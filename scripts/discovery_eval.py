"""Measure actor discovery (stancekit.discovery) against three references.

(a) article: the bundled article vs its hand-written stancekit/data/article/actors.yaml; an actor
    matches when the names are equal (precision and recall over actor names).
(b) NewsMTSC (dev_mt + dev_rw in full, plus a fixed-seed sample of train): sentences are grouped
    into their source article (the first three ``_`` fields of ``primary_gid``) and discovery runs
    on each group. A target is *named* when the last word of its mention (possessive removed) is
    capitalised and is not a pronoun ("President Trump", "Mr. Obama's"; not "he", "the president").
    Recall: named targets whose span overlaps a mention of a discovered actor (aliases matched by
    stancekit.mentions). Precision (lower bound): discovered *people* with a mention that overlaps
    any annotated target span (main or further mention); NewsMTSC annotates only some people per
    sentence and no countries, so unannotated correct people count as errors.
(c) BASIL (all 300 articles): gold = ``main-entities`` plus named phrase-level ``target`` entities
    (every word capitalised, e.g. "Donald_Trump", "House_Democrats"; not "Obama_administration").
    An entity is found when a discovered actor has an alias equal to the entity name or to its last
    word ("Trump" for "Donald Trump", "Democrats" for "House Democrats"). Precision (lower bound):
    discovered actors that match some gold entity of the article; BASIL annotates only the entities
    that biased spans target, so most correct discoveries are unannotated.

Usage: python scripts/discovery_eval.py [--train-sample 1500] [--seed 13] [--out results/discovery]
Prints a table and writes metrics.json and report.md to --out.
"""
from __future__ import annotations

import argparse
import glob
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stancekit.actors import load_actors_file  # noqa: E402
from stancekit.discovery import discover  # noqa: E402
from stancekit.mentions import MentionFinder  # noqa: E402

SHARED = Path("/work/shared/data")
PRONOUNS = frozenset("i me my mine we us our ours you your yours he him his she her hers it its "
                     "they them their theirs who whom whose this that these those".split())
CONNECTORS = frozenset("of the and de von van der bin al da".split())


def prf(tp_p: int, n_pred: int, tp_r: int, n_gold: int) -> dict[str, float | int]:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "predicted": n_pred, "gold": n_gold, "tp_precision": tp_p, "tp_recall": tp_r}


def eval_article() -> dict:
    data = ROOT / "stancekit" / "data" / "article"
    gold = {a.name for a in load_actors_file(data / "actors.yaml").actors}
    found = {d.actor.name for d in discover((data / "article.txt").read_text(encoding="utf-8"))}
    m = prf(len(found & gold), len(found), len(found & gold), len(gold))
    m["missing"] = sorted(gold - found)
    m["extra"] = sorted(found - gold)
    return m


def is_named(mention: str) -> bool:
    words = re.findall(r"[\w.'’-]+", mention)
    if not words:
        return False
    last = re.sub(r"['’]s?$", "", words[-1])
    return bool(last) and last[0].isupper() and last.lower() not in PRONOUNS


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def eval_newsmtsc(train_sample: int, seed: int) -> dict:
    root = SHARED / "newsmtsc"
    rows = []
    for name in ("dev_mt.jsonl", "dev_rw.jsonl"):
        rows += [json.loads(line) for line in open(root / name, encoding="utf-8")]
    train = [json.loads(line) for line in open(root / "train.jsonl", encoding="utf-8")]
    rows += random.Random(seed).sample(train, min(train_sample, len(train)))
    docs: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        docs["_".join(row["primary_gid"].split("_")[:3])].append(row)

    n_named = found_named = n_people = people_hit = 0
    n_all = found_all = 0
    for sentences in docs.values():
        text = "\n\n".join(r["sentence_normalized"] for r in sentences)
        discovered = discover(text)
        finder = MentionFinder([d.actor for d in discovered])
        hit_actors: set[str] = set()
        for r in sentences:
            mentions = finder.find(r["sentence_normalized"])
            spans_all = []
            for t in r["targets"]:
                spans_all.append((t["from"], t["to"]))
                spans_all += [(f["from"], f["to"]) for f in t.get("further_mentions", [])]
                hit = _overlaps([(m.start, m.end) for m in mentions], t["from"], t["to"])
                n_all += 1
                found_all += hit
                if is_named(t["mention"]):
                    n_named += 1
                    found_named += hit
            for m in mentions:
                if _overlaps(spans_all, m.start, m.end):
                    hit_actors.add(m.actor)
        for d in discovered:
            if d.kind == "person":
                n_people += 1
                people_hit += d.actor.name in hit_actors
    m = prf(people_hit, n_people, found_named, n_named)
    m.update({"sentences": len(rows), "documents": len(docs), "targets": n_all,
              "recall_all_targets": round(found_all / n_all, 4) if n_all else 0.0,
              "train_sample": min(train_sample, len(train)), "seed": seed})
    return m


def basil_gold(art: dict, ann: dict) -> set[str]:
    gold = {e.strip() for e in art.get("main-entities", []) if e.strip()}
    for p in ann.get("phrase-level-annotations", []):
        gold.add(p.get("target", "").replace("_", " ").strip())
    return {e for e in gold if e and all(w[0].isupper() for w in e.split() if w.lower() not in CONNECTORS)
            and "and" not in e.split()}


def eval_basil() -> dict:
    root = SHARED / "basil"
    n_gold = found = n_pred = pred_hit = 0
    n_main = found_main = 0
    for path in sorted(glob.glob(str(root / "articles" / "*" / "*.json"))):
        art = json.load(open(path, encoding="utf-8"))
        ann_path = root / "annotations" / Path(path).parent.name / (Path(path).stem + "_ann.json")
        ann = json.load(open(ann_path, encoding="utf-8")) if ann_path.exists() else {}
        text = "\n\n".join(" ".join(p) for p in art["body-paragraphs"])
        discovered = discover(text)
        aliases = [set(d.actor.aliases) for d in discovered]
        gold = basil_gold(art, ann)
        main = {e for e in gold if e in set(art.get("main-entities", []))}

        def matched(entity: str, al: set[str]) -> bool:
            return entity in al or entity.split()[-1] in al

        for e in gold:
            hit = any(matched(e, al) for al in aliases)
            n_gold += 1
            found += hit
            if e in main:
                n_main += 1
                found_main += hit
        for al in aliases:
            n_pred += 1
            pred_hit += any(matched(e, al) for e in gold)
    m = prf(pred_hit, n_pred, found, n_gold)
    m["recall_main_entities"] = round(found_main / n_main, 4) if n_main else 0.0
    m["main_entities"] = n_main
    return m


def table(metrics: dict) -> str:
    rows = [
        ("article (actors.yaml)", metrics["article"], "exact"),
        ("NewsMTSC named targets", metrics["newsmtsc"], "people, lower bound"),
        ("BASIL named entities", metrics["basil"], "lower bound"),
    ]
    out = ["| reference | precision | recall | F1 | predicted | gold | note |",
           "|---|---|---|---|---|---|---|"]
    for name, m, note in rows:
        out.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                   f"{m['predicted']} | {m['gold']} | {note} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-sample", type=int, default=100000,
                    help="NewsMTSC train sentences (a fixed-seed sample when fewer than all) added to dev_mt + dev_rw")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", default=str(ROOT / "results" / "discovery"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    metrics = {"article": eval_article(),
               "newsmtsc": eval_newsmtsc(args.train_sample, args.seed),
               "basil": eval_basil()}
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    tab = table(metrics)
    nm, bs, ar = metrics["newsmtsc"], metrics["basil"], metrics["article"]
    extra = (f"article: missing {ar['missing']}, extra {ar['extra']}\n"
             f"NewsMTSC: {nm['sentences']} sentences in {nm['documents']} documents (dev_mt + dev_rw + "
             f"{nm['train_sample']} train, seed {nm['seed']}); recall over all {nm['targets']} targets "
             f"incl. pronouns: {nm['recall_all_targets']:.3f}\n"
             f"BASIL: recall on main-entities only: {bs['recall_main_entities']:.3f} "
             f"({bs['main_entities']} entity-article pairs)\n"
             f"runtime: {metrics['seconds']} s")
    print(tab)
    print(extra)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(
        "# Actor discovery: measured\n\nCommand: `python scripts/discovery_eval.py`\n\n"
        + tab + "\n\n" + extra.replace("\n", "\n\n") + "\n\nDefinitions: see the script docstring "
        "and docs/discovery.md.\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
