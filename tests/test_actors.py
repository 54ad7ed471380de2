"""Actors files, --actor options and build_actors validation."""
from __future__ import annotations

from pathlib import Path

import pytest

from stancekit.actors import Actor, ActorsSpec, build_actors, load_actors_file, parse_actor_option
from stancekit.errors import ConfigError
from stancekit.targets import Target

ACTORS = Path(__file__).resolve().parents[1] / "stancekit" / "data" / "article" / "actors.yaml"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "actors.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def config_error(tmp_path: Path, text: str) -> str:
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_actors_file(p)
    msg = str(exc.value)
    assert "\n" not in msg and str(p) in msg
    return msg


def test_bundled_actors_file():
    spec = load_actors_file(ACTORS)
    assert isinstance(spec, ActorsSpec)
    assert spec.target == Target("the plan")
    names = [a.name for a in spec.actors]
    assert names[:3] == ["Trump", "United States", "Russia"] and "NATO" in names and len(names) == 11
    us = spec.actors[1]
    assert us.aliases == ("United States", "US", "U.S.", "USA", "American", "Americans", "Washington")


def test_actor_defaults_to_name_alias():
    assert Actor("NATO").aliases == ("NATO",)
    assert Actor("NATO", []).aliases == ("NATO",)
    assert Actor("Russia", ["Russia", "Moscow"]).aliases == ("Russia", "Moscow")


def test_build_actors_mapping_none_and_empty():
    actors = build_actors({"NATO": None, "EU": [], "Russia": ["Russia", "Moscow", "Russia"]})
    assert actors == [Actor("NATO", ("NATO",)), Actor("EU", ("EU",)), Actor("Russia", ("Russia", "Moscow"))]


def test_build_actors_sequence():
    actors = build_actors(["NATO", Actor("Kyiv govt", ("Kyiv", "Ukraine"))])
    assert actors == [Actor("NATO", ("NATO",)), Actor("Kyiv govt", ("Kyiv", "Ukraine"))]


def test_aliases_are_normalised():
    [a] = build_actors({"Zelensky": ["Zelensky\u2019s  office", " Volodymyr\u00a0Zelensky "]})
    assert a.aliases == ("Zelensky's office", "Volodymyr Zelensky")


def test_build_actors_errors():
    with pytest.raises(ConfigError, match="at least one actor"):
        build_actors({})
    with pytest.raises(ConfigError, match=r"actors\.Russia\[1\]: empty alias"):
        build_actors({"Russia": ["Russia", "  "]})
    with pytest.raises(ConfigError, match="name"):
        build_actors({"": ["x"]})
    with pytest.raises(ConfigError) as exc:
        build_actors({"Russia": ["Russia", "Moscow"], "Kremlin watchers": ["Moscow"]})
    assert "Russia" in str(exc.value) and "Kremlin watchers" in str(exc.value) and "'Moscow'" in str(exc.value)


def test_alias_clash_on_first_letter_case():
    with pytest.raises(ConfigError, match="Russia and Kremlin"):
        build_actors({"Russia": ["the Kremlin"], "Kremlin": ["The Kremlin"]})
    # Acronyms are case-sensitive, so "US" and "Us" do not clash.
    assert len(build_actors({"United States": ["US"], "Us band": ["Us"]})) == 2


def test_list_formats(tmp_path):
    p = write(tmp_path, "actors:\n  - NATO\n  - name: Russia\n    aliases: [Russia, Moscow]\n  - {name: EU}\n")
    spec = load_actors_file(p)
    assert spec.target is None
    assert spec.actors == [Actor("NATO", ("NATO",)), Actor("Russia", ("Russia", "Moscow")), Actor("EU", ("EU",))]


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such actors file"):
        load_actors_file(tmp_path / "nope.yaml")


def test_malformed_yaml_names_line(tmp_path):
    msg = config_error(tmp_path, "target: the plan\nactors:\n  Russia: [Russia, Moscow\n  NATO: [NATO]\n")
    assert "malformed YAML" in msg and "line 4" in msg and "started at line 3" in msg


def test_actors_wrong_type(tmp_path):
    msg = config_error(tmp_path, "actors: Russia\n")
    assert "actors: must be a mapping of name -> list of aliases" in msg


def test_aliases_wrong_type(tmp_path):
    msg = config_error(tmp_path, "actors:\n  Russia: {a: b}\n")
    assert "actors.Russia: aliases must be a list of strings" in msg


def test_yaml_boolean_alias_hint(tmp_path):
    msg = config_error(tmp_path, "actors:\n  Norway: [Norway, NO]\n")
    assert "actors.Norway[1]: alias must be a string" in msg and "quote" in msg


@pytest.mark.parametrize("body", ["actors: {}\n", "actors:\n", "actors: []\n"])
def test_empty_actors(tmp_path, body):
    assert "actors: at least one actor is required" in config_error(tmp_path, "target: the plan\n" + body)


def test_missing_actors_key(tmp_path):
    assert "actors: missing" in config_error(tmp_path, "target: the plan\n")


def test_shared_alias(tmp_path):
    msg = config_error(tmp_path, "actors:\n  Russia: [Russia, Moscow]\n  Putin: [Putin, Moscow]\n")
    assert "Russia" in msg and "Putin" in msg and "Moscow" in msg


def test_empty_alias(tmp_path):
    msg = config_error(tmp_path, "actors:\n  NATO: [NATO]\n  Russia: [Russia, '']\n")
    assert "actors.Russia[1]: empty alias" in msg


@pytest.mark.parametrize("target", ["''", "'   '", "[a, b]", "3"])
def test_bad_target(tmp_path, target):
    msg = config_error(tmp_path, f"target: {target}\nactors: [NATO]\n")
    assert "target: must be a non-empty string" in msg


def test_unknown_top_level_key(tmp_path):
    msg = config_error(tmp_path, "target: the plan\nactor: [NATO]\n")
    assert "actor: unknown key" in msg


def test_unknown_key_in_list_item(tmp_path):
    msg = config_error(tmp_path, "actors:\n  - name: NATO\n    alias: [NATO]\n")
    assert "actors[0].alias: unknown key" in msg


def test_top_level_not_mapping_and_empty_file(tmp_path):
    assert "expected a mapping" in config_error(tmp_path, "- NATO\n- Russia\n")
    assert "empty" in config_error(tmp_path, "# nothing\n")


def test_parse_actor_option():
    assert parse_actor_option("Russia=Russia,Russian, Moscow,Kremlin") == Actor(
        "Russia", ("Russia", "Russian", "Moscow", "Kremlin")
    )
    assert parse_actor_option("NATO") == Actor("NATO", ("NATO",))
    assert parse_actor_option(" United States = United States ,U.S.") == Actor(
        "United States", ("United States", "U.S.")
    )


@pytest.mark.parametrize("spec, fragment", [
    ("", "empty value"), ("=Russia", "empty actor name"), ("Russia=", "no aliases"),
    ("Russia=Russia,,Moscow", "empty alias at position 2"),
])
def test_parse_actor_option_errors(spec, fragment):
    with pytest.raises(ConfigError, match=fragment):
        parse_actor_option(spec)
