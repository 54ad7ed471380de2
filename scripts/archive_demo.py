"""The archive report on real news: BASIL (Fan et al., EMNLP 2019), 300 US political articles, 2010-2019,
100 events each covered by Fox News, The New York Times and HuffPost.

    nice -n 19 python scripts/archive_demo.py                  # the default sample (see --docs), then the report
    nice -n 19 python scripts/archive_demo.py --docs 10        # a quick look
    nice -n 19 python scripts/archive_demo.py --all            # all 300 articles
    python scripts/check_report.py results/archive_demo/report --screenshot docs/img/archive_report.png

What it does:

1. Reads the articles from ``../shared/data/basil/articles/<year>/*.json`` (``--basil``; read in place,
   never copied): title, date, source, main entities and paragraphs (``body-paragraphs``, lists of
   sentences; a paragraph's sentences are joined, paragraphs separated by blank lines).
2. Keeps the events (triplets) whose main entities include one of the demo's actors (`ACTORS`: the most
   frequent main entities, with their surnames and party-group variants as aliases) and samples whole
   triplets, round-robin over the years, so that each outlet covers the same events: ``--docs`` articles
   in all (rounded down to a multiple of 3). ``--all``: all 300 articles.
3. Writes the sample as a corpus JSONL in a temporary folder (``id``, ``text``, ``date``, ``source``,
   ``title``, ``triplet``), and labels it with ``label_corpus`` (bundled model, default label config,
   every actor, target ``--target``; ``--keep triplet``) into ``OUT/labels.jsonl``.
4. Renders ``stancekit report`` (``--period year``) into ``OUT/report`` and writes ``OUT/demo_run.json``
   (documents, records, seconds per step, machine).
5. Compares each labelled (article, actor) sentiment, combined over paragraphs by the report's document
   rule, with BASIL's article-level gold ``author_feeling_<entity>`` (str-neg / neg -> negative, neu ->
   neutral, pos / str-pos -> positive) where BASIL has one: agreement, the always-neutral baseline and
   the confusion counts go into ``demo_run.json``, so the report can be read against what annotators saw.

The sentiment toward each actor is the point here (BASIL annotates it); the stance is toward one fixed
target for the whole archive (``--target``, default "the administration"), a coarse but readable
question across 2010-2019.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASIL = ROOT.parent / "shared" / "data" / "basil"
SOURCES = {"fox": "Fox News", "nyt": "New York Times", "hpo": "HuffPost"}
#: BASIL's most frequent main entities (names as BASIL writes them, case-insensitive) -> aliases.
ACTORS: dict[str, list[str]] = {
    "Donald Trump": ["Donald Trump", "Donald J. Trump", "Trump"],
    "Barack Obama": ["Barack Obama", "Obama"],
    "Hillary Clinton": ["Hillary Clinton", "Hillary Rodham Clinton", "Mrs. Clinton"],
    "Republicans": ["Republicans", "Republican lawmakers", "House Republicans", "Senate Republicans", "GOP"],
    "Democrats": ["Democrats", "Democratic lawmakers", "House Democrats", "Senate Democrats"],
    "Paul Ryan": ["Paul Ryan", "Ryan"],
    "Robert Mueller": ["Robert Mueller", "Mueller"],
    "Nancy Pelosi": ["Nancy Pelosi", "Pelosi"],
    "Mitt Romney": ["Mitt Romney", "Romney"],
    "John Boehner": ["John Boehner", "Boehner"],
    "Chris Christie": ["Chris Christie", "Christie"],
    "Joe Biden": ["Joe Biden", "Biden"],
}
#: BASIL main-entity names that stand for one of the actors above.
ENTITY_TO_ACTOR = {
    **{name.lower(): name for name in ACTORS},
    "republican lawmakers": "Republicans", "house republicans": "Republicans", "senate republicans": "Republicans",
    "gop committee members": "Republicans", "democratic lawmakers": "Democrats", "house democrats": "Democrats",
}
#: The default sample: 50 events = 150 articles, about five per year. A 9-article run took about 2
#: CPU-seconds per article (bundled model, see docs/archive.md), so 150 articles need about 5 CPU-minutes,
#: well under 15 minutes on 2 cores; `--all` labels all 300.
DEFAULT_DOCS = 150


def load_articles(basil: Path) -> list[dict]:
    files = sorted((basil / "articles").glob("*/*.json"))
    if not files:
        raise SystemExit(f"archive_demo: no BASIL articles under {basil / 'articles'} (pass --basil)")
    out = []
    for f in files:
        d = json.loads(f.read_text(encoding="utf-8"))
        paragraphs = [" ".join(s.strip() for s in para if s.strip()) for para in d.get("body-paragraphs", [])]
        out.append({
            "id": d["uuid"],
            "text": "\n\n".join(p for p in paragraphs if p),
            "date": d.get("date"),
            "source": SOURCES.get(str(d.get("source", "")).lower(), d.get("source")),
            "title": d.get("title"),
            "triplet": d.get("triplet-uuid"),
            "actors": sorted({ENTITY_TO_ACTOR[e.lower()] for e in d.get("main-entities", []) if e.lower() in ENTITY_TO_ACTOR}),
        })
    return out


def _spread(years: list[str]) -> list[str]:
    """Years in an order that spreads any prefix over the range (farthest first): 2010, 2019, 2014, ..."""
    left, order = sorted(years, key=int), []
    while left:
        pick = left[0] if not order else max(left, key=lambda y: (min(abs(int(y) - int(o)) for o in order), -int(y)))
        order.append(pick)
        left.remove(pick)
    return order


def sample_triplets(articles: list[dict], docs: int | None, seed: int) -> list[dict]:
    """Whole triplets (one event, three outlets) with a demo actor among the main entities, round-robin over
    years (in an order that spreads a small sample over the decade); ``docs`` None: all 300 articles."""
    by_triplet: dict[str, list[dict]] = defaultdict(list)
    for a in articles:
        by_triplet[a["triplet"]].append(a)
    if docs is None:
        return sorted(articles, key=lambda a: (a["date"], a["source"] or "", a["id"]))
    eligible = [t for t, arts in by_triplet.items() if any(a["actors"] for a in arts)]
    by_year: dict[str, list[str]] = defaultdict(list)
    for t in sorted(eligible):
        by_year[min(a["date"] for a in by_triplet[t])[:4]].append(t)
    rnd = random.Random(seed)
    for ts in by_year.values():
        rnd.shuffle(ts)
    order: list[str] = []
    while any(by_year.values()):
        for year in _spread(list(by_year)):
            if by_year[year]:
                order.append(by_year[year].pop())
    chosen = order[: max(1, docs // 3)]
    return sorted((a for t in chosen for a in by_triplet[t]), key=lambda a: (a["date"], a["source"] or "", a["id"]))


GOLD = {"str-neg": "negative", "neg": "negative", "neu": "neutral", "pos": "positive", "str-pos": "positive"}


def gold_agreement(basil: Path, labels: Path, ids: set[str]) -> dict:
    """Document-level sentiment per (article, actor) vs BASIL's ``author_feeling_<entity>`` gold."""
    from stancekit.aggregation import combine_labels, iter_records

    gold: dict[tuple[str, str], str] = {}
    for f in sorted((basil / "annotations").glob("*/*_ann.json")):
        ann = json.loads(f.read_text(encoding="utf-8"))
        if ann.get("uuid") not in ids:
            continue
        for key, value in (ann.get("article-level-annotations") or {}).items():
            if not key.startswith("author_feeling_") or value not in GOLD:
                continue
            actor = ENTITY_TO_ACTOR.get(key[len("author_feeling_"):].replace("_", " ").lower())
            if actor is not None:
                gold[(ann["uuid"], actor)] = GOLD[value]
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, rec in iter_records(labels):
        key = (rec.get("doc_id"), rec["actor"])
        if key in gold:
            counts[key][rec["sentiment"]] += 1
    pairs = [(gold[k], combine_labels(c, "sentiment")) for k, c in counts.items()]
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for g, p in pairs:
        confusion[g][p] += 1
    n = len(pairs)
    return {
        "pairs_with_gold": n,
        "gold_pairs_not_mentioned": len(gold) - n,
        "agreement": round(sum(g == p for g, p in pairs) / n, 3) if n else None,
        "always_neutral_agreement": round(sum(g == "neutral" for g, _ in pairs) / n, 3) if n else None,
        "confusion_gold_to_predicted": {g: dict(c) for g, c in sorted(confusion.items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--basil", type=Path, default=DEFAULT_BASIL, help=f"BASIL folder (default: {DEFAULT_BASIL})")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--docs", type=int, default=DEFAULT_DOCS, help=f"articles to label (default {DEFAULT_DOCS})")
    size.add_argument("--all", action="store_true", help="all 300 articles (about 10 minutes more than the default)")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "results" / "archive_demo")
    ap.add_argument("--target", default="the administration", help="stance target (default: the administration)")
    ap.add_argument("--period", default="year", help="report period (default: year)")
    ap.add_argument("--model", help="NLI model (default: the bundled one)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, help="torch threads (default: all cores)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--restart", action="store_true", help="label from scratch instead of resuming OUT/labels.jsonl")
    args = ap.parse_args(argv)

    from stancekit.corpus import label_corpus, summary_line
    from stancekit.report import build_report

    started = time.perf_counter()
    articles = load_articles(args.basil)
    sample = sample_triplets(articles, None if args.all else args.docs, args.seed)
    years = sorted({a["date"][:4] for a in sample})
    print(f"BASIL: {len(articles)} articles; sample: {len(sample)} articles ({len(sample) // 3} events), "
          f"{years[0]}-{years[-1]}, outlets: {', '.join(sorted({a['source'] for a in sample}))}", file=sys.stderr)
    args.output.mkdir(parents=True, exist_ok=True)
    labels = args.output / "labels.jsonl"
    run: dict = {"sample_articles": len(sample), "events": len(sample) // 3, "years": [years[0], years[-1]],
                 "target": args.target, "actors": list(ACTORS), "machine": _machine()}
    with tempfile.TemporaryDirectory(prefix="stancekit-basil-") as tmp:
        corpus = Path(tmp) / "basil_sample.jsonl"
        with open(corpus, "w", encoding="utf-8") as fh:
            for a in sample:
                fh.write(json.dumps({k: a[k] for k in ("id", "text", "date", "source", "title", "triplet")},
                                    ensure_ascii=False) + "\n")
        t0 = time.perf_counter()
        stats = label_corpus(corpus, labels, ACTORS, args.target, model=args.model, workers=args.workers,
                             threads=args.threads, keep=["triplet"], restart=args.restart, docs_per_batch=8)
        run["label_seconds"] = round(time.perf_counter() - t0, 1)
        print(summary_line(stats), file=sys.stderr)
    run["documents_labelled"] = stats.documents
    run["records"] = stats.records
    t0 = time.perf_counter()
    result = build_report(labels, args.output / "report", period=args.period,
                          warn=lambda s: print(f"stancekit: warning: {s}", file=sys.stderr))
    run["report_seconds"] = round(time.perf_counter() - t0, 1)
    run["total_seconds"] = round(time.perf_counter() - started, 1)
    run["report"] = str(result.html)
    info = result.summary.info if result.summary else {}
    run["documents_in_report"] = info.get("documents")
    run["basil_gold_sentiment"] = gold_agreement(args.basil, labels, {a["id"] for a in sample})
    g = run["basil_gold_sentiment"]
    print(f"BASIL gold author_feeling vs document sentiment: {g['pairs_with_gold']} (article, actor) pairs, "
          f"agreement {g['agreement']} (always neutral: {g['always_neutral_agreement']}); "
          f"confusion {g['confusion_gold_to_predicted']}", file=sys.stderr)
    (args.output / "demo_run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    print(f"{result.html}: {run['total_seconds']}s in all (labelling {run['label_seconds']}s, "
          f"report {run['report_seconds']}s)", file=sys.stderr)
    return 0


def _machine() -> str:
    from stancekit.machine import cpu_name, usable_cores

    cpu = cpu_name() or platform.processor() or platform.machine()
    return f"{cpu}, {usable_cores()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
