"""StanceClassifier end to end on a small article with tiny real models."""
from __future__ import annotations

import pytest

from stancekit import decide
from stancekit.actors import ActorsSpec, build_actors
from stancekit.classifier import StanceClassifier, resolve_model
from stancekit.config import LabelConfig, load_config
from stancekit.errors import ConfigError, ModelError
from stancekit.mentions import find_mentions
from stancekit.segment import segment


@pytest.fixture(scope="module")
def clf(tiny_models):
    # whole-sentence premises: these tests are about units, windows and the decision rule; clause premises
    # (the default) are tested in test_targets.py and test_attribution.py
    return StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu", premise="sentences")


def expected_cells(text, actors_map):
    actors = build_actors(actors_map)
    cells = []
    for p in segment(text):
        if not p.is_content:
            continue
        found = {m.actor for m in find_mentions(p.text, actors)}
        cells += [(p.index, a.name) for a in actors if a.name in found]
    return cells


def test_one_record_per_mentioned_paragraph_and_actor(clf, article_text, actors_map):
    result = clf.label(article_text, "the plan", actors_map)
    assert [(r.paragraph, r.actor) for r in result.records] == expected_cells(article_text, actors_map)
    assert result.paragraphs == 4  # the "MNA" tag is paragraph 0 and keeps the numbering
    assert all(r.paragraph != 0 for r in result.records)
    assert {r.paragraph for r in result.records if r.actor == "Trump"} == {1, 3}
    assert result.actors_not_mentioned == ["NATO"]
    assert result.target == "the plan" and result.model == clf.model_name
    for r in result.records:
        assert sum(r.stance_scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert sum(r.sentiment_scores.values()) == pytest.approx(1.0, abs=1e-6)
        d = clf.config.decision
        assert r.stance == decide.decide(r.stance_scores, d.neutral_margin, min_polar_gap=d.min_polar_gap)
        assert r.sentiment == decide.decide(r.sentiment_scores, d.sentiment_margin(), min_polar_gap=d.sentiment_gap())
        assert r.evidence in segment(article_text)[r.paragraph].text
        assert any(m in r.evidence for m in r.mentions)
    russia = next(r for r in result.records if r.actor == "Russia")
    assert russia.mentions == ["Moscow", "Russia"] and russia.windows == 3


def test_record_scores_come_from_the_evidence_unit(clf, article_text, actors_map):
    """Recompute one record by hand from the scorer: forward/postprocess wiring is right."""
    result = clf.label(article_text, "the plan", actors_map)
    for rec in result.records:
        hyps = clf.config.templates.stance_hypotheses(rec.actor_phrase, "the plan")
        probs = {lab: clf.scorer.score([(rec.evidence, h) for h in hs]) for lab, hs in hyps.items()}
        want = decide.apply_bias(decide.stance_scores(probs), clf.config.decision.bias("stance"))
        assert want == pytest.approx(rec.stance_scores, abs=1e-5)


def test_most_decisive_sentence_is_the_evidence(clf, article_text, actors_map):
    result = clf.label(article_text, "the plan", actors_map)
    russia = next(r for r in result.records if r.actor == "Russia")
    sentences = [s.text for s in segment(article_text)[1].sentences]
    masses = []
    for s in sentences:
        hyps = clf.config.templates.stance_hypotheses("Russia", "the plan")
        probs = {lab: clf.scorer.score([(s, h) for h in hs]) for lab, hs in hyps.items()}
        masses.append(decide.polar_mass(decide.stance_scores(probs)))
    assert russia.evidence == sentences[max(range(len(masses)), key=masses.__getitem__)]


def test_label_many_matches_label(clf, article_text, actors_map):
    docs = [("a", article_text), ("b", "Germany rejected the plan.\n\nNATO welcomed it."), ("c", "MNA")]
    many = list(clf.label_many(docs, "the plan", actors_map, docs_per_batch=2))
    assert [d.doc_id for d in many] == ["a", "b", "c"]
    for (doc_id, text), res in zip(docs, many):
        single = clf.label(text, "the plan", actors_map, doc_id=doc_id)
        assert [r.to_dict(ndigits=4) for r in res.records] == [r.to_dict(ndigits=4) for r in single.records]
    assert many[2].records == [] and many[2].actors_not_mentioned == list(actors_map)


def test_neutral_margin_is_applied(tiny_models, article_text, actors_map):
    strict = StanceClassifier.from_pretrained(
        tiny_models["nli3"], device="cpu", neutral_margin=1.0, sentiment_neutral_margin=1.0
    )
    res = strict.label(article_text, "the plan", actors_map)
    assert res.records and all(r.stance == "neutral" and r.sentiment == "neutral" for r in res.records)


def test_sentiment_aligned_margin_applies_only_where_the_sentiment_repeats_the_stance(tiny_models, article_text,
                                                                                      actors_map):
    """Margins of -1 make every record take a side, and biases of +-1 choose the sides. An aligned margin of 1 turns
    every sentiment that matches its record's stance (negative with oppose, positive with support) to neutral, except
    a threat's ("if they accept the plan, ... will take measures against them"), and keeps the others; it changes no
    stance and no stance score, and discounts the echo in the sentiment scores it reports."""
    threat = "Trump has threatened that if they accept the plan, the United States will take other measures against them."
    text = f"{article_text}\n\n{threat}\n"
    pairs = {"support": "positive", "oppose": "negative"}
    moved = kept = threats = 0
    off = load_config()
    off.decision.sentiment_aligned_margin = None  # the packaged default sets one
    for stance_bias, sentiment_bias in ((-1.0, -1.0), (1.0, 1.0), (1.0, -1.0)):
        kw = dict(device="cpu", neutral_margin=-1.0, sentiment_neutral_margin=-1.0, stance_bias=stance_bias,
                  sentiment_bias=sentiment_bias)
        plain = StanceClassifier.from_pretrained(tiny_models["nli3"], off, **kw).label(text, "the plan", actors_map)
        aligned = StanceClassifier.from_pretrained(tiny_models["nli3"], off, sentiment_aligned_margin=1.0, **kw).label(
            text, "the plan", actors_map)
        assert plain.records
        for p, a in zip(plain.records, aligned.records):
            assert (p.stance, p.stance_scores) == (a.stance, a.stance_scores)
            if pairs.get(p.stance) == p.sentiment and p.attribution != "pressure":
                assert a.sentiment == "neutral"
                assert a.sentiment_scores[p.sentiment] < p.sentiment_scores[p.sentiment]  # the echo is discounted
                assert a.sentiment_scores["neutral"] > p.sentiment_scores["neutral"]
                moved += 1
            else:
                assert (a.sentiment, a.sentiment_scores) == (p.sentiment, p.sentiment_scores)
                assert a.sentiment != "neutral"
                kept += 1
                threats += pairs.get(p.stance) == p.sentiment
    assert moved and kept and threats  # every case occurs: the rule is not vacuous


def test_paragraph_mode_and_two_way_model(tiny_models, article_text, actors_map):
    clf2 = StanceClassifier.from_pretrained(tiny_models["nli2"], device="cpu", premise="paragraph")
    res = clf2.label(article_text, "the plan", actors_map)
    paras = segment(article_text)
    assert [(r.paragraph, r.actor) for r in res.records] == expected_cells(article_text, actors_map)
    for r in res.records:
        assert r.evidence == paras[r.paragraph].text
        assert sum(r.stance_scores.values()) == pytest.approx(1.0, abs=1e-6)


def test_target_resolution(clf, article_text, actors_map):
    spec = ActorsSpec(build_actors(actors_map), target="the deal")
    assert clf.label(article_text, None, spec).target == "the deal"
    assert clf.label(article_text, "the  peace plan", spec).target == "the peace plan"
    with pytest.raises(ConfigError, match="non-empty"):
        clf.label(article_text, "  ", actors_map)
    with pytest.raises(ConfigError, match="no target"):
        clf.label(article_text, None, actors_map)
    with pytest.raises(ConfigError, match="no actors"):
        clf.label(article_text, "the plan", None)


def test_model_resolution(monkeypatch, tmp_path, tiny_models):
    import stancekit.classifier as mod

    monkeypatch.delenv("STANCEKIT_MODEL", raising=False)
    monkeypatch.setattr(mod, "DEFAULT_MODEL_DIR", tmp_path / "absent")
    with pytest.raises(ModelError, match="pass --model PATH_OR_HUB_ID, set STANCEKIT_MODEL, or install"):
        resolve_model(None)
    import shutil

    default = shutil.copytree(tiny_models["nli2"], tmp_path / "models" / "default")
    monkeypatch.setattr(mod, "DEFAULT_MODEL_DIR", default)
    assert resolve_model(None) == str(default)
    monkeypatch.setenv("STANCEKIT_MODEL", str(tiny_models["nli3"]))
    assert resolve_model(None) == str(tiny_models["nli3"])
    assert resolve_model("x/y") == "x/y"
    clf = StanceClassifier.from_pretrained(None, LabelConfig(device="cpu"))
    assert clf.model_name == str(tiny_models["nli3"])


def test_bundled_models_are_named_by_folder(monkeypatch, tmp_path, tiny_models):
    """--model bundled:<name> picks a model shipped next to the default one; its display name never shows the
    installed path; an unknown name lists the bundled ones."""
    import shutil

    import stancekit.classifier as mod
    from stancekit.classifier import display_model_name

    root = tmp_path / "models"
    shutil.copytree(tiny_models["nli3"], root / "nli-big")
    shutil.copytree(tiny_models["nli2"], root / "nli-fast")
    monkeypatch.setattr(mod, "DEFAULT_MODEL_DIR", root / "nli-big")
    assert mod.bundled_models() == ["nli-big", "nli-fast"]
    path = resolve_model("bundled:nli-fast")
    assert path == str(root / "nli-fast") and display_model_name(path) == "bundled: nli-fast"
    assert display_model_name(resolve_model(None)) == "bundled: nli-big"
    with pytest.raises(ModelError, match=r"no such bundled model \(bundled: nli-big, nli-fast\)"):
        resolve_model("bundled:nope")
