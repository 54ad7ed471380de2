"""Sentence-opening "He"/"She" read as the person named just before (stancekit.coref): the linking rule, the
person test, the rewritten paragraph, and the classifier's use of it on a tiny real model."""
from __future__ import annotations

import pytest

from stancekit.actors import Actor
from stancekit.classifier import StanceClassifier
from stancekit.coref import entities, has_opening_pronoun, link_pronouns, person_actors, with_names
from stancekit.mentions import MentionFinder
from stancekit.ner import load_ner
from stancekit.segment import segment
from stancekit.targets import Target

NER = load_ner()
needs_ner = pytest.mark.skipif(NER is None, reason="spaCy English pipeline not installed")  # a dependency

ACTORS = [Actor("Yara Kessel", ("Yara Kessel", "Kessel")), Actor("Norway", ("Norway",)),
          Actor("Highland Resistance Alliance", ("Highland Resistance Alliance", "HRA")), Actor("Trump", ("Trump",)),
          Actor("Putin", ("Putin",))]


def links_of(text: str, ner=NER):
    finder = MentionFinder(ACTORS)
    paras = segment(text)
    mentions = [finder.find(p.text) for p in paras]
    ents = entities(paras, ner)
    persons = person_actors(paras, mentions, ents)
    return paras, [link_pronouns(p, ms, persons, es) for p, ms, es in zip(paras, mentions, ents)]


@needs_ner
def test_a_sentence_opening_pronoun_continues_the_one_person_named_before():
    text = ('Spokeswoman Yara Kessel said the HRA would honour the deal "to the letter." She accused the government '
            "of bombing two villages. She also criticised Norway.")
    paras, links = links_of(text)
    assert [(k.pronoun, k.actor, k.name) for k in links[0]] == [("She", "Yara Kessel", "Yara Kessel")] * 2  # a chain
    named = with_names(paras[0], links[0])
    assert "Yara Kessel accused the government" in named.text and "Yara Kessel also criticised Norway" in named.text
    assert all(named.text[s.start:s.end] == s.text for s in named.sentences)  # offsets moved with the text
    assert [s.text.split()[0] for s in named.sentences] == ["Spokeswoman", "Yara", "Yara"]


@needs_ner
@pytest.mark.parametrize("text", [
    "Norway backed the plan. She said nothing more.",  # a country is never "she"
    "Putin met Trump on Monday. He said the plan was fair.",  # two people: ambiguous
    "Trump met envoy Steve Witkoff. He said the plan was fair.",  # a person who is not an actor: ambiguous
    "Yara Kessel spoke.\n\nShe rejected the plan.",  # never across paragraphs
    "Yara Kessel spoke. She said Kessel's group would sign.",  # the sentence names her itself
    "Yara Kessel spoke. He's said to disagree.",  # not "He" as a word
    'Yara Kessel spoke. "He is lying," she said.',  # a quotation: the speaker's word about somebody else
])
def test_no_link_where_the_pronoun_is_not_surely_that_actor(text):
    _, links = links_of(text)
    assert all(not ls for ls in links)


def test_people_are_told_by_the_gazetteer_and_titles_without_a_recogniser():
    finder = MentionFinder([Actor("Helene Tremblay", ("Helene Tremblay",)), Actor("Germany", ("Germany",)),
                            Actor("Joan Vale", ("Joan Vale",))])
    paras = segment("Prime Minister Helene Tremblay and Joan Vale spoke in Germany.")
    mentions = [finder.find(p.text) for p in paras]
    # a title makes a person; Germany is a country; nothing tells about Joan Vale
    assert person_actors(paras, mentions, [[]]) == {"Helene Tremblay": True, "Germany": False, "Joan Vale": None}
    assert not has_opening_pronoun(paras[0])


@needs_ner
def test_the_classifier_reads_a_linked_sentence_for_the_person(tiny_models):
    clf = StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")
    text = "Spokeswoman Yara Kessel spoke in Kerrow. She rejected the deal."
    deal = Target("the deal")
    actors = clf._actors({"Yara Kessel": ["Yara Kessel", "Kessel"]})[0]
    on = {p for p, _ in clf.preprocess(text, deal, actors).pairs}
    assert any(p.startswith("Yara Kessel rejected the deal") for p in on)
    clf.config = clf.config.with_overrides(resolve_pronouns=False)
    off = {p for p, _ in clf.preprocess(text, deal, actors).pairs}
    assert not any("rejected" in p for p in off)
    record = clf.label(text, deal, {"Yara Kessel": ["Yara Kessel", "Kessel"]}).records[0]
    assert record.actor == "Yara Kessel"
