"""Measure actor discovery (stancekit.discovery) against three references.

Every reference is measured for each discovery method (``--methods``, default all of
stancekit.discovery.METHODS: "rules" = gazetteer + capitalisation rules, "ner" = spaCy entities + the
gazetteer's role phrases, "combined" = both); one NER pass per text is shared by "ner" and "combined".

(a) article: the bundled article vs its hand-written stancekit/data/article/actors.yaml. An actor
    matches when the alias sets overlap (case-insensitive, a leading "the" ignored); precision and
    recall over actors. ``exact`` counts name equality as well.
(b) news: the fifteen unseen-news texts (stancekit/data/news, dev / test as index.yaml says), each
    vs its actors.yaml, matched as in (a); micro-averaged over the texts of a split.
(c) NewsMTSC (dev_mt + dev_rw in full, plus a fixed-seed sample of train): sentences are grouped
    into their source article (the first three ``_`` fields of ``primary_gid``) and discovery runs
    on each group. A target is *named* when the last word of its mention (possessive removed) is
    capitalised and is not a pronoun ("President Trump", "Mr. Obama's"; not "he", "the president").
    Recall: named targets whose span overlaps a mention of a discovered actor (aliases matched by
    stancekit.mentions). Precision (lower bound): discovered *people* with a mention that overlaps
    any annotated target span (main or further mention); NewsMTSC annotates only some people per
    sentence and no countries, so unannotated correct people count as errors.
(d) BASIL (all 300 articles): gold = ``main-entities`` plus named phrase-level ``target`` entities
    (every word capitalised, e.g. "Donald_Trump", "House_Democrats"; not "Obama_administration").
    An entity is found when a discovered actor has an alias equal to the entity name or to its last
    word ("Trump" for "Donald Trump", "Democrats" for "House Democrats"). Precision (lower bound):
    discovered actors that match some gold entity of the article; BASIL annotates only the entities
    that biased spans target, so most correct discoveries are unannotated.

Time: CPU seconds of discovery per 1,000 words (whitespace-separated) for each method and reference,
not counting the one-off NER load (reported separately); wall-clock seconds are in metrics.json.

Usage: python scripts/discovery_eval.py [--methods rules,ner,combined] [--only article,news]
       [--train-sample N] [--seed 13] [--out results/discovery]
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

import yaml  # noqa: E402

from stancekit.actors import load_actors_file, normalize_alias  # noqa: E402
from stancekit.discovery import METHODS, discover  # noqa: E402
from stancekit.mentions import MentionFinder  # noqa: E402

SHARED = Path("/work/shared/data")
NEWS = ROOT / "stancekit" / "data" / "news"
PRONOUNS = frozenset("i me my mine we us our ours you your yours he him his she her hers it its "
                     "they them their theirs who whom whose this that these those".split())
CONNECTORS = frozenset("of the and de von van der bin al da".split())


class CachedNER:
    """The NER pipeline with its documents cached by text: "ner" and "combined" share one pass."""

    def __init__(self, nlp):
        self.nlp = nlp
        self.cache: dict[str, object] = {}
        self.seconds = 0.0

    def pipe(self, texts, batch_size=256):
        texts = list(texts)
        todo = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if todo:
            t0 = time.perf_counter()
            for text, doc in zip(todo, self.nlp.pipe(todo, batch_size=batch_size)):
                self.cache[text] = doc
            self.seconds += time.perf_counter() - t0
        return (self.cache[t] for t in texts)


class Timer:
    """Discovery time and words per method: wall-clock and CPU seconds of this process (CPU time is the
    one to compare on a shared machine)."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.words: dict[str, int] = defaultdict(int)

    def run(self, text: str, method: str, ner):
        t0, c0 = time.perf_counter(), time.process_time()
        out = discover(text, method=method, ner=ner)
        self.seconds[method] += time.perf_counter() - t0
        self.cpu[method] += time.process_time() - c0
        self.words[method] += len(text.split())
        return out

    def per_1000_words(self) -> dict[str, float]:
        return {m: round(1000 * self.seconds[m] / self.words[m], 4) for m in self.seconds if self.words[m]}

    def cpu_per_1000_words(self) -> dict[str, float]:
        return {m: round(1000 * self.cpu[m] / self.words[m], 4) for m in self.cpu if self.words[m]}


def prf(tp_p: int, n_pred: int, tp_r: int, n_gold: int) -> dict[str, float | int]:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "predicted": n_pred, "gold": n_gold, "tp_precision": tp_p, "tp_recall": tp_r}


def _keys(aliases) -> set[str]:
    out = set()
    for a in aliases:
        a = normalize_alias(a).lower()
        a = re.sub(r"^the\s+", "", a)
        if a:
            out.add(a)
    return out


def match_actors(found, gold) -> dict:
    """Precision / recall of discovered actors vs gold actors (both lists of Actor): alias overlap."""
    fk = [(a.name, _keys((a.name, *a.aliases))) for a in found]
    gk = [(a.name, _keys((a.name, *a.aliases))) for a in gold]
    hit_f = [n for n, k in fk if any(k & g for _, g in gk)]
    hit_g = [n for n, g in gk if any(k & g for _, k in fk)]
    m = prf(len(hit_f), len(fk), len(hit_g), len(gk))
    m["missing"] = [n for n, _ in gk if n not in hit_g]
    m["extra"] = [n for n, _ in fk if n not in hit_f]
    return m


def eval_article(method: str, ner, timer: Timer) -> dict:
    data = ROOT / "stancekit" / "data" / "article"
    gold = list(load_actors_file(data / "actors.yaml").actors)
    found = [d.actor for d in timer.run((data / "article.txt").read_text(encoding="utf-8"), method, ner)]
    m = match_actors(found, gold)
    m["exact"] = len({a.name for a in found} & {a.name for a in gold})
    return m


def eval_news(method: str, ner, timer: Timer) -> dict:
    index = yaml.safe_load((NEWS / "index.yaml").read_text(encoding="utf-8"))["texts"]
    out: dict = {"texts": {}}
    totals = {split: [0, 0, 0, 0] for split in ("dev", "test")}
    for name, meta in index.items():
        gold = list(load_actors_file(NEWS / name / "actors.yaml").actors)
        text = (NEWS / name / "text.txt").read_text(encoding="utf-8")
        m = match_actors([d.actor for d in timer.run(text, method, ner)], gold)
        m["split"] = meta["split"]
        out["texts"][name] = m
        t = totals[meta["split"]]
        for i, k in enumerate(("tp_precision", "predicted", "tp_recall", "gold")):
            t[i] += m[k]
    for split, (tp_p, n_p, tp_r, n_g) in totals.items():
        out[split] = prf(tp_p, n_p, tp_r, n_g)
    return out


def is_named(mention: str) -> bool:
    words = re.findall(r"[\w.'’-]+", mention)
    if not words:
        return False
    last = re.sub(r"['’]s?$", "", words[-1])
    return bool(last) and last[0].isupper() and last.lower() not in PRONOUNS


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def eval_newsmtsc(method: str, ner, timer: Timer, train_sample: int, seed: int) -> dict:
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
        discovered = timer.run(text, method, ner)
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


def eval_basil(method: str, ner, timer: Timer) -> dict:
    root = SHARED / "basil"
    n_gold = found = n_pred = pred_hit = 0
    n_main = found_main = 0
    for path in sorted(glob.glob(str(root / "articles" / "*" / "*.json"))):
        art = json.load(open(path, encoding="utf-8"))
        ann_path = root / "annotations" / Path(path).parent.name / (Path(path).stem + "_ann.json")
        ann = json.load(open(ann_path, encoding="utf-8")) if ann_path.exists() else {}
        text = "\n\n".join(" ".join(p) for p in art["body-paragraphs"])
        discovered = timer.run(text, method, ner)
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


REFERENCES = ("article", "news", "newsmtsc", "basil")


def table(metrics: dict, methods: list[str]) -> str:
    out = ["| reference | method | precision | recall | F1 | predicted | gold | CPU s / 1,000 words |",
           "|---|---|---|---|---|---|---|---|"]
    for ref, label in (("article", "article (actors.yaml)"), ("news_dev", "news dev (10 texts)"),
                       ("news_test", "news test (5 texts)"), ("newsmtsc", "NewsMTSC named targets"),
                       ("basil", "BASIL named entities")):
        for method in methods:
            res = metrics[method]
            key = ref.split("_")[0]
            if key not in res:
                continue
            m = res[key][ref.split("_")[1]] if "_" in ref else res[key]
            speed = res["cpu_seconds_per_1000_words"].get(key, "")
            out.append(f"| {label} | {method} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                       f"{m['predicted']} | {m['gold']} | {speed} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated discovery methods")
    ap.add_argument("--only", default=",".join(REFERENCES), help="comma-separated references to run")
    ap.add_argument("--train-sample", type=int, default=100000,
                    help="NewsMTSC train sentences (a fixed-seed sample when fewer than all) added to dev_mt + dev_rw")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--show-test", action="store_true", help="also list per-text errors of the news test texts")
    ap.add_argument("--out", default=str(ROOT / "results" / "discovery"))
    args = ap.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    refs = [r for r in args.only.split(",") if r]
    t0 = time.perf_counter()
    ner = None
    load_s = 0.0
    if any(m != "rules" for m in methods):
        from stancekit.ner import load_ner

        t1 = time.perf_counter()
        ner = CachedNER(load_ner())
        load_s = time.perf_counter() - t1
    metrics: dict = {"ner_load_seconds": round(load_s, 2)}
    for method in methods:
        res: dict = {}
        speed: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for ref in refs:
            timer = Timer()
            if ner is not None:
                ner.cache.clear()  # each method pays its own NER time
            if ref == "article":
                res[ref] = eval_article(method, ner, timer)
            elif ref == "news":
                res[ref] = eval_news(method, ner, timer)
            elif ref == "newsmtsc":
                res[ref] = eval_newsmtsc(method, ner, timer, args.train_sample, args.seed)
            elif ref == "basil":
                res[ref] = eval_basil(method, ner, timer)
            speed[ref] = timer.per_1000_words()[method]
            cpu[ref] = timer.cpu_per_1000_words()[method]
        res["seconds_per_1000_words"] = speed
        res["cpu_seconds_per_1000_words"] = cpu
        metrics[method] = res
        print(f"{method}: done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    tab = table(metrics, methods)
    notes = [f"NER load (once per process): {metrics['ner_load_seconds']} s", f"runtime: {metrics['seconds']} s"]
    for method in methods:
        res = metrics[method]
        if "article" in res:
            notes.append(f"{method} article: missing {res['article']['missing']}, extra {res['article']['extra']}, "
                         f"exact names {res['article']['exact']}")
        if "news" in res:
            for name, m in res["news"]["texts"].items():
                if m["split"] != "dev" and not args.show_test:
                    continue  # test texts are reported in aggregate only: errors are read (and fixed) on dev
                notes.append(f"{method} news {name} ({m['split']}): P {m['precision']:.2f} R {m['recall']:.2f} "
                             f"missing {m['missing']} extra {m['extra']}")
        if "newsmtsc" in res:
            nm = res["newsmtsc"]
            notes.append(f"{method} NewsMTSC: {nm['sentences']} sentences in {nm['documents']} documents; recall "
                         f"over all {nm['targets']} targets incl. pronouns: {nm['recall_all_targets']:.3f}")
        if "basil" in res:
            notes.append(f"{method} BASIL: recall on main-entities only: {res['basil']['recall_main_entities']:.3f}")
    print(tab)
    print("\n".join(notes))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(
        "# Actor discovery: measured\n\nCommand: `python scripts/discovery_eval.py "
        + " ".join(argv if argv is not None else sys.argv[1:]) + "`\n\n" + tab + "\n\n"
        + "\n\n".join(notes) + "\n\nDefinitions: see the script docstring and docs/discovery.md.\n",
        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
