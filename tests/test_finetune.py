"""The whole fine-tuning path on a tiny model and a handful of rows: config load and validation,
overrides, data mapping (NLI, stance → NLI pairs, sentiment), label alignment, de-duplication,
training steps, save, reload, and labelling with the result."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from stancekit.errors import ConfigError
from stancekit.finetune.config import AugmentArgs, DataSource, load_finetune_config
from stancekit.finetune.data import Pair, align_labels, build_pairs, dedup, stance_pairs
from stancekit.templates import TemplateSet


def _jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture
def data_files(tmp_path):
    nli = _jsonl(tmp_path / "nli.jsonl", [
        {"premise": "Russia supports the plan.", "hypothesis": "Russia backs the plan.", "label": "entailment"},
        {"premise": "Germany opposes the plan.", "hypothesis": "Germany supports the plan.", "label": "contradiction"},
        {"premise": "France said the talks were long.", "hypothesis": "France supports the plan.", "label": "neutral"},
        {"premise": "Ukraine rejected the deal.", "hypothesis": "Ukraine accepted the deal.", "label": "contradiction"},
    ] * 3)
    stance = _jsonl(tmp_path / "stance.jsonl", [
        {"tweet": "the plan is good", "topic": "the plan", "y": "FAVOR"},
        {"tweet": "the plan is bad", "topic": "the plan", "y": "AGAINST"},
        {"tweet": "the weather is bad", "topic": "the plan", "y": "NONE"},
        {"tweet": "peace now", "topic": "the plan", "y": "FAVOR"},
    ])
    evalf = _jsonl(tmp_path / "eval.jsonl", [
        {"premise": "Russia supports the plan.", "hypothesis": "Russia backs the plan.", "label": "entailment"},
        {"premise": "Putin backs the deal.", "hypothesis": "Putin supports the deal.", "label": "entailment"},
    ])
    return {"nli": nli, "stance": stance, "eval": evalf}


def _config(tmp_path, base, data_files, **extra) -> Path:
    raw = {
        "model": {"base": str(base)},
        "output_dir": str(tmp_path / "run"),
        "data": {
            "train": [
                {"path": data_files["nli"], "name": "tiny-nli"},
                {"path": data_files["stance"], "name": "tiny-stance", "format": "stance",
                 "columns": {"text": "tweet", "target": "topic", "label": "y"},
                 "labels": {"FAVOR": "support", "AGAINST": "oppose", "NONE": "neutral"}},
            ],
            "evaluate": [{"path": data_files["eval"], "name": "tiny-eval"}],
            "validation_fraction": 0.2,
        },
        "training": {"epochs": 1, "batch_size": 4, "eval_batch_size": 8, "max_length": 64, "learning_rate": 1e-3,
                     "logging_steps": 1, "threads": 1},
    }
    for key, value in extra.items():
        raw[key] = value
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_config_refuses_unknown_keys_and_bad_types(tmp_path, tiny_models, data_files):
    path = _config(tmp_path, tiny_models["nli3"], data_files)
    raw = yaml.safe_load(path.read_text())
    raw["training"]["epochz"] = 2
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=r"training\.epochz: unknown key"):
        load_finetune_config(path)
    with pytest.raises(ConfigError, match=r"training\.batch_size: expected an integer"):
        load_finetune_config(_config(tmp_path, tiny_models["nli3"], data_files), ["training.batch_size=big"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="malformed YAML .*line"):
        load_finetune_config(bad)
    with pytest.raises(ConfigError, match=r"data\.train\[0\]\.format"):
        load_finetune_config(_config(tmp_path, tiny_models["nli3"], data_files), ["data.train=[{path: x, format: qa}]"])


def test_overrides_apply_before_validation(tmp_path, tiny_models, data_files):
    cfg = load_finetune_config(_config(tmp_path, tiny_models["nli3"], data_files),
                               ["training.epochs=2", "output_dir=elsewhere", "training.learning_rate=3e-5"])
    assert cfg.training.epochs == 2.0 and cfg.output_dir == "elsewhere" and cfg.training.learning_rate == 3e-5


def test_stance_examples_become_template_pairs(tmp_path, data_files):
    src = DataSource(path=data_files["stance"], format="stance", columns={"text": "tweet", "target": "topic", "label": "y"},
                     labels={"FAVOR": "support", "AGAINST": "oppose", "NONE": "neutral"})
    rows = [json.loads(l) for l in Path(data_files["stance"]).read_text().splitlines()]
    tpl = TemplateSet()
    pairs = stance_pairs(src, rows, tpl, AugmentArgs(both_hypotheses=True, composite_fraction=0, bystander_fraction=0),
                         random.Random(0))
    assert len(pairs) == 8  # two hypotheses per example
    favor = [p for p in pairs if "the plan is good" in p.premise]
    by_hyp = {("supports" in p.hypothesis): p.label for p in favor}
    assert by_hyp == {True: "entailment", False: "contradiction"}
    none = [p for p in pairs if "weather" in p.premise]
    assert {p.label for p in none} == {"neutral"}
    # the hypothesis is about the speaker named in the premise, with the classifier's own template
    for p in pairs:
        speaker = p.hypothesis.split(" supports ")[0].split(" opposes ")[0]
        assert speaker.lower() in p.premise.lower()


def test_composites_and_bystanders_attribute_per_actor(data_files):
    src = DataSource(path=data_files["stance"], format="stance", columns={"text": "tweet", "target": "topic", "label": "y"},
                     labels={"FAVOR": "support", "AGAINST": "oppose", "NONE": "neutral"})
    rows = [json.loads(l) for l in Path(data_files["stance"]).read_text().splitlines()] * 10
    pairs = stance_pairs(src, rows, TemplateSet(), AugmentArgs(composite_fraction=0.5, bystander_fraction=0.3), random.Random(1))
    sources = {p.source.split(":")[-1] for p in pairs}
    assert {"composite", "bystander"} <= sources
    assert all(p.label == "neutral" for p in pairs if p.source.endswith("bystander"))
    comp = [p for p in pairs if p.source.endswith("composite")]
    # a composite premise carries hypotheses for two different speakers with different labels
    premises = {}
    for p in comp:
        premises.setdefault(p.premise, set()).add(p.hypothesis.split(" ")[0])
    assert any(len(v) == 2 for v in premises.values())


def test_label_alignment_and_dedup():
    pairs = [Pair("a", "b", "entailment", "s"), Pair("a", "c", "neutral", "s"), Pair("a", "d", "contradiction", "s")]
    assert align_labels(pairs, {"contradiction": 0, "entailment": 1, "neutral": 2}) == [1, 2, 0]
    assert align_labels(pairs, {"entailment": 0, "not_entailment": 1}) == [0, 1, 1]
    with pytest.raises(ConfigError, match="not_entailment"):
        align_labels([Pair("a", "b", "not_entailment", "rte")], {"entailment": 0, "neutral": 1, "contradiction": 2})
    kept, dropped = dedup(pairs + [Pair(" A ", "B", "entailment", "dup")], [Pair("a", "c", "neutral", "eval")])
    assert dropped == 2 and [p.hypothesis for p in kept] == ["b", "d"]


def test_missing_column_names_the_fix(tmp_path, data_files):
    src = DataSource(path=data_files["stance"], format="stance")
    with pytest.raises(ConfigError, match=r"set columns\.label .*columns found: topic, tweet, y"):
        build_pairs([src], TemplateSet(), AugmentArgs(), 0)


def test_finetune_end_to_end_then_label(tmp_path, tiny_models, data_files, monkeypatch):
    """Tiny base with a *permuted* NLI head: its label ids must be kept; train, save, reload, label."""
    from stancekit.classifier import StanceClassifier
    from stancekit.cli import main

    cfg_path = _config(tmp_path, tiny_models["nli3_permuted"], data_files)
    assert main(["finetune", str(cfg_path), "--set", "training.max_steps=3"]) == 0
    run = tmp_path / "run"
    for name in ("model/config.json", "model/model.safetensors", "config.resolved.yaml", "metrics.json", "README.md"):
        assert (run / name).is_file(), name
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["global_steps"] == 3
    assert metrics["dedup_dropped"] >= 3  # the eval pair appears 3 times in training data
    assert 0.0 <= metrics["eval/tiny-eval/accuracy"] <= 1.0
    conf = json.loads((run / "model/config.json").read_text())
    assert conf["label2id"] == {"contradiction": 0, "entailment": 1, "neutral": 2}
    card = (run / "README.md").read_text()
    assert "tiny-nli" in card and "Hyper-parameters" in card and "tiny-eval" in card
    clf = StanceClassifier.from_pretrained(run / "model")
    doc = clf.label("Germany opposes the plan.\n\nFrance said nothing.", target="the plan",
                    actors={"Germany": ["Germany"], "France": ["France"]}, progress=False)
    assert [r.actor for r in doc.records] == ["Germany", "France"]
    assert abs(sum(doc.records[0].stance_scores.values()) - 1) < 1e-5


def test_new_head_on_a_plain_encoder_and_resume(tmp_path, tiny_models, data_files):
    from stancekit.finetune import finetune

    cfg_path = _config(tmp_path, tiny_models["generic"], data_files)
    res = finetune(cfg_path, ["training.max_steps=2", "training.eval_steps=1"])
    conf = json.loads((res.output_dir / "model/config.json").read_text())
    assert conf["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    # a second run with more steps resumes from the saved checkpoint instead of starting over
    res2 = finetune(cfg_path, ["training.max_steps=3", "training.eval_steps=1"])
    assert res2.metrics["global_steps"] == 3


def test_unrelated_targets_are_neutral(tmp_path):
    rows = [{"t": f"text {i} about the plan", "g": "the plan", "y": "FAVOR"} for i in range(20)]
    rows += [{"t": f"text {i} about taxes", "g": "taxes", "y": "AGAINST"} for i in range(20)]
    src = DataSource(path=_jsonl(tmp_path / "two.jsonl", rows), format="stance", columns={"text": "t", "target": "g", "label": "y"},
                     labels={"FAVOR": "support", "AGAINST": "oppose"})
    pairs = stance_pairs(src, rows, TemplateSet(), AugmentArgs(composite_fraction=0, bystander_fraction=0, unrelated_fraction=0.5),
                         random.Random(3))
    unrelated = [p for p in pairs if p.source.endswith(":unrelated")]
    assert 5 <= len(unrelated) <= 35
    assert {p.label for p in unrelated} == {"neutral"}
    for p in unrelated:  # asked about the *other* target than the one the text is about
        about_plan = "about the plan" in p.premise
        assert ("taxes" in p.hypothesis) == about_plan
    # without the option there are none
    none = stance_pairs(src, rows, TemplateSet(), AugmentArgs(composite_fraction=0, bystander_fraction=0), random.Random(3))
    assert not [p for p in none if p.source.endswith(":unrelated")]


def test_mention_marking_marks_only_the_asked_actor(data_files):
    """With augment.mark_mentions each hypothesis gets its own premise in which only its actor is marked,
    and the pairs are otherwise the same as without marking (same random draws)."""
    src = DataSource(path=data_files["stance"], format="stance", columns={"text": "tweet", "target": "topic", "label": "y"},
                     labels={"FAVOR": "support", "AGAINST": "oppose", "NONE": "neutral"})
    rows = [json.loads(l) for l in Path(data_files["stance"]).read_text().splitlines()] * 10
    aug = dict(composite_fraction=0.5, bystander_fraction=0.3)
    plain = stance_pairs(src, rows, TemplateSet(), AugmentArgs(**aug), random.Random(1))
    marked = stance_pairs(src, rows, TemplateSet(), AugmentArgs(mark_mentions=True, **aug), random.Random(1))
    assert [(p.hypothesis, p.label) for p in plain] == [(p.hypothesis, p.label) for p in marked]
    for p, m in zip(plain, marked):
        assert m.premise.replace("[", "").replace("]", "") == p.premise
        actor = p.hypothesis.split(" supports ")[0].split(" opposes ")[0]
        assert f"[{actor}]".lower() in m.premise.lower(), (actor, m.premise)
        assert m.premise.count("[") == m.premise.count("]") >= 1
    comp = [m for m in marked if m.source.endswith("composite")]
    assert comp and all(m.texts and len(m.texts) == 2 for m in comp)
    # the two speakers of one composite see two different marked premises
    by_plain = {}
    for p, m in zip(plain, marked):
        if m.source.endswith("composite"):
            by_plain.setdefault(p.premise, set()).add(m.premise)
    assert any(len(v) == 2 for v in by_plain.values())


def test_sentiment_marking_and_dedup_of_marked_premises(tmp_path):
    from stancekit.finetune.train import _banned_texts, _contains_banned

    rows = [{"s": "Critics said Merz failed, and Macron agreed.", "a": "Merz", "p": "neg"}]
    src = DataSource(path=_jsonl(tmp_path / "sent.jsonl", rows), format="sentiment",
                     columns={"text": "s", "actor": "a", "label": "p"}, labels={"neg": "negative"})
    pairs = build_pairs([src], TemplateSet(), AugmentArgs(mark_mentions=True), 0)[0]
    assert pairs[0].premise == "Critics said [Merz] failed, and Macron agreed."
    # an evaluation file holding the raw sentence still bans the marked training pair
    banned = _jsonl(tmp_path / "dev.jsonl", [{"text": rows[0]["s"]}])
    _, texts = _banned_texts([banned])
    assert _contains_banned(pairs[0], texts)
    assert not _contains_banned(Pair("[Merz] lost.", "Merz is portrayed negatively.", "entailment", "x", ("Merz lost.",)), texts)


def test_dedup_finds_quoted_texts_inside_framed_premises(tmp_path):
    """A stance text that itself contains double quotes, framed as reported speech, is still recognised
    as an evaluation text (splitting the premise on quotes alone missed it)."""
    from stancekit.finetune.train import _banned_texts, _contains_banned

    text = 'The concept of "traditional marriage" has changed over time.'
    rows = [{"t": text, "g": "the claim that marriage is old", "y": "FAVOR"}]
    src = DataSource(path=_jsonl(tmp_path / "st.jsonl", rows), format="stance", columns={"text": "t", "target": "g", "label": "y"},
                     labels={"FAVOR": "support"})
    pairs = build_pairs([src], TemplateSet(), AugmentArgs(composite_fraction=0, bystander_fraction=0), 0)[0]
    assert text in pairs[0].premise and pairs[0].premise != text
    _, texts = _banned_texts([_jsonl(tmp_path / "dev.jsonl", [{"perspective": text}])])
    assert _contains_banned(pairs[0], texts)


def test_marking_model_round_trip(tmp_path, tiny_models, data_files):
    """A model fine-tuned with mark_mentions says so in its config; `label` then marks the asked actor
    (mark_mentions: auto) and a config can switch it off."""
    from stancekit.classifier import StanceClassifier
    from stancekit.finetune import finetune

    cfg_path = _config(tmp_path, tiny_models["nli3"], data_files)
    res = finetune(cfg_path, ["training.max_steps=1", "data.augment.mark_mentions=true", "training.eval_steps=null"])
    conf = json.loads((res.output_dir / "model/config.json").read_text())
    assert conf["stancekit_mark_mentions"] is True
    text = "Germany and France met. Germany opposes the plan."
    actors = {"Germany": ["Germany"], "France": ["France"]}
    clf = StanceClassifier.from_pretrained(res.output_dir / "model")
    assert clf.marks_mentions
    prep = clf.preprocess(text, "the plan", clf._actors(actors)[0])
    # one premise per sentence that names the actor; the same sentence is marked differently per actor
    assert {p for p, _ in prep.pairs} == {"[Germany] and France met.", "[Germany] opposes the plan.",
                                          "Germany and [France] met."}
    doc = clf.label(text, target="the plan", actors=actors, progress=False)
    assert [r.actor for r in doc.records] == ["Germany", "France"]
    off = StanceClassifier.from_pretrained(res.output_dir / "model", config=None, mark_mentions=False)
    assert not off.marks_mentions
    assert all("[" not in p for p, _ in off.preprocess(text, "the plan", off._actors(actors)[0]).pairs)
    # the untouched tiny model was not trained with marking: auto means off
    assert not StanceClassifier.from_pretrained(tiny_models["nli3"]).marks_mentions


def test_bundled_base_names_the_default_model(monkeypatch, tmp_path):
    """model.base "stancekit:default" is the model `label` uses (configs/example-own-data.yaml adapts it)."""
    from stancekit import classifier
    from stancekit.errors import ModelError
    from stancekit.finetune.train import resolve_base

    fake = tmp_path / "bundled"
    fake.mkdir()
    (fake / "config.json").write_text("{}")
    monkeypatch.setattr(classifier, "DEFAULT_MODEL_DIR", fake)
    assert resolve_base("stancekit:default") == str(fake)
    monkeypatch.setattr(classifier, "DEFAULT_MODEL_DIR", tmp_path / "absent")
    with pytest.raises(ModelError, match="bundled model is not installed"):
        resolve_base("stancekit:default")


def test_marked_premises_still_fit_the_window(tiny_models):
    """Windows are sized with the markers in: with a small max_length and many mentions, every marked
    (premise, hypothesis) pair fits without truncation."""
    from stancekit.classifier import StanceClassifier

    clf = StanceClassifier.from_pretrained(tiny_models["nli3"], mark_mentions=True, max_length=48)
    text = " ".join(["Germany said Germany and Germany agree with Germany on the plan"] * 12) + "."
    prep = clf.preprocess(text, "the plan", clf._actors({"Germany": ["Germany"]})[0])
    assert len(prep.pairs) > 3 and all(p.count("[Germany]") >= 1 for p, _ in prep.pairs)
    sc = clf.scorer
    for premise, hyp in prep.pairs:
        assert sc.count_tokens(premise) + sc.count_tokens(hyp) + sc._n_special_pair <= sc.max_length
    assert sc._count_truncated([p for p, _ in prep.pairs], [h for _, h in prep.pairs]) == 0


def test_time_budget_stops_training_and_snapshots_the_model(tmp_path, tiny_models, data_files):
    """training.max_minutes stops a run early (here at once: a budget smaller than one step) and
    training.snapshot_minutes saves loadable models along the way, each with its step."""
    from stancekit.classifier import StanceClassifier
    from stancekit.finetune import finetune

    cfg_path = _config(tmp_path, tiny_models["nli3"], data_files)
    res = finetune(cfg_path, ["training.epochs=5", "training.max_minutes=0.000001",
                              "training.snapshot_minutes=[0.0000005]", "data.validation_fraction=0"])
    assert res.metrics["global_steps"] == 1  # five epochs asked, stopped after the first step
    snap = res.output_dir / "snapshots" / "5e-07min"
    info = json.loads((snap / "snapshot.json").read_text())
    assert info["step"] == 1 and info["pairs"] == 4
    clf = StanceClassifier.from_pretrained(str(snap))
    assert clf.label("Norway backs the deal.", target="the deal", actors=["Norway"]).records


@pytest.mark.parametrize("override, key", [("training.max_minutes=0", "training.max_minutes"),
                                           ("training.snapshot_minutes=[5, -1]", "training.snapshot_minutes")])
def test_time_budget_values_are_checked(tmp_path, tiny_models, data_files, override, key):
    from stancekit.errors import ConfigError
    from stancekit.finetune.config import load_finetune_config

    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_finetune_config(_config(tmp_path, tiny_models["nli3"], data_files), [override])


def test_fixed_input_embeddings_stay_put_and_the_run_ships_as_a_small_patch(tmp_path, tiny_models, data_files,
                                                                              monkeypatch):
    """training.freeze_input_embeddings leaves the word table bit-for-bit as the base had it while the rest
    trains, so a patch of the run over its base (stancekit.model_patch) leaves that table out."""
    import torch
    from safetensors.torch import load_file

    from stancekit import model_patch
    from stancekit.finetune import finetune

    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    cfg_path = _config(tmp_path, tiny_models["nli3"], data_files)
    res = finetune(cfg_path, ["training.max_steps=2", "training.freeze_input_embeddings=true",
                              "data.validation_fraction=0"])
    before = load_file(str(tiny_models["nli3"] / "model.safetensors"))
    after = load_file(str(res.output_dir / "model" / "model.safetensors"))
    word = next(k for k in after if "word_embeddings" in k)
    assert torch.equal(before[word], after[word])
    moved = [k for k in after if torch.is_floating_point(after[k]) and not torch.equal(before[k], after[k])]
    assert any("encoder" in k for k in moved)
    meta = model_patch.make_patch(tiny_models["nli3"], after, tmp_path / "patch")
    assert word not in load_file(str(tmp_path / "patch" / model_patch.PATCH_WEIGHTS))
    assert meta["patched_tensors"] == len(moved)
