"""Alias matching rules, on the bundled article's sentences where they exist."""
from __future__ import annotations

from pathlib import Path

import pytest

from stancekit.actors import Actor, build_actors, load_actors_file
from stancekit.mentions import Mention, MentionFinder, actor_phrase, find_mentions
from stancekit.segment import segment
from stancekit.textio import read_text

DATA = Path(__file__).resolve().parents[1] / "stancekit" / "data" / "article"
SPEC = load_actors_file(DATA / "actors.yaml")


def pairs(text: str, actors=None) -> list[tuple[str, str]]:
    return [(m.actor, m.surface) for m in find_mentions(text, actors or SPEC.actors)]


def one(*aliases: str, name: str = "X") -> list[Actor]:
    return [Actor(name, aliases)]


# --- the bundled article -----------------------------------------------------------------------

@pytest.mark.parametrize("phrase, actor, surface", [
    ("The American envoy has also gone to Russia", "United States", "American"),
    ("after receiving the opinions of the Russian side.", "Russia", "Russian"),
    ("even Zelensky\u2019s acceptance or rejection of this plan", "Zelensky", "Zelensky"),
    ("a major setback will be recorded in NATO's record.", "NATO", "NATO"),
    ("it is unlikely that the Ukrainian people will vote in favor", "Ukraine", "Ukrainian"),
])
def test_article_phrases(phrase, actor, surface):
    assert (actor, surface) in pairs(phrase)
    raw = read_text(DATA / "article.txt")
    assert phrase in raw.replace("\u2019", "'") or phrase in raw


def test_article_mentions_per_paragraph():
    paras = segment(read_text(DATA / "article.txt"))
    found = [sorted({m.actor for m in find_mentions(p.text, SPEC.actors)}) for p in paras]
    assert found == [
        ["Russia", "Trump", "Ukraine"],
        ["NATO", "Russia", "Ukraine", "United States", "Zelensky"],
        ["France", "Germany", "NATO", "Putin", "Russia", "Trump", "United Kingdom", "United States"],
        ["NATO", "Ukraine", "United States", "Zelensky"],
        ["Europe", "NATO", "Zelensky"],
        [],
    ]
    # paragraph 3: "Zelensky's" after normalisation
    assert ("Zelensky", "Zelensky") in pairs(paras[3].text)
    assert "Zelensky's" in paras[3].text


# --- whole words ------------------------------------------------------------------------------

def test_whole_word_only():
    actors = one("Ukrainian", name="Ukraine")
    assert pairs("Ukrainians fled; Ukrainian troops held.", actors) == [("Ukraine", "Ukrainian")]
    assert pairs("Trumpism and Putinesque", build_actors({"Trump": None, "Putin": None})) == []
    assert pairs("pre-Ukrainian anti-Ukrainian", actors) == [("Ukraine", "Ukrainian")] * 2


def test_plural_alias_listed_separately():
    assert pairs("Russians and the Russian side") == [("Russia", "Russians"), ("Russia", "Russian")]


# --- case rules -------------------------------------------------------------------------------

def test_acronyms_are_case_sensitive():
    assert pairs("Let us talk to the US and to nato, NATO, Eu and EU.") == [
        ("United States", "US"), ("NATO", "NATO"), ("Europe", "EU")
    ]


def test_lowercase_initial_alias_may_be_capitalised():
    actors = one("the Kremlin", name="Russia")
    assert pairs("The Kremlin said, and the Kremlin denied; THE KREMLIN; the kremlin", actors) == [
        ("Russia", "The Kremlin"), ("Russia", "the Kremlin")
    ]


def test_capitalised_alias_does_not_match_lowercase_word():
    actors = build_actors({"Trump": None, "Turkey": None})
    assert pairs("a trump card, roast turkey; Trump and Turkey", actors) == [
        ("Trump", "Trump"), ("Turkey", "Turkey")
    ]


# --- possessives ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["NATO's plan", "NATO\u2019s plan", "NATOs' plan"])
def test_possessive_acronym(text):
    expected = [] if text.startswith("NATOs") else [("NATO", "NATO")]
    assert pairs(text) == expected


@pytest.mark.parametrize("text", ["Russia's favor", "Russia\u2019s favor", "Americans' view"])
def test_possessives(text):
    got = find_mentions(text, SPEC.actors)
    assert len(got) == 1 and got[0].surface in ("Russia", "Americans")
    assert got[0].end == text.index("'" if "'" in text else "\u2019")


# --- dotted acronyms --------------------------------------------------------------------------

def test_dotted_acronyms():
    assert pairs("U.S. officials and U.K. diplomats met.") == [
        ("United States", "U.S."), ("United Kingdom", "U.K.")
    ]
    assert pairs("Aid came from the U.S.") == [("United States", "U.S.")]
    assert pairs("the U.S.-led coalition and the U.S.'s role") == [("United States", "U.S.")] * 2
    assert pairs("the U.S.A. team") == []


# --- multi-word and longest match -------------------------------------------------------------

def test_multi_word_any_whitespace():
    for sep in (" ", "  ", "\n", "\u00a0", "\t"):
        assert pairs(f"the United{sep}Kingdom agreed") == [("United Kingdom", "United" + sep + "Kingdom")]


def test_longest_match_wins():
    actors = build_actors({"United States": ["United States"], "States": ["States"]})
    assert pairs("the United States and the States", actors) == [
        ("United States", "United States"), ("States", "States")
    ]
    assert pairs("Donald Trump met President Trump, then Trump left.") == [
        ("Trump", "Donald Trump"), ("Trump", "President Trump"), ("Trump", "Trump")
    ]
    assert pairs("the European Union and Europeans") == [("Europe", "European Union"), ("Europe", "Europeans")]


def test_apostrophe_in_alias_matches_curly_and_straight():
    actors = one("Côte d'Ivoire", name="CI")
    assert pairs("Côte d\u2019Ivoire and Côte d'Ivoire", actors) == [
        ("CI", "Côte d\u2019Ivoire"), ("CI", "Côte d'Ivoire")
    ]


# --- API --------------------------------------------------------------------------------------

def test_offsets_sorted_non_overlapping():
    text = read_text(DATA / "article.txt")
    found = MentionFinder(SPEC.actors).find(text)
    assert len(found) > 40
    assert all(isinstance(m, Mention) and text[m.start:m.end] == m.surface for m in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert found == find_mentions(text, SPEC.actors)


def test_no_actors_no_mentions():
    assert MentionFinder([]).find("Russia") == []


def test_alias_starting_with_apostrophe():
    actors = one("\u2019Ndrangheta", name="N")
    assert pairs("the 'Ndrangheta and the \u2018Ndrangheta", actors) == [("N", "'Ndrangheta"), ("N", "\u2018Ndrangheta")]


def test_long_text_finds_every_repeated_mention():
    """A 0.7 MB text: the mentions of the article, 300 times over (speed is measured by scripts, not here)."""
    text = read_text(DATA / "article.txt") * 300  # ~0.7 MB
    finder = MentionFinder(SPEC.actors)
    found = finder.find(text)
    assert len(found) == 300 * len(finder.find(read_text(DATA / "article.txt")))


def test_marking_wraps_mentions_of_one_actor_only():
    from stancekit.mentions import mark_actor, mark_alias, mark_spans

    assert mark_spans("ab cd ef", [(3, 5), (0, 2)]) == "[ab] [cd] ef"
    assert mark_spans("abcdef", [(0, 4), (2, 5)]) == "[abcd]ef"  # overlaps: the first wins
    assert mark_alias("The senator met the senators.", "the senator") == "[The senator] met the senators."
    assert mark_alias("U.S. officials left the U.S.", "U.S.") == "[U.S.] officials left the [U.S.]"
    assert mark_alias("a trump card", "Trump") == "a trump card"
    finder = MentionFinder([Actor("Germany", ("Germany", "Berlin")), Actor("France", ("France",))])
    text = "Berlin and France differ; Germany's view is firm."
    assert mark_actor(text, finder, "Germany") == "[Berlin] and France differ; [Germany]'s view is firm."
    assert mark_actor(text, finder, "France") == "Berlin and [France] differ; Germany's view is firm."


# ---------------------------------------------------------------------------- actor_phrase (actor linking)
def test_actor_phrase_keeps_the_name_when_the_premise_uses_it():
    ms = [Mention("Highland Resistance Alliance", "HRA", 40, 43)]
    text = "The Highland Resistance Alliance, or the HRA, signed it."
    assert actor_phrase("Highland Resistance Alliance", text, ms) == "Highland Resistance Alliance"


def test_actor_phrase_takes_the_alias_the_premise_uses():
    text = "Tallmadge would sign the legislation."
    assert actor_phrase("Neil Tallmadge", text, [Mention("Neil Tallmadge", "Tallmadge", 0, 9)]) == "Tallmadge"
    # a mention outside the premise (the clause cut it away) does not count
    assert actor_phrase("Neil Tallmadge", "The bill passed.", [Mention("Neil Tallmadge", "Tallmadge", 0, 9)]) == "Neil Tallmadge"


@pytest.mark.parametrize("surface", ["Russian", "Chinese", "British", "French", "Israeli", "American"])
def test_actor_phrase_never_names_an_actor_by_a_demonym(surface):
    text = f"The {surface} side accepted the plan."
    assert actor_phrase("X", text, [Mention("X", surface, 4, 4 + len(surface))]) == "X"


def test_actor_phrase_reads_the_part_of_speech_from_a_parse():
    from stancekit.attribution import load_parser

    nlp = load_parser()
    if nlp is None:
        pytest.skip("spaCy English pipeline not installed")
    text = "Moscow said the Kremlin envoy would sign the deal."
    doc = nlp(text)
    moscow = Mention("Russia", "Moscow", 0, 6)
    assert actor_phrase("Russia", text, [moscow], doc) == "Moscow"
    # offsets of a sentence that starts later in its paragraph
    assert actor_phrase("Russia", text, [Mention("Russia", "Moscow", 100, 106)], doc, offset=100) == "Moscow"
    adj = "The Russian envoy would sign the deal."
    assert actor_phrase("Russia", adj, [Mention("Russia", "Russian", 4, 11)], nlp(adj)) == "Russia"


def test_doctests():
    import doctest

    import stancekit.mentions as mentions

    result = doctest.testmod(mentions)
    assert result.attempted >= 2 and result.failed == 0
