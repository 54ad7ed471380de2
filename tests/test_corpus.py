"""Corpus mode with a tiny real model: inputs, doc ids, crash-safe resume, 1 vs 2 workers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancekit.classifier import StanceClassifier
from stancekit.cli import main
from stancekit.corpus import (
    METADATA_KEYS, CorpusWriter, estimate_total, iter_documents, label_corpus, summary_line,
)
from stancekit.errors import InputError

DOCS = {
    "a.txt": "Russia welcomed the plan. Trump presented the plan.\n\nGermany is against the plan.",
    "b.txt": "MNA",  # mentions nobody: zero records, still marked done
    "sub/c.txt": "Zelensky rejected the plan.\n\nFrance and Germany also oppose it.",
    "d.txt": "Trump threatened other measures against Germany.",
}
ACTORS = {"Trump": ["Trump"], "Russia": ["Russia"], "Germany": ["Germany"], "France": ["France"], "Zelensky": ["Zelensky"]}


@pytest.fixture(scope="module")
def clf(tiny_models):
    return StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "docs"
    for name, text in DOCS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def jsonl(tmp_path) -> Path:
    path = tmp_path / "corpus.jsonl"
    rows = [{"id": f"doc-{i}", "body": text} for i, text in enumerate(DOCS.values())]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(clf, source, out, **kw):
    return label_corpus(source, out, ACTORS, "the plan", classifier=clf, progress=False, docs_per_batch=2, **kw)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_folder_records_carry_relative_doc_ids(clf, folder, tmp_path):
    out = tmp_path / "out.jsonl"
    stats = run(clf, folder, out)
    recs = lines(out)
    assert {r["doc_id"] for r in recs} == {"a.txt", "sub/c.txt", "d.txt"}
    assert stats.documents == 4 and stats.records == len(recs) > 0
    done = [json.loads(x) for x in (tmp_path / "out.jsonl.done").read_text().splitlines()]
    assert done == ["a.txt", "b.txt", "d.txt", "sub/c.txt"]  # sorted paths; b.txt has no records
    # same records as labelling each document alone, plus the metadata keys (null for a folder)
    single = clf.label(DOCS["a.txt"], "the plan", ACTORS, doc_id="a.txt")
    assert all(r["date"] is r["source"] is r["title"] is None and r["target"] == "the plan" for r in recs)
    expected = [json.loads(json.dumps(r.to_dict(ndigits=4))) for r in single.records]
    got = [r for r in recs if r["doc_id"] == "a.txt"]
    assert len(got) == len(expected)
    assert [{k: v for k, v in r.items() if k not in METADATA_KEYS or k in e} for r, e in zip(got, expected)] == expected


def test_jsonl_input_with_text_field(clf, jsonl, tmp_path):
    out = tmp_path / "out.jsonl"
    assert estimate_total(jsonl) == 4
    assert [d.doc_id for d in iter_documents(jsonl, text_field="body")] == ["doc-0", "doc-1", "doc-2", "doc-3"]
    run(clf, jsonl, out, text_field="body")
    assert {r["doc_id"] for r in lines(out)} == {"doc-0", "doc-2", "doc-3"}
    with pytest.raises(InputError, match="no text field 'text'"):
        run(clf, jsonl, tmp_path / "other.jsonl")


def test_resume_after_crash_is_identical_to_clean_run(clf, folder, tmp_path):
    clean = tmp_path / "clean.jsonl"
    run(clf, folder, clean)
    reference = clean.read_bytes()

    crashed = tmp_path / "crashed.jsonl"
    run(clf, folder, crashed)
    # Simulate kill -9 while writing the last document: its marker is missing and its records
    # are cut mid-line.
    done = crashed.with_name("crashed.jsonl.done")
    marks = done.read_text().splitlines()
    done.write_text("\n".join(marks[:-1]) + "\n" + marks[-1][:3])  # partial marker line
    data = crashed.read_bytes()
    crashed.write_bytes(data[: len(data) - 25])
    stats = run(clf, folder, crashed)
    assert stats.already_done == 3 and stats.documents == 1
    assert crashed.read_bytes() == reference
    # nothing left to do: a third run changes nothing
    stats = run(clf, folder, crashed)
    assert stats.documents == 0 and crashed.read_bytes() == reference


def test_records_of_unmarked_document_are_not_duplicated(clf, folder, tmp_path):
    out = tmp_path / "out.jsonl"
    run(clf, folder, out)
    reference = out.read_bytes()
    done = out.with_name("out.jsonl.done")
    done.write_text("\n".join(done.read_text().splitlines()[:2]) + "\n")  # crash before 2 markers
    run(clf, folder, out)
    assert out.read_bytes() == reference
    ids = [json.loads(x) for x in done.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 4


def test_refuses_foreign_output_file(clf, folder, tmp_path):
    out = tmp_path / "precious.jsonl"
    out.write_text('{"not": "ours"}\n')
    with pytest.raises(InputError, match="--restart"):
        run(clf, folder, out)
    run(clf, folder, out, restart=True)
    assert all("doc_id" in r for r in lines(out))


def test_writer_commits_zero_record_documents(tmp_path):
    w = CorpusWriter(tmp_path / "o.jsonl", fsync=False).open()
    w.write([("x", []), ("y", ['{"doc_id": "y"}'])])
    w.close()
    again = CorpusWriter(tmp_path / "o.jsonl").open()
    assert again.done == {"x", "y"}
    again.close()


def test_unreadable_file_is_skipped_not_marked(clf, folder, tmp_path):
    (folder / "empty.txt").write_bytes(b"")
    out = tmp_path / "out.jsonl"
    stats = run(clf, folder, out)
    assert stats.failed == ["empty.txt"]
    assert "empty.txt" not in CorpusWriter(out).open().done


def test_cli_label_corpus_and_one_vs_two_workers(tiny_models, folder, tmp_path, capfd):
    """One test for the spawn path (slow to start): CLI, 2 workers, byte-identical to 1 worker, and quiet
    (no "Loading weights" bar from each worker: stderr is read at file-descriptor level)."""
    common = ["label-corpus", str(folder), "--model", str(tiny_models["nli3"]), "--target", "the plan",
              "--no-progress", "--docs-per-batch", "1"]
    for spec in ACTORS:
        common += ["--actor", spec]
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(common + ["-o", str(one)]) == 0
    assert main(common + ["-o", str(two), "--workers", "2"]) == 0
    assert one.read_bytes() == two.read_bytes() and one.stat().st_size > 0
    err = capfd.readouterr().err.splitlines()
    assert len(err) == 2 and all("4 documents labelled" in line for line in err), err
    assert main(common + ["-o", str(one), "--workers", "0"]) == 2


def test_csv_and_parquet_inputs(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    csv = tmp_path / "c.csv"
    csv.write_text('id,text\n7,"Russia welcomed the plan."\n8,MNA\n', encoding="utf-8")
    assert [(d.doc_id, d.text) for d in iter_documents(csv)] == [("7", "Russia welcomed the plan."), ("8", "MNA")]
    pq_path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"text": ["x y", "z"]}), pq_path)  # no id column: row numbers
    assert [d.doc_id for d in iter_documents(pq_path)] == ["0", "1"] and estimate_total(pq_path) == 2


# ---------------------------------------------------------------------------- one job per output
def corpus_cli(tiny_models, source, out, *extra, target="the plan", actors=ACTORS):
    argv = ["label-corpus", str(source), "-o", str(out), "--model", str(tiny_models["nli3"]), "--target", target,
            "--no-progress", "--docs-per-batch", "2"]
    for spec in actors:
        argv += ["--actor", spec]
    return main(argv + [str(x) for x in extra])


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stancekit: error: ") and "Traceback" not in err, err
    return lines[0]


def test_manifest_names_the_job(tiny_models, jsonl, tmp_path):
    import hashlib

    out = tmp_path / "out.jsonl"
    assert corpus_cli(tiny_models, jsonl, out, "--text-field", "body") == 0
    m = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert m["target"] == {"name": "the plan", "aliases": []}
    assert m["actors"]["names"] == list(ACTORS)
    assert m["model"]["name"] == str(tiny_models["nli3"])
    weights = tiny_models["nli3"] / "model.safetensors"
    assert m["model"]["weights_sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert m["input"]["sha256"] == hashlib.sha256(jsonl.read_bytes()).hexdigest()
    assert m["input"]["size"] == jsonl.stat().st_size and m["input"]["text_field"] == "body"
    assert len(m["label_config_sha256"]) == 64 and m["stancekit"]
    assert all(r["doc_id"] for r in lines(out))


def test_resume_refuses_another_job_and_restart_starts_over(tiny_models, folder, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert corpus_cli(tiny_models, folder, out) == 0
    done = out.with_name("out.jsonl.done")
    done.write_text("\n".join(done.read_text().splitlines()[:2]) + "\n")  # as if interrupted after 2 documents
    before = (out.read_bytes(), done.read_bytes())
    capsys.readouterr()

    assert corpus_cli(tiny_models, folder, out, target="the deal") == 2
    line = one_error_line(capsys.readouterr().err)
    assert "target: 'the deal' now, 'the plan' in the manifest" in line and "--restart" in line
    assert corpus_cli(tiny_models, folder, out, actors={"Trump": ["Trump"], "NATO": ["NATO"]}) == 2
    assert "actors: Trump, NATO now, Trump, Russia, Germany, France, Zelensky in the manifest" in one_error_line(
        capsys.readouterr().err)
    assert corpus_cli(tiny_models, folder, out, "--config", _config_with_margin(tmp_path)) == 2
    assert "label config: sha256" in one_error_line(capsys.readouterr().err)
    assert (out.read_bytes(), done.read_bytes()) == before  # nothing appended by a refused run

    assert corpus_cli(tiny_models, folder, out, "--restart", target="the deal") == 0
    assert "4 documents labelled" in capsys.readouterr().err  # started over: all four, not two
    assert json.loads(out.with_name("out.jsonl.manifest.json").read_text())["target"]["name"] == "the deal"
    ids = [json.loads(x) for x in done.read_text().splitlines()]
    assert sorted(ids) == ["a.txt", "b.txt", "d.txt", "sub/c.txt"]
    # the same job resumes as before
    assert corpus_cli(tiny_models, folder, out, target="the deal") == 0
    assert "0 documents labelled" in capsys.readouterr().err and json.loads(done.read_text().splitlines()[0])


def _config_with_margin(tmp_path: Path) -> Path:
    cfg = tmp_path / "margin.yaml"
    cfg.write_text("decision:\n  neutral_margin: 0.9\n", encoding="utf-8")
    return cfg


# ---------------------------------------------------------------------------- rows without usable text
def test_rows_without_usable_text_are_skipped_not_labelled(clf, tmp_path):
    src = tmp_path / "rows.jsonl"
    rows = [
        {"id": "ok", "text": "Russia welcomed the plan."},
        {"id": "no-field", "body": "Russia welcomed the plan."},
        {"id": "null", "text": None},
        {"id": "number", "text": 5},
        {"id": "list", "text": ["Russia welcomed the plan."]},
        {"id": "empty", "text": ""},
        {"id": "blank", "text": "  \n "},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    warned: list[str] = []
    out = tmp_path / "out.jsonl"
    stats = run(clf, src, out, warn=warned.append, max_warnings=3)
    assert stats.documents == 1 and {r["doc_id"] for r in lines(out)} == {"ok"}
    assert dict(stats.skipped) == {"no-field": "missing text", "null": "missing text (null)",
                                   "number": "non-string text (number)", "list": "non-string text (array)",
                                   "empty": "empty text", "blank": "empty text"}
    assert stats.skip_counts() == {"missing text": 2, "non-string text": 2, "empty text": 2}
    assert warned[0] == f"stancekit: warning: skipped document 'no-field' ({src}: line 2): missing text"
    assert len(warned) == 4 and "more documents skipped" in warned[3]  # 3 listed, then one line
    assert "6 skipped (2 missing text, 2 non-string text, 2 empty text)" in summary_line(stats)
    assert [json.loads(x) for x in out.with_name("out.jsonl.done").read_text().splitlines()] == ["ok"]


def test_cli_warns_per_skipped_row(tiny_models, tmp_path, capsys):
    src = tmp_path / "rows.jsonl"
    src.write_text('{"id": 1, "text": "Trump presented the plan."}\n{"id": 2, "text": ""}\n', encoding="utf-8")
    assert corpus_cli(tiny_models, src, tmp_path / "o.jsonl") == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"stancekit: warning: skipped document '2' ({src}: line 2): empty text"
    assert err[1].endswith("1 documents labelled, 1 records, " + err[1].split(", ")[2] + ", 1 skipped (1 empty text)")


BAD_INPUTS = {
    "bad JSON line": ('{"id": 1, "text": "Trump presented the plan."}\n{"id": 2, "text": "x"\n', "line 2, column 22: not valid JSON (Expecting ',' delimiter)"),
    "duplicate id": ('{"id": 1, "text": "a b"}\n{"id": 2, "text": "c"}\n{"id": 1, "text": "d"}\n',
                     "line 3: duplicate document id '1'"),
    "missing column": ('{"id": 1, "body": "a b"}\n', "no text field 'text' in any row (fields: id, body)"),
    "not an object": ('{"id": 1, "text": "a"}\n[1, 2]\n', "line 2: expected a JSON object"),
    "csv without the column": ("id,body\n1,Trump presented the plan.\n", "no text field 'text' (columns: id, body)"),
    "empty file": ("", "no documents in this file"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_input_errors_leave_no_files_and_print_one_line(tiny_models, tmp_path, capfd, case):
    content, needle = BAD_INPUTS[case]
    src = tmp_path / ("in.csv" if case.startswith("csv") else "in.jsonl")
    src.write_text(content, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert corpus_cli(tiny_models, src, out) == 2
    captured = capfd.readouterr()  # file-descriptor level: a datasets / pyarrow log line would show here
    assert needle in one_error_line(captured.err) and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [src.name]  # no OUT, OUT.done, OUT.manifest.json


def test_model_error_leaves_no_files(tmp_path, folder, capsys):
    out = tmp_path / "o.jsonl"
    assert main(["label-corpus", str(folder), "-o", str(out), "--model", str(tmp_path / "nope"), "--actor", "Trump",
                 "--target", "the plan", "--no-progress"]) == 2
    assert "model not found" in one_error_line(capsys.readouterr().err)
    assert not out.exists() and not out.with_name("o.jsonl.done").exists()
    assert not out.with_name("o.jsonl.manifest.json").exists()


def test_target_aliases_are_part_of_the_job(tiny_models, folder, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert corpus_cli(tiny_models, folder, out, "--target-alias", "the deal") == 0
    manifest = json.loads(out.with_name("out.jsonl.manifest.json").read_text())
    assert manifest["target"] == {"name": "the plan", "aliases": ["the deal"]}
    capsys.readouterr()
    assert corpus_cli(tiny_models, folder, out) == 2
    assert "target aliases: [] now, ['the deal'] in the manifest" in one_error_line(capsys.readouterr().err)
