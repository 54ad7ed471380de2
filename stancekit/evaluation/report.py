"""Turning scored systems into report.md, the stdout headline table and confusion.png.

Formatting lives here, away from the scoring, so the numbers in metrics.json and the report
are the same objects. Every headline number is shown with its bootstrap 95% interval
("0.62 [0.45, 0.78]") because the gold set is small.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..templates import SENTIMENT_LABELS, STANCE_LABELS

HEADLINE = (
    ("stance acc", "stance", "accuracy"),
    ("stance macro-F1", "stance", "macro_f1"),
    ("sentiment acc", "sentiment", "accuracy"),
    ("sentiment macro-F1", "sentiment", "macro_f1"),
)


def fmt_ci(ci: dict[str, float]) -> str:
    """``{"value": .62, "low": .45, "high": .78}`` -> ``"0.62 [0.45, 0.78]"``."""
    return f"{ci['value']:.2f} [{ci['low']:.2f}, {ci['high']:.2f}]"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def headline_table(metrics: dict[str, Any]) -> str:
    """The systems side by side: accuracy and macro-F1 for stance and sentiment, with CIs."""
    rows = []
    for name, m in metrics["systems"].items():
        rows.append([name] + [fmt_ci(m[task][key]) for _, task, key in HEADLINE])
    return _table(["system"] + [h for h, _, _ in HEADLINE], rows)


def per_actor_table(metrics: dict[str, Any]) -> str:
    """Stance / sentiment accuracy per actor, one column per system."""
    systems = list(metrics["systems"])
    actors = sorted({a for m in metrics["systems"].values() for a in m["per_actor"]})
    rows = []
    for actor in actors:
        first = next(m["per_actor"][actor] for m in metrics["systems"].values() if actor in m["per_actor"])
        row = [actor, str(first["n"])]
        for s in systems:
            pa = metrics["systems"][s]["per_actor"].get(actor)
            row.append(f"{pa['stance_accuracy']:.2f} / {pa['sentiment_accuracy']:.2f}" if pa else "-")
        rows.append(row)
    return _table(["actor", "n"] + [f"{s} (stance / sentiment acc)" for s in systems], rows)


def per_label_table(metrics: dict[str, Any], task: str) -> str:
    """Precision / recall / F1 per gold label, one column group per system."""
    labels = STANCE_LABELS if task == "stance" else SENTIMENT_LABELS
    systems = list(metrics["systems"])
    rows = []
    for lab in labels:
        support = metrics["systems"][systems[0]][task]["per_label"][lab]["support"] if systems else 0
        row = [lab, str(support)]
        for s in systems:
            pl = metrics["systems"][s][task]["per_label"][lab]
            row.append(f"{pl['precision']:.2f} / {pl['recall']:.2f} / {pl['f1']:.2f}")
        rows.append(row)
    return _table([task, "n"] + [f"{s} (P / R / F1)" for s in systems], rows)


def per_phenomenon_table(metrics: dict[str, Any]) -> str:
    """Stance accuracy per phenomenon tag (reported speech, negation, ...), one column per system."""
    systems = [s for s, m in metrics["systems"].items() if "per_phenomenon" in m]
    tags = sorted({t for s in systems for t in metrics["systems"][s]["per_phenomenon"]})
    rows = []
    for tag in tags:
        first = metrics["systems"][systems[0]]["per_phenomenon"][tag]
        rows.append([tag, str(first["n"])] + [f"{metrics['systems'][s]['per_phenomenon'][tag]['stance_accuracy']:.2f}" for s in systems])
    return _table(["phenomenon", "n"] + [f"{s} stance acc" for s in systems], rows)


def confusion_table(conf: dict[str, Any]) -> str:
    labels = conf["labels"]
    rows = [[f"**{g}**"] + [str(v) for v in row] for g, row in zip(labels, conf["matrix"])]
    return _table(["gold \\ predicted"] + labels, rows)


def render_report(metrics: dict[str, Any], focus: str = "stancekit") -> str:
    """The whole report.md: headline, per-label, per-actor tables and the focus system's confusion."""
    meta = metrics["meta"]
    parts = [
        "# stancekit evaluation",
        "",
        f"- eval set: `{meta['eval_set']}`, split `{meta['split']}`, {meta['n']} items "
        f"({meta['n_high_confidence']} marked high confidence)",
        f"- model: `{meta.get('model') or '-'}`; config: `{meta.get('config') or 'default'}`"
        + (f"; ran on {meta['backend']} in {meta['precision']}"
           if meta.get("backend") and meta.get("precision") else ""),
        *(["- stancekit labelled each document's paragraphs together (`--whole-documents`)"]
          if meta.get("whole_documents") else []),
        f"- 95% intervals: percentile bootstrap over items, n={meta['bootstrap']}, seed={meta['seed']}",
        "- `majority` predicts the most frequent gold label *of this eval set* (it peeks at the gold "
        "labels); `lexicon` is cue words near the mention; `zero-shot` is transformers' "
        "zero-shot-classification pipeline on the same NLI model with the paragraph as premise.",
        "",
        "## Headline",
        "",
        headline_table(metrics),
        "",
        "Stance F_avg (SemEval, mean F1 of support and oppose): "
        + ", ".join(f"{s} {m['stance']['f_avg']['value']:.2f}" for s, m in metrics["systems"].items()),
        "",
        "Expected calibration error of the chosen label's score, stance / sentiment (0 = a score of 0.8 is right "
        "80% of the time): "
        + ", ".join(f"{s} {m['stance'].get('ece', 0):.2f} / {m['sentiment'].get('ece', 0):.2f}"
                    for s, m in metrics["systems"].items()),
        "",
    ]
    if any("high_confidence" in m for m in metrics["systems"].values()):
        rows = [
            [s, fmt_ci(m["high_confidence"]["stance_accuracy"]), fmt_ci(m["high_confidence"]["sentiment_accuracy"])]
            for s, m in metrics["systems"].items()
            if "high_confidence" in m
        ]
        parts += ["### High-confidence items only", "", _table(["system", "stance acc", "sentiment acc"], rows), ""]
    parts += [
        "## Per label: stance",
        "",
        per_label_table(metrics, "stance"),
        "",
        "## Per label: sentiment",
        "",
        per_label_table(metrics, "sentiment"),
        "",
        "## Per actor",
        "",
        per_actor_table(metrics),
        "",
    ]
    if any("per_phenomenon" in m for m in metrics["systems"].values()):
        parts += ["## Per phenomenon (stance accuracy)", "", per_phenomenon_table(metrics), ""]
    focus_name = focus if focus in metrics["systems"] else next(iter(metrics["systems"]), None)
    if focus_name is not None:
        m = metrics["systems"][focus_name]
        parts += [
            f"## Confusion matrices ({focus_name})",
            "",
            "Stance:",
            "",
            confusion_table(m["stance"]["confusion"]),
            "",
            "Sentiment:",
            "",
            confusion_table(m["sentiment"]["confusion"]),
            "",
        ]
        if m.get("no_record"):
            parts += [f"{m['no_record']} item(s) got no record from {focus_name} (actor not found); scored as neutral.", ""]
    return "\n".join(parts)


def plot_confusion(metrics: dict[str, Any], path: str | Path, focus: str = "stancekit") -> Path:
    """confusion.png: stance and sentiment confusion matrices of one system side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = focus if focus in metrics["systems"] else next(iter(metrics["systems"]))
    m = metrics["systems"][name]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    try:
        for ax, task in zip(axes, ("stance", "sentiment")):
            conf = m[task]["confusion"]
            labels, matrix = conf["labels"], conf["matrix"]
            ax.imshow(matrix, cmap="Blues", vmin=0)
            ax.set_xticks(range(len(labels)), labels)
            ax.set_yticks(range(len(labels)), labels)
            ax.set_xlabel("predicted")
            ax.set_ylabel("gold")
            ax.set_title(f"{name}: {task}")
            top = max((v for row in matrix for v in row), default=0)
            for i, row in enumerate(matrix):
                for j, v in enumerate(row):
                    ax.text(j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
        fig.tight_layout()
        out = Path(path)
        fig.savefig(out, dpi=100)
    finally:
        plt.close(fig)
    return out
