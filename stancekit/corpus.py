"""Corpus mode: label many documents into one resumable JSONL file.

Why it is built this way:

- **Input checked before anything is written.** The whole input is read once first: a line that
  is not JSON, a duplicate document id, a missing text column or an empty input is a one-line
  error, and no output file is left behind. Rows whose text is missing, not a string or empty are
  *skipped* with a reason (a warning per row, up to ``max_warnings``, and counts in the summary),
  never counted as labelled, and never marked done (a re-run looks at them again).
- **One job per output.** ``OUT.manifest.json`` records what ``OUT`` is a labelling of: the input
  (path, size, sha256, text/id fields), the target and its aliases, the actors (sha256), the model
  (name and weights sha256), the label config (sha256) and the stancekit version. A re-run resumes
  only the same job; any other is refused with one line naming what differs, unless ``restart``
  (start over). Each record carries ``doc_id``.
- **Streaming in, streaming out.** Documents come from a folder of ``.txt`` files, a JSONL / JSON
  file (read line by line, with line numbers in errors) or a CSV / Parquet file (read with
  ``datasets.load_dataset(..., streaming=True)``); they are labelled in chunks of
  ``docs_per_batch`` (one de-duplicated NLI job list per chunk, so batches stay full) and written
  as soon as they are done. At most ``2 * workers`` chunks are in flight, so memory does not grow
  with the corpus (only the set of document ids does).
- **Crash-safe resume.** `CorpusWriter` appends all records of a chunk in one write, flushes and
  fsyncs them, and only then appends the chunk's document ids to the side file ``OUT.done``. A
  document is finished iff its id is in ``OUT.done`` (also when it produced zero records). On
  start, a trailing partial line in either file is dropped and records of unfinished documents
  (written just before a crash, never marked done) are cut from ``OUT``; so after Ctrl-C or
  ``kill -9`` a re-run loses nothing and duplicates nothing.
- **Deterministic output with N workers.** Worker processes (spawn context: safe with torch
  threads; each loads the model once and uses ``cores // N`` torch threads) label whole chunks;
  the parent writes results strictly in input order, so the JSONL is the same with 1 or N workers.
- **Workers die with their parent.** Each worker asks Linux to kill it when its parent dies
  (``prctl(PR_SET_PDEATHSIG)``) and, on every platform, watches its parent's pid; so a ``kill -9``
  of the parent leaves no worker behind (and the multiprocessing resource tracker, whose pipe
  the workers hold, exits with them). SIGTERM or Ctrl-C in the parent stop the workers and close
  the files cleanly.
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import logging
import lzma
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .errors import ConfigError, InputError, StancekitError
from .textio import file_sha256

logger = logging.getLogger(__name__)

#: File suffix -> reader ("json": stancekit's own line reader; "csv" / "parquet": ``datasets``).
FILE_KINDS: dict[str, str] = {
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
}
_COMPRESSION = (".gz", ".bz2", ".xz", ".zst", ".zip")
_OPENERS: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, "": open}

#: Why a row is skipped (the summary counts these; a warning line may add a detail in parentheses).
SKIP_REASONS: tuple[str, ...] = ("missing text", "non-string text", "empty text", "unreadable file")
MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
#: Label-config keys that change how fast a job runs, not its labels (left out of the config hash).
_RUN_ONLY_KEYS = frozenset({"batch_size", "token_budget", "device", "target"})


@dataclass
class Doc:
    """One input document. ``error``: it could not be read (``text`` None); ``skip``: it has no usable
    text (a reason from `SKIP_REASONS`, maybe with a detail); ``where``: "line 7" / "row 7" for messages;
    ``fields``: the row's keys, kept only when the text field is absent (for the error message);
    ``row``: the table row of a labelled document (its ``date``, ``source``, ``title``, ``--keep`` fields)."""

    doc_id: str
    text: str | None
    error: str | None = None
    skip: str | None = None
    where: str = ""
    fields: tuple[str, ...] = ()
    row: Mapping[str, Any] | None = None


@dataclass
class CorpusStats:
    """What a `label_corpus` run did. ``already_done``: skipped because a previous run of the same job
    finished them; ``failed``: unreadable files; ``skipped``: (doc_id, reason) of rows without usable text."""

    documents: int = 0
    records: int = 0
    already_done: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""

    def skip_counts(self) -> dict[str, int]:
        """Skipped documents per reason (`SKIP_REASONS` order), unreadable files included."""
        counts = {r: 0 for r in SKIP_REASONS}
        for _, reason in self.skipped:
            key = reason.split(" (")[0]
            counts[key] = counts.get(key, 0) + 1
        counts["unreadable file"] += len(self.failed)
        return {k: v for k, v in counts.items() if v}


# ---------------------------------------------------------------------------- reading
def input_kind(source: str | os.PathLike) -> str:
    """'folder', 'json', 'csv' or 'parquet' for an input path (InputError if unsupported)."""
    p = Path(source)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        return "folder"
    kind = FILE_KINDS.get(Path(_strip_compression(p.name.lower())[0]).suffix)
    if kind is None:
        raise InputError(
            f"{p}: unsupported corpus file type (expected a folder of .txt files or "
            f"{', '.join(sorted(FILE_KINDS))})"
        )
    return kind


def _strip_compression(name: str) -> tuple[str, str]:
    for comp in _COMPRESSION:
        if name.endswith(comp):
            return name[: -len(comp)], comp
    return name, ""


def iter_documents(
    source: str | os.PathLike,
    *,
    text_field: str = "text",
    id_field: str = "id",
    encoding: str | None = None,
) -> Iterator[Doc]:
    """Documents of a folder (sorted ``*.txt``, id = relative path) or a tabular file (id =
    ``id_field``, or the 0-based row number when the row has no such field). Rows without usable
    text come as ``Doc(skip=reason)``; a malformed file raises InputError naming the line."""
    kind = input_kind(source)
    p = Path(source)
    if kind == "folder":
        yield from _iter_folder(p, encoding)
    elif kind == "json" and _strip_compression(p.name.lower())[1] in _OPENERS:
        for row_no, where, row in _json_rows(p, encoding):
            yield _row_doc(row, row_no, where, text_field, id_field, kind)
    else:
        yield from _iter_datasets(p, kind, text_field, id_field, encoding)


def _folder_files(root: Path) -> list[Path]:
    return sorted((p for p in root.rglob("*.txt") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())


def _iter_folder(root: Path, encoding: str | None) -> Iterator[Doc]:
    from .textio import read_text

    for path in _folder_files(root):
        doc_id = path.relative_to(root).as_posix()
        try:
            yield Doc(doc_id, read_text(path, encoding=encoding), where=doc_id)
        except InputError as exc:
            yield Doc(doc_id, None, str(exc), where=doc_id)


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


def _row_doc(row: Any, row_no: int, where: str, text_field: str, id_field: str, kind: str) -> Doc:
    """A Doc from one table row; rows without usable text get a skip reason."""
    if not isinstance(row, Mapping):
        raise InputError(f"{where}: expected a JSON object with a {text_field!r} field, got a {_json_type(row)}")
    raw_id = row.get(id_field)
    doc_id = str(row_no) if raw_id is None else str(raw_id)
    if text_field not in row:
        return Doc(doc_id, None, skip="missing text", where=where, fields=tuple(map(str, row)))
    text = row[text_field]
    if text is None:
        return Doc(doc_id, None, skip="empty text" if kind == "csv" else "missing text (null)", where=where)
    if not isinstance(text, str):
        return Doc(doc_id, None, skip=f"non-string text ({_json_type(text)})", where=where)
    if not text.strip():
        return Doc(doc_id, None, skip="empty text", where=where)
    return Doc(doc_id, text, where=where, row=row)


def _json_rows(path: Path, encoding: str | None) -> Iterator[tuple[int, str, Any]]:
    """(row number, "line N", parsed value) of a JSON-lines file (also gz/bz2/xz), or of a file holding
    one JSON array. Errors name the file and line."""
    opener = _OPENERS[_strip_compression(path.name.lower())[1]]
    enc = encoding or "utf-8-sig"
    try:
        fh = opener(path, "rt", encoding=enc, newline="")
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    line_no = row_no = 0
    with fh:
        try:
            for line in fh:
                line_no += 1
                text = line.strip()
                if not text:
                    continue
                if row_no == 0 and text.startswith("["):  # one JSON array of objects, not JSON lines
                    rows = _loads(text + fh.read(), path, line_no)
                    if not isinstance(rows, list):
                        raise InputError(f"{path}: expected JSON lines or one JSON array of objects")
                    for i, row in enumerate(rows):
                        yield i, f"{path}: item {i}", row
                    return
                yield row_no, f"{path}: line {line_no}", _loads(text, path, line_no)
                row_no += 1
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}: line {line_no + 1}: cannot decode as {enc} ({exc.reason}); pass --encoding"
            ) from None
        except (OSError, EOFError, lzma.LZMAError) as exc:  # truncated or corrupt compressed file
            raise InputError(f"{path}: cannot read file after line {line_no} ({exc})") from None


def _loads(text: str, path: Path, line_no: int) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        msg = getattr(exc, "msg", str(exc))
        col = getattr(exc, "colno", None)
        where = f"line {line_no + getattr(exc, 'lineno', 1) - 1}" + (f", column {col}" if col else "")
        raise InputError(f"{path}: {where}: not valid JSON ({msg})") from None


def _iter_datasets(path: Path, kind: str, text_field: str, id_field: str, encoding: str | None) -> Iterator[Doc]:
    """CSV / Parquet (and zst/zip-compressed JSON) through ``datasets`` streaming, with its logging and
    progress bars silenced (they would print before stancekit's own error line)."""
    try:
        import datasets
    except ImportError:  # pragma: no cover - a core dependency
        raise InputError("reading CSV/Parquet corpora needs the 'datasets' package") from None
    from datasets.utils import logging as ds_logging

    level = ds_logging.get_verbosity()
    ds_logging.set_verbosity(logging.CRITICAL + 10)
    datasets.disable_progress_bars()
    kwargs: dict[str, Any] = {}
    if encoding and kind in ("json", "csv"):
        kwargs["encoding"] = encoding
    if kind == "csv" and _strip_compression(path.name.lower())[0].endswith(".tsv"):
        kwargs["sep"] = "\t"
    row_no = 0
    try:
        ds = datasets.load_dataset(kind, data_files=str(path), split="train", streaming=True, **kwargs)
        for row in ds:
            if row_no == 0 and text_field not in row:
                raise InputError(
                    f"{path}: no text field {text_field!r} (columns: {', '.join(map(str, row))}); pass --text-field"
                )
            yield _row_doc(row, row_no, f"{path}: row {row_no + 1}", text_field, id_field, kind)
            row_no += 1
    except InputError:
        raise
    except Exception as exc:  # pyarrow / datasets parse errors come in many types
        msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise InputError(f"{path}: cannot read as {kind} (after row {row_no}): {msg}") from None
    finally:
        ds_logging.set_verbosity(level)


def scan_input(
    source: str | os.PathLike, *, text_field: str = "text", id_field: str = "id", encoding: str | None = None
) -> int:
    """Read the whole input once, before anything is written, and return its document count.

    Raises InputError for what would stop a run half-way: a line that is not JSON, a row that is
    not an object, a duplicate document id, a text field that no row has, an input without
    documents. Rows without usable text are not errors (they are skipped when labelling).
    """
    kind = input_kind(source)
    if kind == "folder":
        n = len(_folder_files(Path(source)))
        if n == 0:
            raise InputError(f"{source}: no .txt files in this folder")
        return n
    seen: set[str] = set()
    n = absent = 0
    first: Doc | None = None
    for doc in iter_documents(source, text_field=text_field, id_field=id_field, encoding=encoding):
        if doc.doc_id in seen:
            raise InputError(f"{doc.where}: duplicate document id {doc.doc_id!r}; ids must be unique (see --id-field)")
        seen.add(doc.doc_id)
        first = first or doc
        n += 1
        absent += doc.skip == "missing text"
    if n == 0:
        raise InputError(f"{source}: no documents in this file")
    if absent == n:
        assert first is not None
        raise InputError(
            f"{source}: no text field {text_field!r} in any row (fields: {', '.join(first.fields) or 'none'}); "
            "pass --text-field"
        )
    return n


def estimate_total(source: str | os.PathLike) -> int | None:
    """Document count without parsing: exact for folders and Parquet, a line count for JSONL/CSV
    (CSV fields with embedded newlines make it an over-estimate), None if compressed.
    (`label_corpus` uses the exact count from `scan_input`.)"""
    kind = input_kind(source)
    p = Path(source)
    if kind == "folder":
        return len(_folder_files(p))
    if p.name.lower().endswith(_COMPRESSION):
        return None
    if kind == "parquet":
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(p).metadata.num_rows)
        except Exception:
            return None
    lines, last = 0, b"\n"
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1) if kind == "csv" else lines


# ---------------------------------------------------------------------------- the job manifest
def _json_sha256(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def weights_sha256(model: str | os.PathLike) -> str | None:
    """sha256 of a model's safetensors weights: of the file itself when there is one (the value a model
    card records), else of the sorted (name, sha256) list; a hub id's cached file; None if not found."""
    p = Path(model).expanduser()
    files = sorted(p.glob("*.safetensors")) if p.is_dir() else []
    if not files and not p.exists():
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(str(model), "model.safetensors")
            if isinstance(cached, str):
                files = [Path(cached)]
        except Exception:  # not a valid repo id, no hub client: no hash
            pass
    if not files:
        return None
    if len(files) == 1:
        return file_sha256(files[0])
    return hashlib.sha256("".join(f"{f.name}\0{file_sha256(f)}\n" for f in files).encode()).hexdigest()


def input_fingerprint(
    source: str | os.PathLike, *, text_field: str = "text", id_field: str = "id", encoding: str | None = None
) -> dict[str, Any]:
    """Path, kind, size and sha256 of a corpus input (a folder: of its sorted .txt files' paths and contents)."""
    p = Path(source)
    kind = input_kind(p)
    if kind == "folder":
        files = _folder_files(p)
        digest = hashlib.sha256(
            "".join(f"{f.relative_to(p).as_posix()}\0{file_sha256(f)}\n" for f in files).encode()
        ).hexdigest()
        size = sum(f.stat().st_size for f in files)
        return {"path": str(source), "kind": kind, "files": len(files), "size": size, "sha256": digest,
                "encoding": encoding}
    return {"path": str(source), "kind": kind, "size": p.stat().st_size, "sha256": file_sha256(p),
            "text_field": text_field, "id_field": id_field, "encoding": encoding}


def job_manifest(
    input_info: Mapping[str, Any], target: Any, actors: Mapping[str, Sequence[str]], model_path: str, config: Any
) -> dict[str, Any]:
    """What identifies a corpus job (see the module docstring); written to ``OUT.manifest.json``."""
    from . import __version__
    from .classifier import display_model_name

    actor_items = [[name, list(aliases)] for name, aliases in actors.items()]
    cfg = {k: v for k, v in config.to_dict().items() if k not in _RUN_ONLY_KEYS}
    return {
        "format": MANIFEST_FORMAT,
        "stancekit": __version__,
        "input": dict(input_info),
        "target": {"name": _target_name(target), "aliases": list(getattr(target, "aliases", ()) or ())},
        "actors": {"names": [name for name, _ in actor_items], "sha256": _json_sha256(actor_items)},
        "model": {"name": display_model_name(model_path), "weights_sha256": weights_sha256(model_path)},
        "label_config_sha256": _json_sha256(cfg),
    }


def _target_name(target: Any) -> str:
    return " ".join(str(getattr(target, "name", target)).split())


def _short(h: Any) -> str:
    return f"{h[:12]}…" if isinstance(h, str) else str(h)


def manifest_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between the job recorded in a manifest (``old``) and this run's (``new``), one phrase
    each, e.g. ``target: 'the deal' now, 'the plan' in the manifest``."""
    out: list[str] = []

    def diff(what: str, now: Any, then: Any) -> None:
        if now != then:
            out.append(f"{what}: {now!r} now, {then!r} in the manifest")

    oi, ni = old.get("input", {}), new.get("input", {})
    if oi.get("sha256") != ni.get("sha256") or oi.get("kind") != ni.get("kind"):
        out.append(
            f"input: {ni.get('path')} ({ni.get('size')} bytes, sha256 {_short(ni.get('sha256'))}) now, "
            f"{oi.get('path')} ({oi.get('size')} bytes, sha256 {_short(oi.get('sha256'))}) in the manifest"
        )
    for key in ("text_field", "id_field", "encoding"):
        diff(f"--{key.replace('_', '-')}", ni.get(key), oi.get(key))
    ot, nt = old.get("target", {}), new.get("target", {})
    diff("target", nt.get("name"), ot.get("name"))
    diff("target aliases", nt.get("aliases"), ot.get("aliases"))
    oa, na = old.get("actors", {}), new.get("actors", {})
    if oa.get("sha256") != na.get("sha256"):
        if oa.get("names") != na.get("names"):
            out.append(f"actors: {', '.join(na.get('names', []))} now, {', '.join(oa.get('names', []))} in the manifest")
        else:
            out.append("actors: same names, different aliases")
    om, nm = old.get("model", {}), new.get("model", {})
    ow, nw = om.get("weights_sha256"), nm.get("weights_sha256")
    if (ow and nw and ow != nw) or ((not ow or not nw) and om.get("name") != nm.get("name")):
        out.append(
            f"model: {nm.get('name')} (weights sha256 {_short(nw)}) now, "
            f"{om.get('name')} (weights sha256 {_short(ow)}) in the manifest"
        )
    if old.get("label_config_sha256") != new.get("label_config_sha256"):
        out.append(
            f"label config: sha256 {_short(new.get('label_config_sha256'))} now, "
            f"{_short(old.get('label_config_sha256'))} in the manifest"
        )
    diff("stancekit version", new.get("stancekit"), old.get("stancekit"))
    return out


# ---------------------------------------------------------------------------- writing
class CorpusWriter:
    """Appends finished documents to ``path`` (JSONL records) and ``path.done`` (their ids).

    Invariant: an id is in ``.done`` only after all of its records are durably in ``path``; the
    records of documents not yet marked can only sit at the end of ``path``, and `open` cuts them.
    With a ``manifest``, `open` writes ``path.manifest.json`` for a new job and, when resuming,
    refuses a different job (InputError naming what differs; ``overwrite`` starts over instead).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        overwrite: bool = False,
        fsync: bool = True,
        manifest: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.done_path = self.path.with_name(self.path.name + ".done")
        self.manifest_path = self.path.with_name(self.path.name + MANIFEST_SUFFIX)
        self.overwrite = overwrite
        self.fsync = fsync
        self.manifest = dict(manifest) if manifest is not None else None
        self.done: set[str] = set()
        #: True when `open` started a new job (this run created the files).
        self.created = False
        self._out: Any = None
        self._marks: Any = None

    # -- lifecycle
    def open(self) -> "CorpusWriter":
        """Recover state from a previous run (see class docstring) and open both files for append."""
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory, not an output file")
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.overwrite:
            self._remove_files()
        elif self.path.exists() and self.path.stat().st_size > 0 and not self.done_path.exists():
            raise InputError(
                f"{self.path} exists but {self.done_path.name} does not, so it is not a resumable stancekit "
                "corpus output; remove it or pass --restart"
            )
        self.done = self._recover_done()
        fresh = not self.done and not (self.path.exists() and self.path.stat().st_size > 0)
        if self.manifest is not None:
            if fresh:
                self._write_manifest()
            else:
                self._check_manifest()
        self.created = fresh
        self._repair_output()
        self._out = open(self.path, "ab")
        self._marks = open(self.done_path, "ab")
        self._sync(self._marks)
        return self

    def close(self) -> None:
        for fh in (self._out, self._marks):
            if fh is not None and not fh.closed:
                fh.close()

    def discard(self) -> None:
        """Close and remove the files of a job this run created and committed nothing to."""
        self.close()
        self._remove_files()

    def __enter__(self) -> "CorpusWriter":
        return self.open() if self._out is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _remove_files(self) -> None:
        for p in (self.path, self.done_path, self.manifest_path):
            if p.exists():
                p.unlink()

    # -- the job manifest
    def _write_manifest(self) -> None:
        tmp = self.manifest_path.with_name(self.manifest_path.name + ".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if self.fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, self.manifest_path)

    def _check_manifest(self) -> None:
        name = self.manifest_path.name
        if not self.manifest_path.exists():
            raise InputError(
                f"{self.path}: {name} is missing, so the job of this output is unknown (written by an older "
                "stancekit?); pass --restart to start over or choose another -o"
            )
        try:
            old = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{self.manifest_path}: cannot read the job manifest ({exc}); pass --restart") from None
        diffs = manifest_differences(old if isinstance(old, dict) else {}, self.manifest or {})
        if diffs:
            raise InputError(
                f"{self.path} holds another job ({'; '.join(diffs)}); resuming would mix the two: "
                "pass --restart to start over or choose another -o"
            )

    # -- writing
    def write(self, docs: Sequence[tuple[str, Sequence[str]]]) -> int:
        """Commit finished documents ``[(doc_id, [json line, ...]), ...]``; returns records written."""
        if not docs:
            return 0
        data = "".join(line + "\n" for _, lines in docs for line in lines).encode("utf-8")
        if data:
            self._out.write(data)
            self._sync(self._out)
        self._marks.write("".join(json.dumps(d, ensure_ascii=False) + "\n" for d, _ in docs).encode("utf-8"))
        self._sync(self._marks)
        self.done.update(d for d, _ in docs)
        return sum(len(lines) for _, lines in docs)

    def _sync(self, fh: Any) -> None:
        fh.flush()
        if self.fsync:
            os.fsync(fh.fileno())

    # -- recovery
    def _recover_done(self) -> set[str]:
        if not self.done_path.exists():
            return set()
        data = self.done_path.read_bytes()
        end = data.rfind(b"\n") + 1  # a trailing partial line was being written at the crash
        done: set[str] = set()
        for n, line in enumerate(data[:end].splitlines(), 1):
            if not line.strip():
                continue
            try:
                doc_id = json.loads(line)
            except ValueError:
                raise InputError(f"{self.done_path}: line {n} is not a JSON string; the file is corrupt") from None
            done.add(str(doc_id))
        if end < len(data):
            _truncate(self.done_path, end)
        return done

    def _repair_output(self) -> None:
        """Cut records of unfinished documents (and a partial last line) from the end of the output."""
        if not self.path.exists():
            return
        keep_end = 0
        bad_seen = False
        needs_rewrite = False
        with open(self.path, "rb") as fh:
            offset = 0
            for line in fh:
                ok = line.endswith(b"\n") and self._doc_of(line) in self.done
                if ok and bad_seen:
                    needs_rewrite = True  # finished records after unfinished ones: not our write order
                    break
                if ok:
                    keep_end = offset + len(line)
                else:
                    bad_seen = True
                offset += len(line)
        if needs_rewrite:
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(self.path, "rb") as src, open(tmp, "wb") as dst:
                for line in src:
                    if line.endswith(b"\n") and self._doc_of(line) in self.done:
                        dst.write(line)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, self.path)
        elif self.path.stat().st_size != keep_end:
            _truncate(self.path, keep_end)

    @staticmethod
    def _doc_of(line: bytes) -> str | None:
        try:
            rec = json.loads(line)
        except ValueError:
            return None
        doc_id = rec.get("doc_id") if isinstance(rec, dict) else None
        return None if doc_id is None else str(doc_id)


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())


# ---------------------------------------------------------------------------- workers
@dataclass
class _Job:
    """What a worker needs to build its own classifier (plain, picklable data)."""

    model: str | None
    config: Any
    actors: dict[str, list[str]]
    target: Any  # a stancekit.targets.Target (or a string)
    threads: int | None
    trust_remote_code: bool = False


_WORKER_CLF: Any = None
_WORKER_JOB: _Job | None = None
_WORKER_ERROR: BaseException | None = None
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _load(job: _Job) -> Any:
    from .classifier import StanceClassifier

    return StanceClassifier.from_pretrained(job.model, job.config, trust_remote_code=job.trust_remote_code)


def _die_with_parent(parent_pid: int, interval: float = 0.5) -> None:
    """Make this worker exit when its parent dies, however it dies (``kill -9`` included): Linux's
    parent-death signal where available, and everywhere a thread that watches the parent's pid."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
                logger.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError):  # no libc / no prctl: the watcher below still works
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="stancekit-parent-watch", daemon=True).start()


def _init_worker(job: _Job, parent_pid: int) -> None:
    """Spawned worker: die with the parent, ignore Ctrl-C (the parent stops us), set threads, load the
    model once (a load error is kept and raised with the first chunk, so the parent reports it as one line)."""
    global _WORKER_CLF, _WORKER_JOB, _WORKER_ERROR
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from .nli import verbose_requested

    if not verbose_requested():
        try:
            import transformers

            transformers.logging.set_verbosity_error()
        except Exception:  # pragma: no cover
            pass
    if job.threads:
        import torch

        torch.set_num_threads(job.threads)
    _WORKER_JOB = job
    try:
        _WORKER_CLF = _load(job)
    except StancekitError as exc:
        _WORKER_ERROR = exc


def _label_chunk(clf: Any, job: _Job, docs: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """JSONL lines of each document of a chunk, in chunk order (same rendering as `label --format jsonl`)."""
    from .output import render_jsonl

    out: list[tuple[str, list[str]]] = []
    results = clf.label_many(docs, job.target, job.actors, docs_per_batch=max(1, len(docs)), progress=False)
    for (doc_id, _), res in zip(docs, results):
        text = render_jsonl([res])
        out.append((doc_id, text.splitlines()))
    return out


def _worker_chunk(docs: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    assert _WORKER_CLF is not None and _WORKER_JOB is not None, "worker not initialised"
    return _label_chunk(_WORKER_CLF, _WORKER_JOB, docs)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------- labelling
def _actors_map(actors: Any) -> tuple[dict[str, list[str]], Any]:
    from .actors import ActorsSpec, build_actors

    spec_target = None
    if isinstance(actors, ActorsSpec):
        spec_target, actors = actors.target, actors.actors
    built = build_actors(actors)
    return {a.name: list(a.aliases) for a in built}, spec_target


class _Warnings:
    """Warning lines on stderr, at most ``limit`` of them (then one line saying the rest are counted only)."""

    def __init__(self, limit: int, emit: Callable[[str], None] | None = None) -> None:
        self.limit = limit
        self.count = 0
        self.emit = emit or (lambda line: print(line, file=sys.stderr, flush=True))

    def __call__(self, message: str) -> None:
        self.count += 1
        logger.debug(message)
        if self.count <= self.limit:
            self.emit(f"stancekit: warning: {message}")
        elif self.count == self.limit + 1:
            self.emit("stancekit: warning: more documents skipped; not listed (counted in the summary)")


def _chunks(
    docs: Iterable[Doc],
    done: set[str],
    size: int,
    stats: CorpusStats,
    warn: Callable[[str], None],
    passed: Callable[[int], None] = lambda n: None,
) -> Iterator[list[tuple[str, str]]]:
    """Chunks of unfinished documents with usable text; skipped ones are counted and warned about."""
    seen: set[str] = set()
    chunk: list[tuple[str, str]] = []
    for doc in docs:
        if doc.doc_id in seen:  # scan_input refuses these first; the input changed since
            raise InputError(f"{doc.where}: duplicate document id {doc.doc_id!r}; ids must be unique (see --id-field)")
        seen.add(doc.doc_id)
        if doc.doc_id in done:
            stats.already_done += 1
            continue
        if doc.error is not None:
            stats.failed.append(doc.doc_id)
            warn(f"skipped {doc.error}")
            passed(1)
            continue
        if doc.skip is not None or doc.text is None:
            reason = doc.skip or "missing text"
            stats.skipped.append((doc.doc_id, reason))
            warn(f"skipped document {doc.doc_id!r} ({doc.where}): {reason}")
            passed(1)
            continue
        chunk.append((doc.doc_id, doc.text))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------- record metadata
#: Keys `label_corpus` gives every record (after its own keys, unless the record has the key already, as
#: it has ``target``): the input row's ``date`` (parsed once by
#: `stancekit.dates.parse_date`, written as ISO ``YYYY-MM-DD``; null when absent or unreadable), ``source``
#: and ``title`` (null when absent; a folder of .txt files has none of the three), and the job's ``target``
#: and ``model`` (names, as in the manifest). Fields named with ``keep`` (``--keep FIELD``) come last.
METADATA_KEYS: tuple[str, ...] = ("date", "source", "title", "target", "model")


class _RecordMetadata:
    """Adds `METADATA_KEYS` (and the ``keep`` fields) to the JSONL records of each labelled document.

    `tap` passes the documents through on their way into chunks; for each one that will be labelled it
    parses the date once (an unreadable date is one warning line naming the row, at most ``max_warnings``
    of them, and the records get ``date: null``) and holds its metadata until `apply` adds it to the
    document's record lines at commit (a key the record already has, e.g. ``target``, keeps the record's
    value). Only documents in flight are held.
    """

    def __init__(self, manifest: Mapping[str, Any], keep: Sequence[str], max_warnings: int) -> None:
        from .records import Record

        reserved = set(Record.__dataclass_fields__) | set(METADATA_KEYS)
        self.keep = list(dict.fromkeys([keep] if isinstance(keep, str) else keep))
        for name in self.keep:
            if not str(name).strip():
                raise ConfigError("--keep: empty field name")
            if name in reserved:
                raise ConfigError(f"--keep {name}: every record already has a {name!r} key; keep another field")
        self.job = {"target": manifest["target"]["name"], "model": manifest["model"]["name"]}
        self.max_warnings = max_warnings
        self.bad_dates = 0
        self._pending: dict[str, dict[str, Any]] = {}

    def tap(self, docs: Iterable[Doc], done: set[str], emit: Callable[[str], None]) -> Iterator[Doc]:
        for doc in docs:
            if doc.text is not None and doc.skip is None and doc.error is None and doc.doc_id not in done:
                self._pending[doc.doc_id] = self._values(doc, emit)
            yield doc

    def _values(self, doc: Doc, emit: Callable[[str], None]) -> dict[str, Any]:
        from .dates import parse_date

        row = doc.row or {}
        raw = row.get("date")
        date, reason = parse_date(raw)
        if reason is not None:
            self.bad_dates += 1
            if self.bad_dates <= self.max_warnings:
                emit(f"stancekit: warning: document {doc.doc_id!r} ({doc.where}): unreadable date {raw!r} "
                     f"({reason}); its records get date null")
            elif self.bad_dates == self.max_warnings + 1:
                emit("stancekit: warning: more unreadable dates; not listed")

        def text(value: Any) -> str | None:
            return None if value is None else (" ".join(str(value).split()) or None)

        values = {"date": date, "source": text(row.get("source")), "title": text(row.get("title")), **self.job}
        values.update((k, row.get(k)) for k in self.keep)
        return values

    def apply(self, results: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
        """The committed documents' lines with their metadata added (same JSON rendering as the records)."""
        out = []
        for doc_id, lines in results:
            values = self._pending.pop(doc_id, None)
            if values:
                lines = [json.dumps({**rec, **{k: v for k, v in values.items() if k not in rec}},
                                    ensure_ascii=False, default=str) for rec in map(json.loads, lines)]
            out.append((doc_id, lines))
        return out
# ---------------------------------------------------------------------------- end of record metadata


def label_corpus(
    source: str | os.PathLike,
    output: str | os.PathLike,
    actors: Any,
    target: Any = None,
    *,
    model: str | None = None,
    config: Any = None,
    text_field: str = "text",
    id_field: str = "id",
    encoding: str | None = None,
    workers: int = 1,
    docs_per_batch: int = 16,
    threads: int | None = None,
    progress: bool | None = None,
    overwrite: bool = False,
    restart: bool = False,
    fsync: bool = True,
    trust_remote_code: bool = False,
    classifier: Any = None,
    max_warnings: int = 10,
    warn: Callable[[str], None] | None = None,
    keep: Sequence[str] = (),
) -> CorpusStats:
    """Label every document of ``source`` into ``output`` (JSONL, one record per line with
    ``doc_id``), resuming a previous run of the same job on the same output (see the module docstring).

    ``actors``: {name: aliases}, a list of Actor, or an ActorsSpec (its target is used when
    ``target`` is None). ``target``: a string or a `stancekit.targets.Target` (with aliases).
    ``config``: a LabelConfig or YAML path. ``workers`` > 1 labels in that many spawned processes,
    each with ``threads`` torch threads (default: cores // workers). ``classifier``: an already
    loaded StanceClassifier (workers == 1 only; saves a reload). ``restart`` (or ``overwrite``):
    start over, discarding what ``output`` holds. ``progress``: a bar over documents (None: only
    when stderr is a terminal). ``warn``: where warning lines go (default: stderr), at most
    ``max_warnings`` of them. Every record gets `METADATA_KEYS` (date, source, title, target, model)
    and the row fields named in ``keep``.
    """
    from .config import LabelConfig, load_config
    from .textio import check_writable

    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    if docs_per_batch < 1:
        raise ConfigError(f"--docs-per-batch must be >= 1, got {docs_per_batch}")
    if classifier is not None and workers > 1:
        raise ConfigError("classifier= can only be used with workers=1 (each worker loads its own model)")
    check_writable(output, create_parents=True)
    cfg = config if isinstance(config, LabelConfig) else load_config(config)
    if classifier is not None:
        cfg = classifier.config
    actor_map, spec_target = _actors_map(actors)
    tgt = target if target is not None else (spec_target or cfg.target)
    if tgt is None or (isinstance(tgt, str) and not tgt.strip()):
        raise ConfigError("no target: pass --target or set target: in the actors file or config")
    try:
        from .targets import as_target

        tgt = as_target(tgt)  # a Target: its aliases travel with the job
    except ImportError:  # pragma: no cover - a build without target aliases
        tgt = " ".join(str(tgt).split())
    if threads is None and workers > 1:
        threads = max(1, available_cores() // workers)

    # Everything that can be refused is refused before a file is written or a model loaded.
    kind = input_kind(source)
    total = scan_input(source, text_field=text_field, id_field=id_field, encoding=encoding)
    if classifier is not None:
        model_path = classifier.scorer.name
    else:
        from .classifier import resolve_model

        model_path = resolve_model(model)
    manifest = job_manifest(
        input_fingerprint(source, text_field=text_field, id_field=id_field, encoding=encoding),
        tgt, actor_map, model_path, cfg,
    )
    metadata = _RecordMetadata(manifest, keep, max_warnings)
    job = _Job(model=model, config=cfg, actors=actor_map, target=tgt, threads=threads,
               trust_remote_code=trust_remote_code)
    clf = None
    if workers == 1:
        if threads:
            import torch

            torch.set_num_threads(threads)
        clf = classifier if classifier is not None else _load(job)

    stats = CorpusStats(output=str(output))
    started = time.perf_counter()
    writer = CorpusWriter(output, overwrite=overwrite or restart, fsync=fsync, manifest=manifest).open()
    bar = None
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        emit = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=total, initial=min(len(writer.done), total), desc="documents", unit="doc",
                       dynamic_ncols=True)
            emit = bar.write
        warnings_out = _Warnings(max_warnings, warn or (None if emit is None else (lambda s: emit(s, file=sys.stderr))))
        docs = iter_documents(source, text_field=text_field, id_field=id_field, encoding=encoding)
        docs = metadata.tap(docs, writer.done, warnings_out.emit)
        chunks = _chunks(docs, writer.done, docs_per_batch, stats, warnings_out,
                         passed=(bar.update if bar is not None else (lambda n: None)))

        def commit(results: list[tuple[str, list[str]]]) -> None:
            stats.records += writer.write(metadata.apply(results))
            stats.documents += len(results)
            if bar is not None:
                bar.update(len(results))

        if clf is not None:
            for chunk in chunks:
                commit(_label_chunk(clf, job, chunk))
        else:
            _run_pool(job, chunks, workers, commit)
    except BaseException:
        if bar is not None:
            bar.close()
            bar = None
        if writer.created and stats.documents == 0:
            writer.discard()  # a new job that finished nothing leaves no files behind
        raise
    finally:
        if bar is not None:
            bar.close()
        writer.close()
        stats.seconds = time.perf_counter() - started
    logger.info("corpus %s (%s): %d documents, %d records", source, kind, stats.documents, stats.records)
    return stats


def _run_pool(job: _Job, chunks: Iterator[list[tuple[str, str]]], workers: int, commit: Any) -> None:
    """Label chunks in ``workers`` spawned processes; commit results in input order; at most
    2 * workers chunks in flight (bounded memory). On any exit but success the workers are killed."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                               initializer=_init_worker, initargs=(job, os.getpid()))
    pending: deque = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(_worker_chunk, chunk))
            while len(pending) >= 2 * workers:
                commit(pending.popleft().result())
        while pending:
            commit(pending.popleft().result())
    except BrokenProcessPool:
        _stop_pool(pool, pending)
        raise StancekitError(
            "a corpus worker process died (out of memory?); finished documents are kept: run the same "
            "command again to resume, perhaps with fewer --workers"
        ) from None
    except BaseException:
        _stop_pool(pool, pending)
        raise
    pool.shutdown(wait=True)


def _stop_pool(pool: Any, pending: Iterable[Any]) -> None:
    """Cancel what is queued and kill the workers now (they may be in the middle of a chunk)."""
    for fut in pending:
        fut.cancel()
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=5)


def actors_from_cli(actors_file: str | None, actor_specs: Sequence[str]) -> tuple[list[Any], Any]:
    """Actors and target from ``--actors FILE`` and ``--actor SPEC`` options (specs override the file)."""
    from .actors import load_actors_file, parse_actor_option

    actors: list[Any] = []
    spec_target = None
    if actors_file:
        if actors_file == "auto":
            raise ConfigError("--actors auto is not supported in corpus mode: pass an actors file or --actor")
        spec = load_actors_file(actors_file)
        actors, spec_target = list(spec.actors), spec.target
    extra = [parse_actor_option(s) for s in actor_specs]
    if extra:
        names = {a.name for a in extra}
        actors = [a for a in actors if a.name not in names] + extra
    if not actors:
        raise ConfigError("no actors given: pass --actors FILE or --actor SPEC")
    return actors, spec_target


def summary_line(stats: CorpusStats) -> str:
    """One line for the terminal after a run."""
    parts = [f"{stats.documents} documents labelled", f"{stats.records} records", f"{stats.seconds:.1f}s"]
    if stats.already_done:
        parts.append(f"{stats.already_done} already done")
    counts = stats.skip_counts()
    if counts:
        detail = ", ".join(f"{n} {reason}" for reason, n in counts.items())
        parts.append(f"{sum(counts.values())} skipped ({detail})")
    return f"{stats.output}: " + ", ".join(parts)


__all__ = [
    "CorpusStats",
    "CorpusWriter",
    "Doc",
    "SKIP_REASONS",
    "estimate_total",
    "input_fingerprint",
    "input_kind",
    "iter_documents",
    "job_manifest",
    "label_corpus",
    "manifest_differences",
    "scan_input",
    "summary_line",
    "weights_sha256",
]
