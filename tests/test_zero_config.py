"""Labelling an article with no YAML: discovered actors and a proposed target, through the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from stancekit.cli import main
from stancekit.targets import propose_target

DATA = Path(__file__).resolve().parents[1] / "stancekit" / "data"
ARTICLE = DATA / "article" / "article.txt"


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name, expected", [
    ("climate-accord", "the climate accord"),
    ("housing-bill", "the zoning bill"),
    ("port-contract", "the contract"),
])
def test_target_proposed_from_news_texts(name, expected):
    target = propose_target((DATA / "news" / name / "text.txt").read_text(encoding="utf-8"))
    assert target is not None and target.name == expected


def test_no_plan_like_phrase_gives_no_target():
    assert propose_target("Russia and Ukraine met in Geneva. Both sides said little.") is None


def test_label_with_nothing_but_the_file(tiny_models, capsys):
    code, out, err = run(["label", ARTICLE, "--model", tiny_models["nli3"], "--device", "cpu"], capsys)
    assert code == 0, err
    assert "target: 'the plan'" in err and "--target" in err  # what was chosen, and how to override it
    header = out.splitlines()[0]
    assert header.startswith("target: the plan")
    assert {"Trump", "Russia", "NATO", "Zelensky", "Europe"} <= {line.split()[1] for line in out.splitlines()[3:]
                                                                  if line[:4].strip().isdigit()}


def test_actors_yaml_then_label_with_it(tiny_models, tmp_path, capsys):
    code, out, err = run(["actors", ARTICLE], capsys)
    assert code == 0, err
    spec = yaml.safe_load(out)
    assert spec["target"] == "the plan" and {"Trump", "Russia", "Europe"} <= set(spec["actors"])
    path = tmp_path / "a.yaml"
    path.write_text(out, encoding="utf-8")
    code, out, err = run(["label", ARTICLE, "--actors", path, "--model", tiny_models["nli3"], "--device", "cpu",
                          "--format", "jsonl"], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and {r["target"] for r in rows} == {"the plan"}  # the target used, in every record


def test_found_target_aliases_that_are_actor_aliases_are_dropped(tmp_path, capsys):
    text = ("The city approved the Eastline tram line on Monday. Mayor Sofia Brandt said the Eastline would "
            "open in 2029. The tram line is the biggest project in the city's history.\n\n"
            "Critics of the tram line, led by the Citizens' List, said the project was too expensive.")
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(["actors", path], capsys)
    assert code == 0, err
    spec = yaml.safe_load(out)
    target = spec["target"]
    phrases = [target] if isinstance(target, str) else [target["name"], *target.get("aliases", [])]
    aliases = {a.lower() for al in spec["actors"].values() for a in al}
    assert not any(p.lower().removeprefix("the ") in aliases for p in phrases)
    assert "Sofia Brandt" in spec["actors"]


def test_label_without_a_plan_like_phrase_is_one_line_asking_for_target(tiny_models, tmp_path, capsys):
    path = tmp_path / "no-target.txt"
    path.write_text("Russia and Ukraine met in Geneva on Monday. Both sides said little.\n", encoding="utf-8")
    code, out, err = run(["label", path, "--model", tiny_models["nli3"], "--device", "cpu"], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stancekit: error: no target") and "--target" in lines[0]
