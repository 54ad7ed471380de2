"""CLI end to end: main([...]) in process, and one real subprocess; errors are one line, exit 2."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stancekit.cli import _SUBCOMMANDS, build_parser, main
from stancekit.records import RECORD_KEYS

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture
def files(tmp_path, article_text, actors_yaml_text):
    art = tmp_path / "article.txt"
    art.write_text(article_text, encoding="utf-8")
    actors = tmp_path / "actors.yaml"
    actors.write_text(actors_yaml_text, encoding="utf-8")
    return art, actors


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, needle):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stancekit: error: "), err
    assert needle in lines[0] and "Traceback" not in err


def test_label_jsonl(files, tiny_models, capsys, tmp_path):
    art, actors = files
    out_file = tmp_path / "out.jsonl"
    code, out, err = run(
        ["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--format", "jsonl", "-o", out_file,
         "--device", "cpu", "--no-progress", "--batch-size", "4"], capsys)
    assert code == 0 and out == ""
    rows = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    assert [(r["paragraph"], r["actor"]) for r in rows] == [(1, "Trump"), (1, "Russia"), (2, "Ukraine"), (3, "Trump")]
    assert all(tuple(r)[:8] == RECORD_KEYS for r in rows)


def test_label_table_with_actor_options_and_target_override(files, tiny_models, capsys):
    art, _ = files
    code, out, err = run(
        ["label", art, "--actor", "Germany=Germany", "--actor", "NATO", "--target", "the deal",
         "--model", tiny_models["nli2"], "--device", "cpu", "--no-progress"], capsys)
    assert code == 0, err
    assert "target: the deal" in out and "Germany" in out and "not mentioned: NATO" in out


@pytest.mark.parametrize("fmt, marker", [("csv", "stance_support"), ("html", "<!DOCTYPE html>")])
def test_other_formats_to_stdout(files, tiny_models, capsys, fmt, marker):
    art, actors = files
    code, out, _ = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--format", fmt,
                        "--device", "cpu", "--no-progress"], capsys)
    assert code == 0 and marker in out


def test_missing_model_folder(files, capsys, tmp_path):
    art, actors = files
    code, _, err = run(["label", art, "--actors", actors, "--model", tmp_path / "no-model"], capsys)
    assert_one_line_error(code, err, f"model not found: {tmp_path / 'no-model'}")


def test_missing_input_file(files, tiny_models, capsys, tmp_path):
    _, actors = files
    code, _, err = run(["label", tmp_path / "missing.txt", "--actors", actors, "--model", tiny_models["nli3"]], capsys)
    assert_one_line_error(code, err, "missing.txt")


def test_bad_config_yaml(files, tiny_models, capsys, tmp_path):
    art, actors = files
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("batch_size: [4\n", encoding="utf-8")
    code, _, err = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--config", cfg], capsys)
    assert_one_line_error(code, err, "invalid YAML")


def test_template_without_actor_slot(files, tiny_models, capsys, tmp_path):
    art, actors = files
    cfg = tmp_path / "tpl.yaml"
    cfg.write_text("templates:\n  stance:\n    support: ['It supports {target}.']\n    oppose: ['{actor} opposes {target}.']\n")
    code, _, err = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--config", cfg], capsys)
    assert_one_line_error(code, err, "templates.stance.support[0]")


def test_no_target(files, tiny_models, capsys):
    art, _ = files
    code, _, err = run(["label", art, "--actor", "Russia", "--model", tiny_models["nli3"]], capsys)
    assert_one_line_error(code, err, "no target")


def test_usage_error_and_help(capsys):
    assert main(["label"]) == 2
    assert "usage:" in capsys.readouterr().err
    assert main(["--help"]) == 0


def test_subcommands_are_registered_through_the_list():
    names = set(build_parser()._subparsers._group_actions[0].choices)
    assert {"label", "actors"} <= names and len(_SUBCOMMANDS) >= 2


def test_subprocess_corrupt_model_is_one_line(files, tiny_models, tmp_path):
    art, actors = files
    bad = tmp_path / "bad-model"
    shutil.copytree(tiny_models["nli3"], bad)
    (bad / "model.safetensors").write_bytes(b"garbage" * 20)
    proc = subprocess.run(
        [sys.executable, "-m", "stancekit", "label", str(art), "--actors", str(actors), "--model", str(bad),
         "--device", "cpu"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"stancekit: error: {bad}"), proc.stderr


def test_actors_command_and_auto_discovery(files, tiny_models, capsys):
    pytest.importorskip("stancekit.discovery")
    import yaml

    art, _ = files
    code, out, err = run(["actors", art, "--target", "the plan"], capsys)
    assert code == 0, err
    data = yaml.safe_load(out)
    assert data["target"] == "the plan" and "Russia" in data["actors"]
    code, out, err = run(["label", art, "--actors", "auto", "--target", "the plan", "--model", tiny_models["nli3"],
                          "--format", "jsonl", "--device", "cpu"], capsys)
    assert code == 0, err
    assert "Russia" in {json.loads(line)["actor"] for line in out.splitlines()}
