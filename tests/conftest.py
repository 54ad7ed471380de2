"""Tiny real models, built once per test session (no downloads, no mocked math).

Each model is a BertForSequenceClassification with a 16-dim hidden layer and a small word
vocabulary, saved with save_pretrained so the real loading, tokenising, batching and decision
code runs. Several share the same weights with different label configs, so a test can check
that label ids are read from config.id2label (a permutation of the labels must permute scores).
"""
from __future__ import annotations

from pathlib import Path

import pytest

WORDS = """
the a an of and to in is are was be will not no it its his this that for on with as by from
plan peace deal agreement supports support opposes oppose against favor favour backs rejects
rejected accepted accept welcomed welcome criticised criticized praised threatened said says
portrayed positively negatively neutral country people vote referendum government minister
president envoy talks negotiations war army border territory sanctions measures control city
trump russia russian moscow ukraine ukrainian kyiv zelensky nato germany german berlin france
french paris europe european united states kingdom britain british america american putin
also very low high likely unlikely other two both they them he she their must guarantee
""".split()

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SUBWORDS = ["##s", "##ed", "##ing", "##ly", "##n", "##a", "##e", "##i", "##o", "##r", "##t", "."]

LABELS_3 = {0: "entailment", 1: "neutral", 2: "contradiction"}
LABELS_3_PERMUTED = {0: "contradiction", 1: "entailment", 2: "neutral"}
LABELS_2 = {0: "entailment", 1: "not_entailment"}
LABELS_SENTIMENT = {0: "NEGATIVE", 1: "POSITIVE"}
LABELS_GENERIC = {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}


def _save(root: Path, name: str, model, tokenizer, id2label: dict[int, str]) -> Path:
    out = root / name
    model.config.id2label = dict(id2label)
    model.config.label2id = {v: k for k, v in id2label.items()}
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """Paths of tiny model folders: nli3, nli3_permuted (same weights as nli3), nli2,
    generic (LABEL_i, same weights as nli3), sentiment (POSITIVE/NEGATIVE), plus vocab.txt."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny_models")
    vocab = root / "vocab.txt"
    vocab.write_text("\n".join(SPECIALS + list(dict.fromkeys(WORDS)) + SUBWORDS) + "\n", encoding="utf-8")
    # transformers 5 takes the vocab path as `vocab` (4.x: `vocab_file`).
    try:
        tokenizer = BertTokenizerFast(vocab=str(vocab), do_lower_case=True)
    except TypeError:  # pragma: no cover - transformers 4.x
        tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    assert tokenizer.tokenize("Russia supports the plan.")[0] == "russia", "tiny vocab not loaded"
    tokenizer.model_max_length = 512

    def build(num_labels: int, seed: int):
        torch.manual_seed(seed)
        cfg = BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=512,
            num_labels=num_labels,
            initializer_range=0.6,  # large random weights: outputs vary visibly between pairs
        )
        model = BertForSequenceClassification(cfg)
        with torch.no_grad():
            model.classifier.weight.mul_(3.0)
        return model

    paths = {"vocab": vocab}
    m3 = build(3, seed=1)
    paths["nli3"] = _save(root, "nli3", m3, tokenizer, LABELS_3)
    paths["nli3_permuted"] = _save(root, "nli3_permuted", m3, tokenizer, LABELS_3_PERMUTED)
    paths["generic"] = _save(root, "generic", m3, tokenizer, LABELS_GENERIC)
    paths["nli2"] = _save(root, "nli2", build(2, seed=2), tokenizer, LABELS_2)
    paths["sentiment"] = _save(root, "sentiment", build(2, seed=3), tokenizer, LABELS_SENTIMENT)
    return paths


@pytest.fixture(scope="session")
def nli3_scorer(tiny_models):
    from stancekit.nli import NLIScorer

    return NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")



#: Stance and sentiment scores of a record with each label (records built by hand in the aggregation and report
#: tests).
LABEL_SCORES = {
    "support": {"support": 0.8, "oppose": 0.1, "neutral": 0.1},
    "oppose": {"support": 0.1, "oppose": 0.7, "neutral": 0.2},
    "neutral": {"support": 0.2, "oppose": 0.2, "neutral": 0.6},
    "positive": {"positive": 0.7, "negative": 0.1, "neutral": 0.2},
    "negative": {"positive": 0.1, "negative": 0.6, "neutral": 0.3},
}

ARTICLE = """MNA

Trump presented his plan after talks with Moscow. Russia welcomed the plan. The plan is in Russia's favor.

Zelensky is against this plan. It is unlikely that the Ukrainian people will vote for it.

Germany and France are also against the plan, and Trump threatened other measures against them.
"""


@pytest.fixture
def article_text() -> str:
    return ARTICLE


ACTORS_YAML = """target: the plan
actors:
  Trump: [Trump]
  Russia: [Russia, Moscow, Russian]
  Ukraine: [Ukraine, Ukrainian]
  NATO: [NATO]
"""


@pytest.fixture
def actors_yaml_text() -> str:
    """A small actors file (four actors of the conftest article) for CLI-level tests."""
    return ACTORS_YAML


@pytest.fixture
def actors_map() -> dict[str, list[str]]:
    return {
        "Trump": ["Trump"],
        "Russia": ["Russia", "Moscow", "Russian"],
        "Ukraine": ["Ukraine", "Ukrainian"],
        "Zelensky": ["Zelensky"],
        "Germany": ["Germany"],
        "France": ["France"],
        "NATO": ["NATO"],
    }
