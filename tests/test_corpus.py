"""Corpus mode with a tiny real model: inputs, doc ids, crash-safe resume, 1 vs 2 workers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancekit.classifier import StanceClassifier
from stancekit.cli import main
from stancekit.corpus import CorpusWriter, estimate_total, iter_documents, label_corpus
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
    # same records as labelling each document alone
    single = clf.label(DOCS["a.txt"], "the plan", ACTORS, doc_id="a.txt")
    assert [r for r in recs if r["doc_id"] == "a.txt"] == [
        json.loads(json.dumps(r.to_dict(ndigits=4))) for r in single.records
    ]


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
    with pytest.raises(InputError, match="--overwrite"):
        run(clf, folder, out)
    run(clf, folder, out, overwrite=True)
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


def test_cli_label_corpus_and_one_vs_two_workers(tiny_models, folder, tmp_path, capsys):
    """One test for the spawn path (slow to start): CLI, 2 workers, byte-identical to 1 worker."""
    common = ["label-corpus", str(folder), "--model", str(tiny_models["nli3"]), "--target", "the plan",
              "--no-progress", "--docs-per-batch", "1"]
    for spec in ACTORS:
        common += ["--actor", spec]
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(common + ["-o", str(one)]) == 0
    assert main(common + ["-o", str(two), "--workers", "2"]) == 0
    assert one.read_bytes() == two.read_bytes() and one.stat().st_size > 0
    assert "4 documents labelled" in capsys.readouterr().err
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
