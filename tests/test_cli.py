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


def test_no_target_uses_the_plan_named_in_the_text(files, tiny_models, capsys):
    art, _ = files
    code, out, err = run(["label", art, "--actor", "Russia", "--model", tiny_models["nli3"]], capsys)
    assert code == 0 and out.startswith("target: the plan")
    assert "target: 'the plan' (found in the text; override with --target)" in err


def test_no_target_and_none_in_the_text(tmp_path, tiny_models, capsys):
    art = tmp_path / "a.txt"
    art.write_text("Russia said on Monday that talks would go on.\n", encoding="utf-8")
    code, _, err = run(["label", art, "--actor", "Russia", "--model", tiny_models["nli3"]], capsys)
    assert_one_line_error(code, err, "no target")
    assert "pass --target" in err


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
    import yaml

    import stancekit.discovery  # noqa: F401 - the project's own module: a plain import, never skipped

    art, _ = files
    code, out, err = run(["actors", art, "--target", "the plan"], capsys)
    assert code == 0, err
    data = yaml.safe_load(out)
    assert data["target"] == "the plan" and "Russia" in data["actors"]
    code, out, err = run(["label", art, "--actors", "auto", "--target", "the plan", "--model", tiny_models["nli3"],
                          "--format", "jsonl", "--device", "cpu"], capsys)
    assert code == 0, err
    assert "Russia" in {json.loads(line)["actor"] for line in out.splitlines()}


def test_unwritable_output_is_refused_before_any_model_work(files, tmp_path, capsys):
    """-o is checked first: the model named here does not exist, so loading it first would give another error."""
    art, actors = files
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    no_model = tmp_path / "no-model"
    cases = [
        (["label", art, "--actors", actors, "--model", no_model, "-o", tmp_path / "missing" / "x.jsonl"],
         f"cannot write output file {tmp_path / 'missing' / 'x.jsonl'}: no such directory {tmp_path / 'missing'}"),
        (["label", art, "--actors", actors, "--model", no_model, "-o", tmp_path],
         f"cannot write output file {tmp_path}: it is a directory"),
        (["label-corpus", tmp_path, "--actors", actors, "--model", no_model, "-o", blocker / "o.jsonl"],
         f"cannot write output file {blocker / 'o.jsonl'}: {blocker} is not a directory"),
        (["evaluate", "--model", no_model, "-o", blocker / "eval"],
         f"cannot write output folder {blocker / 'eval'}: {blocker} is not a directory"),
        (["evaluate", "--model", no_model, "-o", blocker],
         f"cannot write output folder {blocker}: it exists and is not a directory"),
    ]
    for argv, message in cases:
        code, out, err = run(argv, capsys)
        assert_one_line_error(code, err, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "actors.yaml", "article.txt"]


def test_model_error_names_the_environment_variable(files, tmp_path, capsys, monkeypatch):
    art, actors = files
    monkeypatch.setenv("STANCEKIT_MODEL", str(tmp_path / "gone"))
    code, _, err = run(["label", art, "--actors", actors], capsys)
    assert_one_line_error(code, err, f"$STANCEKIT_MODEL={tmp_path / 'gone'}: model not found")
    bad = tmp_path / "not-a-model"
    bad.mkdir()
    monkeypatch.setenv("STANCEKIT_MODEL", str(bad))
    code, _, err = run(["label", art, "--actors", actors], capsys)
    assert_one_line_error(code, err, f"no config.json (not a transformers model folder) (the model comes from "
                                     f"$STANCEKIT_MODEL={bad})")


def test_progress_bars_on_request_only(files, tiny_models, tmp_path, capsys):
    """Not a terminal here: no bar unless --progress; then one bar over documents / systems."""
    art, actors = files
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"{i}.txt").write_text(art.read_text(encoding="utf-8"), encoding="utf-8")
    argv = ["label-corpus", docs, "--actors", actors, "--model", tiny_models["nli3"]]
    code, _, err = run(argv + ["-o", tmp_path / "a.jsonl"], capsys)
    assert code == 0 and "documents:" not in err and len(err.strip().splitlines()) == 1
    code, _, err = run(argv + ["-o", tmp_path / "b.jsonl", "--progress"], capsys)
    assert code == 0 and "documents: 100%" in err and "3/3" in err
    code, _, err = run(["evaluate", "--model", tiny_models["nli3"], "--systems", "majority", "lexicon",
                        "-o", tmp_path / "eval", "--progress"], capsys)
    assert code == 0 and "systems: 100%" in err and "2/2" in err
    # label: a bar over the text's paragraphs (the preparation: segmenting, mentions, parse, windows)
    code, _, err = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--progress"], capsys)
    assert code == 0 and "paragraphs:" in err and "para/s" in err
    code, _, err = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"]], capsys)
    assert code == 0 and "paragraphs:" not in err


def test_readme_lists_the_jsonl_keys_label_writes(files, tiny_models, capsys):
    import re

    art, actors = files
    code, out, _ = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--format", "jsonl"], capsys)
    assert code == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"`--format jsonl` writes one object per \(paragraph, mentioned actor\) with the keys\s+`([^`]+)`", readme)
    assert listed, "README: the sentence listing label's JSONL keys is gone"
    keys = [k.strip() for k in listed.group(1).split(",")]
    for line in out.splitlines():
        assert list(json.loads(line)) == keys  # no doc_id: only label-corpus writes it


def test_dtype_option_runs_mixed_precision_and_refuses_it_on_onnx(files, tiny_models, capsys):
    """--dtype reaches the scorer: float32 and bfloat16-mixed label the same (paragraph, actor) cells, bfloat16-mixed
    with --backend onnx is a one-line error with exit 2 (the scorer saw the dtype), and an unknown dtype is refused."""
    art, actors = files
    base = ["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--format", "jsonl", "--no-progress"]
    outs = {}
    for dtype in ("float32", "bfloat16-mixed"):
        code, out, err = run(base + ["--dtype", dtype], capsys)
        assert code == 0, err
        outs[dtype] = [(r["paragraph"], r["actor"]) for r in map(json.loads, out.splitlines())]
    assert outs["float32"] == outs["bfloat16-mixed"] and outs["float32"]
    code, out, err = run(base + ["--dtype", "bfloat16-mixed", "--backend", "onnx"], capsys)
    assert code == 2 and "bfloat16-mixed runs on PyTorch" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(base + ["--dtype", "fp8"], capsys)
    assert code == 2 and "invalid choice" in err


def test_backend_option_gives_the_same_labels(files, tiny_models, capsys, tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    art, actors = files
    outs = {}
    for backend in ("torch", "onnx"):
        code, out, err = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--format", "jsonl",
                              "--no-progress", "--backend", backend], capsys)
        assert code == 0, err
        outs[backend] = [(r["actor"], r["stance"], r["sentiment"]) for r in map(json.loads, out.splitlines())]
    assert outs["torch"] == outs["onnx"] and outs["torch"]
    assert list((tmp_path / "cache" / "onnx").glob("*/model.onnx"))
    code, out, err = run(["label", art, "--actors", actors, "--model", tiny_models["nli3"], "--backend", "tensorrt"],
                         capsys)
    assert code == 2 and "invalid choice" in err


def test_evaluate_a_news_layout_folder(tmp_path, tiny_models, capsys):
    """`evaluate --set FOLDER` scores a folder laid out like the news set; its default split is dev."""
    root = tmp_path / "news"
    doc = root / "levy"
    doc.mkdir(parents=True)
    (root / "index.yaml").write_text("texts:\n  levy: {split: dev, domain: tax}\n", encoding="utf-8")
    (doc / "text.txt").write_text("Norway backed the levy, while Chile rejected it.\n", encoding="utf-8")
    (doc / "actors.yaml").write_text(
        "target: {name: the levy}\nactors:\n  Norway: [Norway]\n  Chile: [Chile]\n", encoding="utf-8"
    )
    (doc / "gold.jsonl").write_text(
        json.dumps({"paragraph": 0, "actor": "Norway", "stance": "support", "sentiment": "neutral"}) + "\n"
        + json.dumps({"paragraph": 0, "actor": "Chile", "stance": "oppose", "sentiment": "neutral"}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "eval"
    code, stdout, _ = run(["evaluate", "--set", root, "--systems", "majority", "stancekit",
                           "--model", tiny_models["nli3"], "-o", out], capsys)
    assert code == 0 and "2 items" in stdout
    meta = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["meta"]
    assert meta["split"] == "dev" and meta["n"] == 2
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in rows if r["system"] == "stancekit"} == {"news-levy-p0-Norway", "news-levy-p0-Chile"}
    code, _, err = run(["evaluate", "--set", tmp_path, "--systems", "majority", "-o", out], capsys)
    assert code != 0 and "directory without index.yaml" in err and len(err.strip().splitlines()) == 1
