"""The bundled default model (stancekit/models/nli-mpnet): its weights are the ones its model card records,
it loads, and it labels sentences of unmistakable stance correctly, so a corrupt, swapped or mislabelled
bundled model fails here. Also the most-decisive-unit rule, on premises whose scores differ widely."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import stancekit
from stancekit import decide
from stancekit.classifier import DEFAULT_MODEL_DIR, StanceClassifier
from stancekit.cli import main
from stancekit.output import render

ACTORS = {"Norway": ["Norway"]}
#: (sentence, stance, sentiment or None): the bundled model gets these right by a wide margin.
CLEAR = [
    ("Norway strongly opposes the plan.", "oppose", None),
    ("Norway fully supports the plan.", "support", None),
    # Praising is taking a side, not being portrayed (sentiment: the aligned margin's call, not asserted here);
    # being praised is a positive portrayal.
    ("Norway praised the plan as a great success.", "support", None),
    ("Norway was widely praised for its generous support of the plan.", "support", "positive"),
    ("Norway held elections in September.", "neutral", "neutral"),
]


@pytest.fixture(scope="module")
def bundled() -> StanceClassifier:
    return StanceClassifier.from_pretrained(str(DEFAULT_MODEL_DIR), device="cpu")


def test_weights_are_the_ones_the_model_card_records():
    """Every weights file (one model.safetensors, or the shards of a larger model, and a patch over them) is
    recorded in the card once, with its sha256, and the card records no file that is not there."""
    card = (DEFAULT_MODEL_DIR / "README.md").read_text(encoding="utf-8")
    found = dict(re.findall(r"`((?:model|patch)[-\w.]*\.safetensors)` sha256 `([0-9a-f]{64})`", card))
    present = {p.name for p in DEFAULT_MODEL_DIR.glob("*.safetensors")}
    assert present and set(found) == present, (sorted(found), sorted(present))
    for name, digest in found.items():
        assert hashlib.sha256((DEFAULT_MODEL_DIR / name).read_bytes()).hexdigest() == digest, name
        assert (DEFAULT_MODEL_DIR / name).stat().st_size < 100 * 10**6, f"{name}: over the 100 MB per-file limit"


@pytest.mark.parametrize("text, stance, sentiment", CLEAR)
def test_labels_sentences_of_clear_stance(bundled, text, stance, sentiment):
    rec = bundled.label(text, "the plan", ACTORS).records[0]
    assert rec.stance == stance and rec.stance_scores[stance] >= 0.6, rec.stance_scores
    if sentiment is not None:
        assert rec.sentiment == sentiment, rec.sentiment_scores


@pytest.mark.parametrize("order", ["neutral first", "decisive first"])
def test_the_most_decisive_sentence_decides(bundled, order):
    """Two sentences name the actor; the one that takes a position must give the label and the evidence
    wherever it stands (choosing "always the first unit" fails the neutral-first case by a wide margin)."""
    neutral, decisive = "Norway held elections in September.", "Norway strongly opposes the plan."
    alone = {s: bundled.label(s, "the plan", ACTORS).records[0] for s in (neutral, decisive)}
    assert decide.polar_mass(alone[decisive].stance_scores) - decide.polar_mass(alone[neutral].stance_scores) > 0.4
    text = f"{neutral} {decisive}" if order == "neutral first" else f"{decisive} {neutral}"
    rec = bundled.label(text, "the plan", ACTORS).records[0]
    assert rec.windows == 2
    assert rec.evidence == decisive and rec.stance == "oppose"
    assert rec.stance_scores == pytest.approx(alone[decisive].stance_scores, abs=1e-4)


def test_shown_as_bundled_never_as_a_package_path(bundled, tmp_path, capsys, monkeypatch):
    package = str(Path(stancekit.__file__).resolve().parent)
    assert bundled.model_name == "bundled: nli-mpnet"
    res = bundled.label(CLEAR[0][0], "the plan", ACTORS)
    for fmt in ("table", "html"):
        page = render(res, fmt)
        assert "model: bundled: nli-mpnet" in page and package not in page
    monkeypatch.delenv("STANCEKIT_MODEL", raising=False)
    art = tmp_path / "a.txt"
    art.write_text(CLEAR[0][0], encoding="utf-8")
    assert main(["label", str(art), "--actor", "Norway", "--target", "the plan", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("target: the plan    model: bundled: nli-mpnet    paragraphs: 1") and package not in out


def test_readme_sample_output_is_what_label_prints(bundled, capsys, monkeypatch):
    """The README's `stancekit label` sample: the same header, columns and (paragraph, actor) rows as the
    command prints now (the model's numbers and labels may move when the model or config changes)."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    sample = readme.split("Output (bundled model", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    monkeypatch.delenv("STANCEKIT_MODEL", raising=False)
    monkeypatch.chdir(root)
    assert main(["label", "stancekit/data/article/article.txt", "--actors", "stancekit/data/article/actors.yaml",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out

    def shape(text: str) -> list[str]:
        rows = text.splitlines()
        cells = [" ".join(line.split()[:2]) if line[:4].strip().isdigit() else line.split("  ")[0] for line in rows]
        return rows[:3] + cells[3:]

    assert shape(sample) == shape(printed)
