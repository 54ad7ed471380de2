"""`evaluate()`: score stancekit and the baselines on an eval set and write the results folder.

Outputs in ``out_dir``: predictions.jsonl (one line per item and system), metrics.json, report.md
and confusion.png (stancekit's confusion matrices). The model is loaded once and shared by the
zero-shot baseline, so both systems see exactly the same weights.

The stancekit system labels each distinct item text as one document with the same actors
(aliases = the item's actor name plus the mention surfaces of that actor across the eval set),
in one `label_many` job, and takes the record of the item's actor. An item whose actor gets no
record (the mention finder disagrees with the gold mentions) is scored as ``neutral`` and counted
as ``no_record`` in the report rather than silently dropped.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import ConfigError, StancekitError
from ..templates import SENTIMENT_LABELS, STANCE_LABELS
from . import baselines, metrics
from .baselines import Item, Prediction
from .evalset import is_news_folder, load_items, validate_item
from .report import headline_table, plot_confusion, render_report

SYSTEMS: tuple[str, ...] = ("majority", "lexicon", "zero-shot", "stancekit")
_MODEL_SYSTEMS = {"zero-shot", "stancekit"}


def _items_from(eval_set: Any, split: str) -> tuple[list[Item], str]:
    """Accept a bundled name, a JSONL path, a `datasets.Dataset` or a list of item dicts."""
    if isinstance(eval_set, (str, Path)):
        return load_items(eval_set, split), str(eval_set)
    rows = list(eval_set)
    items = [validate_item(dict(r), f"eval set item {i}") for i, r in enumerate(rows)]
    if split != "all":
        items = [it for it in items if it["split"] == split]
    if not items:
        raise ConfigError(f"eval set has no items with split {split!r}")
    return items, "<in-memory>"


def _possessive_free(surface: str) -> str:
    for tail in ("'s", "’s"):
        if surface.endswith(tail):
            return surface[: -len(tail)]
    return surface


def _records_by_text(
    classifier: Any, texts: list[str], idx: list[int], items: Sequence[Item], target: Any, actors: dict[str, list[str]],
    whole_documents: bool,
) -> dict[str, list[Any]]:
    """Paragraph text -> its records: each paragraph labelled alone, or with ``whole_documents`` the document's
    paragraphs joined in order and labelled as one text, its records handed back to the paragraph they came from."""
    from ..segment import segment

    numbered = {items[i]["text"]: items[i].get("paragraph") for i in idx}
    numbers = list(numbered.values())
    one_document = bool(items[idx[0]].get("doc_id")) and all(isinstance(n, int) for n in numbers) and len(
        set(numbers)) == len(numbers)  # texts without a document id, or two texts as one paragraph: not one text
    if whole_documents and one_document:
        ordered = sorted(texts, key=lambda t: numbered[t])
        joined = "\n\n".join(ordered)
        paragraphs = [p for p in segment(joined) if p.is_content]
        if [p.text.strip() for p in paragraphs] == [t.strip() for t in ordered]:
            result = classifier.label(joined, target, actors, progress=False)
            where = {p.index: t for p, t in zip(paragraphs, ordered)}
            out: dict[str, list[Any]] = {t: [] for t in texts}
            for r in result.records:
                out[where[r.paragraph]].append(r)
            return out
        logging.getLogger(__name__).warning(
            "whole documents: the paragraphs of one document do not segment back as given; labelled one by one")
    results = classifier.label_many([(str(n), t) for n, t in enumerate(texts)], target, actors, progress=False)
    return {t: list(res.records) for t, res in zip(texts, results)}


def predict_stancekit(items: Sequence[Item], classifier: Any, whole_documents: bool = False) -> list[Prediction]:
    """stancekit's predictions for each item (see the module docstring for how actors are built).

    Items are grouped by document and target; an item's ``aliases`` (the news set gives each actor's
    full alias list) are used as the actor's aliases, else the mention surfaces, and ``target_aliases``
    make the target a `Target` with those phrases. Each paragraph is labelled as a text of its own, as the
    annotation judges it; ``whole_documents``: the paragraphs of a document are labelled together, in order, as
    `stancekit label` reads an article (what a paragraph says can then rest on one before it: "welcomed the move"
    after a paragraph that reports a withdrawal). Items without a ``doc_id``, or whose paragraph numbers repeat, are
    labelled paragraph by paragraph."""
    from ..targets import Target

    out: list[Prediction | None] = [None] * len(items)
    groups: dict[tuple[str, str, tuple[str, ...]], list[int]] = {}
    for i, it in enumerate(items):
        key = (it.get("doc_id", ""), it["target"], tuple(it.get("target_aliases") or ()))
        groups.setdefault(key, []).append(i)
    for (_, target, target_aliases), idx in groups.items():
        aliases: dict[str, dict[str, None]] = {}
        for i in idx:
            it = items[i]
            bucket = aliases.setdefault(it["actor"], {it["actor"]: None})
            for a in it.get("aliases") or ():
                bucket[a] = None
            for m in it["mentions"]:
                bucket[_possessive_free(m)] = None
        actors = {name: list(a) for name, a in aliases.items()}
        tgt = Target(target, target_aliases)
        texts = list(dict.fromkeys(items[i]["text"] for i in idx))
        records = _records_by_text(classifier, texts, idx, items, tgt, actors, whole_documents)
        for i in idx:
            it = items[i]
            recs = [r for r in records[it["text"]] if r.actor == it["actor"]]
            if not recs:
                out[i] = Prediction(
                    "neutral", "neutral", {"neutral": 1.0}, {"neutral": 1.0}, note="no_record"
                )
                continue
            r = recs[0]
            out[i] = Prediction(
                r.stance,
                r.sentiment,
                {k: float(v) for k, v in r.stance_scores.items()},
                {k: float(v) for k, v in r.sentiment_scores.items()},
                evidence=r.evidence,
                target_phrase=r.target_phrase or "",
                attribution=r.attribution or "",
            )
    return [p for p in out if p is not None]


def score(items: Sequence[Item], preds: Sequence[Prediction], n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """All metrics of one system: per task accuracy / macro-F1 (with CIs), per label, confusion,
    per actor, and accuracy on the high-confidence items."""
    out: dict[str, Any] = {}
    for task, labels in (("stance", STANCE_LABELS), ("sentiment", SENTIMENT_LABELS)):
        gold = [it[task] for it in items]
        pred = [getattr(p, task) for p in preds]
        mf1 = partial(metrics.macro_f1, labels=labels)
        fav = partial(metrics.f_avg, pair=(labels[0], labels[1]))
        out[task] = {
            "accuracy": _ci(metrics.bootstrap_ci(metrics.accuracy, gold, pred, n_boot, seed)),
            "macro_f1": _ci(metrics.bootstrap_ci(mf1, gold, pred, n_boot, seed)),
            "f_avg": _ci(metrics.bootstrap_ci(fav, gold, pred, n_boot, seed)),
            "per_label": {k: vars(v) for k, v in metrics.per_label(gold, pred, labels).items()},
            "confusion": {"labels": list(labels), "matrix": metrics.confusion_matrix(gold, pred, labels)},
            "ece": metrics.expected_calibration_error(
                [metrics.label_confidence(getattr(p, f"{task}_scores"), getattr(p, task)) for p in preds],
                [g == q for g, q in zip(gold, pred)],
            ),
        }
    per_actor: dict[str, dict[str, Any]] = {}
    for actor in sorted({it["actor"] for it in items}):
        ids = [i for i, it in enumerate(items) if it["actor"] == actor]
        per_actor[actor] = {
            "n": len(ids),
            "stance_accuracy": metrics.accuracy([items[i]["stance"] for i in ids], [preds[i].stance for i in ids]),
            "sentiment_accuracy": metrics.accuracy(
                [items[i]["sentiment"] for i in ids], [preds[i].sentiment for i in ids]
            ),
        }
    out["per_actor"] = per_actor
    tags = sorted({tag for it in items for tag in it.get("phenomena") or ()})
    if tags:
        out["per_phenomenon"] = {
            tag: {
                "n": len(ids),
                "stance_accuracy": metrics.accuracy([items[i]["stance"] for i in ids], [preds[i].stance for i in ids]),
            }
            for tag in tags
            for ids in [[i for i, it in enumerate(items) if tag in (it.get("phenomena") or ())]]
        }
    high = [i for i, it in enumerate(items) if it["confidence"] == "high"]
    if high and len(high) < len(items):
        out["high_confidence"] = {
            "n": len(high),
            **{
                f"{task}_accuracy": _ci(
                    metrics.bootstrap_ci(
                        metrics.accuracy,
                        [items[i][task] for i in high],
                        [getattr(preds[i], task) for i in high],
                        n_boot,
                        seed,
                    )
                )
                for task in ("stance", "sentiment")
            },
        }
    out["no_record"] = sum(p.note == "no_record" for p in preds)
    return out


def _torch_model(scorer: Any) -> Any:
    """The scorer's PyTorch model; an ONNX Runtime scorer's model is loaded again on PyTorch (the zero-shot
    pipeline runs torch modules only)."""
    if getattr(scorer, "backend", "torch") == "torch":
        return scorer.model
    from ..nli import NLIScorer

    return NLIScorer.from_pretrained(scorer.name, device="cpu", backend="torch").model


def _ci(interval: metrics.Interval) -> dict[str, float]:
    return {"value": interval.value, "low": interval.low, "high": interval.high}


def evaluate(
    model: str | None = None,
    config: Any = None,
    eval_set: Any = "article",
    split: str = "gold",
    out_dir: str | Path = "results/eval",
    systems: Sequence[str] = SYSTEMS,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    classifier: Any = None,
    quiet: bool = False,
    progress: bool | None = False,
    whole_documents: bool = False,
) -> dict[str, Any]:
    """Run each system on the eval set, write the results folder and return metrics.json's content.

    ``model``/``config`` are as for `StanceClassifier.from_pretrained` (None: bundled model,
    packaged config); ``classifier`` passes an already-loaded one instead. The headline table is
    printed to stdout unless ``quiet``. ``progress``: a bar over the systems on stderr (None: only on a
    terminal). ``whole_documents``: stancekit labels each document's paragraphs together (`predict_stancekit`).
    """
    systems = list(dict.fromkeys(systems))
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        raise ConfigError(f"unknown system(s): {', '.join(unknown) or '(none)'} (known: {', '.join(SYSTEMS)})")
    items, source = _items_from(eval_set, split)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StancekitError(f"cannot create output folder {out}: {exc.strerror or exc}") from None

    if classifier is None and _MODEL_SYSTEMS & set(systems):
        from ..classifier import StanceClassifier

        classifier = StanceClassifier.from_pretrained(model, config)
    preds: dict[str, list[Prediction]] = {}
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(systems), desc="systems", unit="system", dynamic_ncols=True)
    try:
        for name in systems:
            if bar is not None:
                bar.set_postfix_str(f"{name} ({len(items)} items)")
            if name == "majority":
                preds[name] = baselines.majority(items)
            elif name == "lexicon":
                preds[name] = baselines.lexicon(items)
            elif name == "zero-shot":
                preds[name] = baselines.zero_shot(items, _torch_model(classifier.scorer), classifier.scorer.tokenizer)
            else:
                preds[name] = predict_stancekit(items, classifier, whole_documents=whole_documents)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()

    result: dict[str, Any] = {
        "meta": {
            "eval_set": source,
            "split": split,
            "n": len(items),
            "n_high_confidence": sum(it["confidence"] == "high" for it in items),
            "model": getattr(classifier, "model_name", None),
            # what ran the model: labels can move by an item between float32 and bfloat16-mixed (docs/performance.md)
            "backend": getattr(getattr(classifier, "scorer", None), "backend", None),
            "precision": getattr(getattr(classifier, "scorer", None), "precision", None),
            "config": str(config) if isinstance(config, (str, Path)) else (None if config is None else "<LabelConfig>"),
            "bootstrap": n_boot,
            "seed": seed,
            "systems": systems,
            "whole_documents": whole_documents,
        },
        "systems": {name: score(items, p, n_boot, seed) for name, p in preds.items()},
    }
    with open(out / "predictions.jsonl", "w", encoding="utf-8") as f:
        for name, ps in preds.items():
            for it, p in zip(items, ps):
                row = {
                    "id": it["id"],
                    "system": name,
                    "actor": it["actor"],
                    "stance": p.stance,
                    "sentiment": p.sentiment,
                    "stance_scores": {k: round(v, 4) for k, v in p.stance_scores.items()},
                    "sentiment_scores": {k: round(v, 4) for k, v in p.sentiment_scores.items()},
                    "gold_stance": it["stance"],
                    "gold_sentiment": it["sentiment"],
                }
                if p.note:
                    row["note"] = p.note
                if p.evidence:
                    row["evidence"] = p.evidence
                if p.target_phrase:
                    row["target_phrase"] = p.target_phrase
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "metrics.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_report(result), encoding="utf-8")
    plot_confusion(result, out / "confusion.png")
    if not quiet:
        print(f"{source} [{split}], {len(items)} items -> {out}/")
        print(headline_table(result))
    return result


# ---------------------------------------------------------------------------- CLI glue
def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared by `stancekit evaluate` and scripts/evaluate.py."""
    p.add_argument("--model", metavar="M", help="NLI model folder or hub id (default: $STANCEKIT_MODEL or bundled)")
    p.add_argument("--config", metavar="C", help="label config YAML (default: packaged configs/default.yaml)")
    p.add_argument(
        "--set", "--eval-set", dest="eval_set", default="article", metavar="article|news|PATH",
        help="bundled eval set (article, news), a JSONL file, or a folder laid out like the news set (index.yaml, "
        "one folder per text; default: article)",
    )
    p.add_argument(
        "--split", default=None, metavar="gold|contrast|dev|dev2|test|all",
        help="which items to score (default: gold for the article, dev for news)",
    )
    p.add_argument(
        "--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS, metavar="S",
        help=f"systems to compare (default: all of {', '.join(SYSTEMS)})",
    )
    p.add_argument("-o", "--output", default="results/eval", metavar="DIR", help="results folder (default: results/eval)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument(
        "--whole-documents", action="store_true",
        help="label each document's paragraphs together, as `stancekit label` reads an article (default: each "
        "paragraph on its own, as the annotation judges it)",
    )


def default_split(eval_set: str) -> str:
    """``dev`` for the news set and folders laid out like it, ``gold`` for the article and JSONL files."""
    return "dev" if eval_set == "news" or is_news_folder(eval_set) else "gold"


def run_from_args(args: argparse.Namespace) -> int:
    evaluate(
        model=args.model,
        config=args.config,
        eval_set=args.eval_set,
        split=args.split or default_split(args.eval_set),
        out_dir=args.output,
        systems=args.systems,
        n_boot=args.bootstrap,
        seed=args.seed,
        progress=getattr(args, "progress_bar", False),
        whole_documents=getattr(args, "whole_documents", False),
    )
    return 0
