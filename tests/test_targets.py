"""Target linking (stancekit.targets), target aliases in actors files, config and CLI, and the classifier's
clause premises, bystander rule, flip rule and recorded target phrase — on tiny real models."""
from __future__ import annotations

import json

import pytest

from stancekit.actors import load_actors_file, parse_actors_data
from stancekit.attribution import load_parser
from stancekit.classifier import StanceClassifier
from stancekit.cli import main
from stancekit.config import config_from_dict
from stancekit.errors import ConfigError
from stancekit.targets import Target, as_target

DEAL = Target("the nuclear agreement", ("the deal", "the accord"))


def test_find_matches_aliases_with_other_determiners_and_case():
    text = "Oslo hailed this deal. The Accord was signed; the nuclear agreement holds."
    assert [p for _, _, p in DEAL.find(text)] == ["the deal", "the accord", "the nuclear agreement"]


def test_phrase_for_picks_the_alias_nearest_the_actor():
    text = "The deal took years of hard talks in many capitals. Kenya signed the accord."
    kenya = text.index("Kenya")
    assert DEAL.phrase_for(text, [(kenya, kenya + 5)]) == "the accord"
    assert DEAL.phrase_for("Kenya spoke.") == "the nuclear agreement"  # no alias: the name


def test_longer_alias_wins_at_one_position():
    t = Target("the plan", ("the trade deal", "the deal"))
    assert [p for _, _, p in t.find("They signed the trade deal.")] == ["the trade deal"]


@pytest.mark.parametrize(
    "value, message",
    [
        ({"name": "x", "aliases": "the deal"}, "target.aliases: must be a list of strings"),
        ({"name": "x", "aliases": ["ok", 3]}, "target.aliases[1]: must be a string"),
        ({"aliases": ["a"]}, "target.name: missing"),
        ({"name": "x", "alias": ["a"]}, "target.alias: unknown key"),
        ("  ", "target: must be a non-empty string"),
    ],
)
def test_bad_target_values_name_the_key(value, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        as_target(value)


def test_actors_file_target_with_aliases(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("target:\n  name: the deal\n  aliases: [the accord, the pact]\nactors:\n  Kenya: [Kenya]\n")
    assert load_actors_file(p).target == Target("the deal", ("the accord", "the pact"))


def test_target_alias_shared_with_an_actor_alias_is_refused():
    with pytest.raises(ConfigError, match=r"^target.aliases\[0\]: 'the Commission' is also an alias of actor EU"):
        parse_actors_data({"target": {"name": "the plan", "aliases": ["the Commission"]},
                           "actors": {"EU": ["EU", "the Commission"]}})


@pytest.mark.parametrize(
    "data, message",
    [
        ({"target_linking": "yes"}, "target_linking must be true or false"),
        ({"actor_linking": 1}, "actor_linking must be true or false"),
        ({"flip_opposite": 1}, "flip_opposite must be true or false"),
        ({"parser": ""}, "parser must be auto or a spaCy package name"),
        ({"premise": "clauses"}, "premise must be one of sentences, paragraph, clause"),
        ({"target": {"name": "x", "aliases": "y"}}, "target.aliases: must be a list of strings"),
    ],
)
def test_config_keys_are_checked(data, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(data, source="my.yaml")


def test_config_target_mapping_round_trips():
    cfg = config_from_dict({"target": {"name": "the deal", "aliases": ["the pact"]}})
    assert cfg.target == Target("the deal", ("the pact",))
    assert config_from_dict(cfg.to_dict()).target == cfg.target


# ---------------------------------------------------------------------------- classifier, tiny model
needs_parser = pytest.mark.skipif(load_parser() is None, reason="spaCy English pipeline not installed")
TEXT = "Norway praised the deal, but Chile rejected it.\n\nKenya criticised the withdrawal from the accord."
ACTORS = {"Norway": ["Norway"], "Chile": ["Chile"], "Kenya": ["Kenya"]}


@pytest.fixture(scope="module")
def clf(tiny_models):
    return StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")


@needs_parser
def test_clause_premises_are_what_the_model_is_asked(clf):
    clf.config = clf.config.with_overrides(premise="clause")
    prep = clf.preprocess(TEXT, DEAL, clf._actors(ACTORS)[0])
    asked = set(prep.pairs)
    assert ("Norway praised the deal.", "Norway supports the deal.") in asked
    assert ("Chile rejected the deal.", "Chile opposes the deal.") in asked  # "it" -> the target phrase
    assert not any(p == TEXT.split("\n\n")[0] and h.startswith(("Norway supports", "Chile supports")) for p, h in asked)
    res = clf.label(TEXT, DEAL, ACTORS)
    rec = {r.actor: r for r in res.records}
    assert rec["Chile"].evidence == "Chile rejected the deal." and rec["Chile"].attribution == "agent"
    assert rec["Chile"].target_phrase == "the deal" and rec["Kenya"].target_phrase == "the accord"
    assert rec["Chile"].to_dict()["target_phrase"] == "the deal"


@needs_parser
def test_a_bare_undo_noun_is_asked_with_the_target_named_earlier_in_the_paragraph(clf):
    clf.config = clf.config.with_overrides(premise="clause")
    text = "Peru left the accord on Monday. Kenya condemned the withdrawal."
    prep = clf.preprocess(text, DEAL, clf._actors(ACTORS)[0])
    assert ("Kenya condemned the withdrawal from the accord.", "Kenya supports the accord.") in set(prep.pairs)


@needs_parser
def test_flip_rule_swaps_support_and_oppose(clf):
    base = clf.config.with_overrides(premise="clause", stance_bias=0.0)  # the swap itself, before any bias
    clf.config = base.with_overrides(flip_opposite=False)
    plain = {r.actor: r for r in clf.label(TEXT, DEAL, ACTORS).records}["Kenya"].stance_scores
    clf.config = base.with_overrides(flip_opposite=True)
    flipped = {r.actor: r for r in clf.label(TEXT, DEAL, ACTORS).records}["Kenya"].stance_scores
    assert plain["support"] != pytest.approx(plain["oppose"])
    assert flipped["support"] == pytest.approx(plain["oppose"]) and flipped["oppose"] == pytest.approx(plain["support"])
    assert flipped["neutral"] == pytest.approx(plain["neutral"])


@needs_parser
def test_a_bare_decision_is_asked_as_the_undoing_the_document_reported_before(clf):
    """The undoing of the target reported in one paragraph is what "the move" of a later paragraph refers to."""
    clf.config = clf.config.with_overrides(premise="clause")
    text = "Chile announced its withdrawal from the deal.\n\nNorway welcomed the move."
    prep = clf.preprocess(text, DEAL, clf._actors(ACTORS)[0])
    assert any(p == "Norway welcomed the move to withdraw from the deal." for p, _ in prep.pairs)
    alone = clf.preprocess("Norway welcomed the move.", DEAL, clf._actors(ACTORS)[0])
    assert any(p == "Norway welcomed the move." for p, _ in alone.pairs)


@needs_parser
def test_bystander_is_neutral_by_rule_and_not_asked(clf):
    clf.config = clf.config.with_overrides(premise="clause")
    text = "Norway cheered the deal at a summit in Chile's capital."
    prep = clf.preprocess(text, DEAL, clf._actors(ACTORS)[0])
    assert not any(h.startswith("Chile supports") for _, h in prep.pairs)
    chile = {r.actor: r for r in clf.label(text, DEAL, ACTORS).records}["Chile"]
    assert chile.stance == "neutral" and chile.stance_scores == {"support": 0.0, "oppose": 0.0, "neutral": 1.0}
    assert chile.attribution == "bystander"


@needs_parser
@pytest.mark.parametrize("text, role", [
    ("If Chile signs the deal, Norway will follow.", "conditional"),  # a condition
    ("Under the deal, Chile must cut its tariffs.", "provision"),  # a provision of the target
])
def test_a_role_without_position_is_neutral_by_rule_and_not_asked(clf, text, role):
    clf.config = clf.config.with_overrides(premise="clause")
    prep = clf.preprocess(text, DEAL, clf._actors(ACTORS)[0])
    assert not any(h.startswith("Chile supports") for _, h in prep.pairs)
    chile = {r.actor: r for r in clf.label(text, DEAL, ACTORS).records}["Chile"]
    assert chile.stance == "neutral" and chile.attribution == role


@needs_parser
def test_a_threat_gives_the_side_and_the_model_only_whether_a_position_is_stated(clf):
    clf.config = clf.config.with_overrides(premise="clause", stance_bias=0.0)
    text = "If Chile rejects the deal, Norway will impose sanctions against it."
    norway = {r.actor: r for r in clf.label(text, DEAL, ACTORS).records}["Norway"]
    assert norway.attribution == "pressure"
    sc = norway.stance_scores
    assert sc["oppose"] == 0.0 and sc["support"] + sc["neutral"] == pytest.approx(1.0, abs=1e-6)
    prep = clf.preprocess(text, DEAL, clf._actors(ACTORS)[0])
    asked = [p for p, h in prep.pairs if h.startswith("Norway supports")]
    assert asked  # the model is still asked: it says whether a position is stated at all


@needs_parser
def test_actor_linking_asks_about_the_alias_the_premise_uses(clf):
    actors = {"Highland Resistance Alliance": ["Highland Resistance Alliance", "HRA"], "Yara Kessel": ["Yara Kessel", "Kessel"]}
    text = "Alliance spokeswoman Yara Kessel said the HRA would honour the deal. Kessel called it fair."
    clf.config = clf.config.with_overrides(premise="clause", actor_linking=True)
    prep = clf.preprocess(text, DEAL, clf._actors(actors)[0])
    hyps = {h for _, h in prep.pairs}
    assert "HRA supports the deal." in hyps and "Highland Resistance Alliance supports the deal." not in hyps
    assert "Yara Kessel supports the deal." in hyps and "Kessel supports the deal." in hyps  # per premise
    assert "HRA is portrayed positively." in hyps  # the sentiment question names it the same way
    rec = {r.actor: r for r in clf.label(text, DEAL, actors).records}
    assert rec["Highland Resistance Alliance"].actor_phrase == "HRA"
    assert rec["Highland Resistance Alliance"].to_dict()["actor_phrase"] == "HRA"
    clf.config = clf.config.with_overrides(actor_linking=False)
    hyps = {h for _, h in clf.preprocess(text, DEAL, clf._actors(actors)[0]).pairs}
    assert "Highland Resistance Alliance supports the deal." in hyps and not any(h.startswith("HRA ") for h in hyps)
    assert {r.actor_phrase for r in clf.label(text, DEAL, actors).records} == set(actors)


def test_target_linking_off_asks_the_name(clf):
    clf.config = clf.config.with_overrides(premise="sentences", target_linking=False)
    res = clf.label(TEXT, DEAL, ACTORS)
    assert {r.target_phrase for r in res.records} == {"the nuclear agreement"}
    clf.config = clf.config.with_overrides(target_linking=True)
    assert {r.target_phrase for r in clf.label(TEXT, DEAL, ACTORS).records} == {"the deal", "the accord"}


def test_a_later_it_asks_the_phrase_used_earlier_in_the_paragraph(clf):
    clf.config = clf.config.with_overrides(premise="sentences", target_linking=True)
    res = clf.label("The accord was signed in May. Norway welcomed it.", DEAL, {"Norway": ["Norway"]})
    assert res.records[0].target_phrase == "the accord"


# ---------------------------------------------------------------------------- CLI
def test_cli_target_alias_reaches_the_records(tiny_models, tmp_path, capsys):
    art = tmp_path / "a.txt"
    art.write_text("Norway hailed the pact on Monday.\n", encoding="utf-8")
    code = main(["label", str(art), "--actor", "Norway", "--target", "the fisheries treaty",
                 "--target-alias", "the pact", "--model", str(tiny_models["nli3"]), "--format", "jsonl"])
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out.splitlines()[0])["target_phrase"] == "the pact"


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--target", "the plan", "--target-alias", " "], "--target-alias: empty value"),
        (["--target", "the plan", "--target-alias", "Norway"], "target.aliases[0]: 'Norway' is also an alias of actor Norway"),
    ],
)
def test_cli_bad_target_alias_is_one_line(tiny_models, tmp_path, capsys, extra, needle):
    art = tmp_path / "a.txt"
    art.write_text("Norway hailed the pact.\n", encoding="utf-8")
    code = main(["label", str(art), "--actor", "Norway", "--model", str(tiny_models["nli3"]), *extra])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err
