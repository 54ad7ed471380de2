"""Corpus mode: label many documents into one resumable JSONL file.

Why it is built this way:

- **Streaming in, streaming out.** Documents come from a folder of ``.txt`` files or a JSONL /
  CSV / Parquet file read with ``datasets.load_dataset(..., streaming=True)``; they are labelled
  in chunks of ``docs_per_batch`` (one de-duplicated NLI job list per chunk, so batches stay full)
  and written as soon as they are done. At most ``2 * workers`` chunks are in flight, so memory
  does not grow with the corpus (only the set of finished document ids does).
- **Crash-safe resume.** `CorpusWriter` appends all records of a chunk in one write, flushes and
  fsyncs them, and only then appends the chunk's document ids to the side file ``OUT.done``. A
  document is finished iff its id is in ``OUT.done`` (also when it produced zero records). On
  start, a trailing partial line in either file is dropped and records of unfinished documents
  (written just before a crash, never marked done) are cut from ``OUT``; so after Ctrl-C or
  ``kill -9`` a re-run loses nothing and duplicates nothing.
- **Deterministic output with N workers.** Worker processes (spawn context: safe with torch
  threads; each loads the model once and uses ``cores // N`` torch threads) label whole chunks;
  the parent writes results strictly in input order, so the JSONL is the same with 1 or N workers.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .errors import ConfigError, InputError

logger = logging.getLogger(__name__)

#: File suffix -> ``datasets`` packaged builder name.
FILE_KINDS: dict[str, str] = {
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
}
_COMPRESSION = (".gz", ".bz2", ".xz", ".zst", ".zip")


@dataclass
class Doc:
    """One input document; ``error`` is set (and ``text`` None) when it could not be read."""

    doc_id: str
    text: str | None
    error: str | None = None


@dataclass
class CorpusStats:
    """What a `label_corpus` run did (``already_done``: skipped because a previous run finished them)."""

    documents: int = 0
    records: int = 0
    already_done: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""


# ---------------------------------------------------------------------------- reading
def input_kind(source: str | os.PathLike) -> str:
    """'folder', 'json', 'csv' or 'parquet' for an input path (InputError if unsupported)."""
    p = Path(source)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        return "folder"
    name = p.name.lower()
    for comp in _COMPRESSION:
        if name.endswith(comp):
            name = name[: -len(comp)]
    kind = FILE_KINDS.get(Path(name).suffix)
    if kind is None:
        raise InputError(
            f"{p}: unsupported corpus file type (expected a folder of .txt files or "
            f"{', '.join(sorted(FILE_KINDS))})"
        )
    return kind


def iter_documents(
    source: str | os.PathLike,
    *,
    text_field: str = "text",
    id_field: str = "id",
    encoding: str | None = None,
) -> Iterator[Doc]:
    """Documents of a folder (sorted ``*.txt``, id = relative path) or a tabular file (id =
    ``id_field``, or the 0-based row number when the file has no such column)."""
    kind = input_kind(source)
    if kind == "folder":
        yield from _iter_folder(Path(source), encoding)
    else:
        yield from _iter_table(Path(source), kind, text_field, id_field, encoding)


def _folder_files(root: Path) -> list[Path]:
    return sorted((p for p in root.rglob("*.txt") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())


def _iter_folder(root: Path, encoding: str | None) -> Iterator[Doc]:
    from .textio import read_text

    for path in _folder_files(root):
        doc_id = path.relative_to(root).as_posix()
        try:
            yield Doc(doc_id, read_text(path, encoding=encoding))
        except InputError as exc:
            yield Doc(doc_id, None, str(exc))


def _iter_table(path: Path, kind: str, text_field: str, id_field: str, encoding: str | None) -> Iterator[Doc]:
    try:
        import datasets
    except ImportError:  # pragma: no cover - a core dependency
        raise InputError("reading JSONL/CSV/Parquet corpora needs the 'datasets' package") from None
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    kwargs: dict[str, Any] = {}
    if encoding and kind in ("json", "csv"):
        kwargs["encoding"] = encoding
    if kind == "csv" and path.name.lower().split(".")[-1] == "tsv":
        kwargs["sep"] = "\t"
    try:
        ds = datasets.load_dataset(kind, data_files=str(path), split="train", streaming=True, **kwargs)
        rows = iter(ds)
        row_no = 0
        for row in rows:
            if row_no == 0 and text_field not in row:
                raise InputError(
                    f"{path}: no text field {text_field!r} (columns: {', '.join(map(str, row))}); pass --text-field"
                )
            raw_id = row.get(id_field)
            doc_id = str(row_no) if raw_id is None else str(raw_id)
            text = row.get(text_field)
            yield Doc(doc_id, "" if text is None else str(text))
            row_no += 1
    except InputError:
        raise
    except Exception as exc:  # pyarrow / datasets parse errors come in many types
        msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise InputError(f"{path}: cannot read as {kind}: {msg}") from None


def estimate_total(source: str | os.PathLike) -> int | None:
    """Document count for the progress bar: exact for folders and Parquet, a line count for
    JSONL/CSV (CSV fields with embedded newlines make it an over-estimate), None if compressed."""
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


# ---------------------------------------------------------------------------- writing
class CorpusWriter:
    """Appends finished documents to ``path`` (JSONL records) and ``path.done`` (their ids).

    Invariant: an id is in ``.done`` only after all of its records are durably in ``path``; the
    records of documents not yet marked can only sit at the end of ``path``, and `open` cuts them.
    """

    def __init__(self, path: str | os.PathLike, *, overwrite: bool = False, fsync: bool = True) -> None:
        self.path = Path(path)
        self.done_path = self.path.with_name(self.path.name + ".done")
        self.overwrite = overwrite
        self.fsync = fsync
        self.done: set[str] = set()
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
            for p in (self.path, self.done_path):
                if p.exists():
                    p.unlink()
        elif self.path.exists() and self.path.stat().st_size > 0 and not self.done_path.exists():
            raise InputError(
                f"{self.path} exists but {self.done_path.name} does not, so it is not a resumable stancekit "
                "corpus output; remove it or pass --overwrite"
            )
        self.done = self._recover_done()
        self._repair_output()
        self._out = open(self.path, "ab")
        self._marks = open(self.done_path, "ab")
        self._sync(self._marks)
        return self

    def close(self) -> None:
        for fh in (self._out, self._marks):
            if fh is not None and not fh.closed:
                fh.close()

    def __enter__(self) -> "CorpusWriter":
        return self.open() if self._out is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

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


# ---------------------------------------------------------------------------- labelling
@dataclass
class _Job:
    """What a worker needs to build its own classifier (plain, picklable data)."""

    model: str | None
    config: Any
    actors: dict[str, list[str]]
    target: str
    threads: int | None
    trust_remote_code: bool = False


_WORKER_CLF: Any = None
_WORKER_JOB: _Job | None = None


def _load(job: _Job) -> Any:
    from .classifier import StanceClassifier

    return StanceClassifier.from_pretrained(job.model, job.config, trust_remote_code=job.trust_remote_code)


def _init_worker(job: _Job) -> None:
    """Spawned worker: ignore Ctrl-C (the parent stops us), set threads, load the model once."""
    global _WORKER_CLF, _WORKER_JOB
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if job.threads:
        import torch

        torch.set_num_threads(job.threads)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
    except Exception:  # pragma: no cover
        pass
    _WORKER_JOB = job
    _WORKER_CLF = _load(job)


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
    assert _WORKER_CLF is not None and _WORKER_JOB is not None, "worker not initialised"
    return _label_chunk(_WORKER_CLF, _WORKER_JOB, docs)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return os.cpu_count() or 1


def _actors_map(actors: Any) -> tuple[dict[str, list[str]], str | None]:
    from .actors import ActorsSpec, build_actors

    spec_target = None
    if isinstance(actors, ActorsSpec):
        spec_target, actors = actors.target, actors.actors
    built = build_actors(actors)
    return {a.name: list(a.aliases) for a in built}, spec_target


def _chunks(
    docs: Iterable[Doc], done: set[str], size: int, stats: CorpusStats
) -> Iterator[list[tuple[str, str]]]:
    """Chunks of unfinished, readable documents; refuses duplicate ids (resume would break)."""
    seen: set[str] = set()
    chunk: list[tuple[str, str]] = []
    for doc in docs:
        if doc.doc_id in seen:
            raise InputError(f"duplicate document id {doc.doc_id!r}: ids must be unique (see --id-field)")
        seen.add(doc.doc_id)
        if doc.doc_id in done:
            stats.already_done += 1
            continue
        if doc.error is not None:
            logger.warning("skipped: %s", doc.error)
            print(f"stancekit: warning: skipped {doc.error}", file=sys.stderr)
            stats.failed.append(doc.doc_id)
            continue
        chunk.append((doc.doc_id, doc.text or ""))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def label_corpus(
    source: str | os.PathLike,
    output: str | os.PathLike,
    actors: Any,
    target: str | None = None,
    *,
    model: str | None = None,
    config: Any = None,
    text_field: str = "text",
    id_field: str = "id",
    encoding: str | None = None,
    workers: int = 1,
    docs_per_batch: int = 16,
    threads: int | None = None,
    progress: bool = True,
    overwrite: bool = False,
    fsync: bool = True,
    trust_remote_code: bool = False,
    classifier: Any = None,
) -> CorpusStats:
    """Label every document of ``source`` into ``output`` (JSONL, one record per line with
    ``doc_id``), resuming a previous run on the same output.

    ``actors``: {name: aliases}, a list of Actor, or an ActorsSpec (its target is used when
    ``target`` is None). ``config``: a LabelConfig or YAML path. ``workers`` > 1 labels in that
    many spawned processes, each with ``threads`` torch threads (default: cores // workers).
    ``classifier``: an already loaded StanceClassifier (workers == 1 only; saves a reload).
    """
    from .config import LabelConfig, load_config

    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    if docs_per_batch < 1:
        raise ConfigError(f"--docs-per-batch must be >= 1, got {docs_per_batch}")
    if classifier is not None and workers > 1:
        raise ConfigError("classifier= can only be used with workers=1 (each worker loads its own model)")
    cfg = config if isinstance(config, LabelConfig) else load_config(config)
    if classifier is not None:
        cfg = classifier.config
    actor_map, spec_target = _actors_map(actors)
    tgt = target if target is not None else (spec_target or cfg.target)
    if tgt is None or not str(tgt).strip():
        raise ConfigError("no target: pass --target or set target: in the actors file or config")
    tgt = " ".join(str(tgt).split())
    if threads is None and workers > 1:
        threads = max(1, available_cores() // workers)
    job = _Job(model=model, config=cfg, actors=actor_map, target=tgt, threads=threads,
               trust_remote_code=trust_remote_code)

    kind = input_kind(source)  # fail fast on a bad input before loading a model
    stats = CorpusStats(output=str(output))
    started = time.perf_counter()
    writer = CorpusWriter(output, overwrite=overwrite, fsync=fsync).open()
    bar = None
    try:
        if progress:
            from tqdm.auto import tqdm

            total = estimate_total(source)
            bar = tqdm(total=total, initial=min(len(writer.done), total or len(writer.done)),
                       desc="documents", unit="doc", dynamic_ncols=True)
        docs = iter_documents(source, text_field=text_field, id_field=id_field, encoding=encoding)
        chunks = _chunks(docs, writer.done, docs_per_batch, stats)

        def commit(results: list[tuple[str, list[str]]]) -> None:
            stats.records += writer.write(results)
            stats.documents += len(results)
            if bar is not None:
                bar.update(len(results))

        if workers == 1:
            if threads:
                import torch

                torch.set_num_threads(threads)
            clf = classifier if classifier is not None else _load(job)
            for chunk in chunks:
                commit(_label_chunk(clf, job, chunk))
        else:
            _run_pool(job, chunks, workers, commit)
    finally:
        if bar is not None:
            bar.close()
        writer.close()
        stats.seconds = time.perf_counter() - started
    logger.info("corpus %s (%s): %d documents, %d records", source, kind, stats.documents, stats.records)
    return stats


def _run_pool(job: _Job, chunks: Iterator[list[tuple[str, str]]], workers: int, commit: Any) -> None:
    """Label chunks in ``workers`` spawned processes; commit results in input order; at most
    2 * workers chunks in flight (bounded memory)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                               initializer=_init_worker, initargs=(job,))
    pending: deque = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(_worker_chunk, chunk))
            while len(pending) >= 2 * workers:
                commit(pending.popleft().result())
        while pending:
            commit(pending.popleft().result())
    except BaseException:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def actors_from_cli(actors_file: str | None, actor_specs: Sequence[str]) -> tuple[list[Any], str | None]:
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
    if stats.failed:
        parts.append(f"{len(stats.failed)} unreadable (skipped)")
    return f"{stats.output}: " + ", ".join(parts)


__all__ = [
    "CorpusStats",
    "CorpusWriter",
    "Doc",
    "estimate_total",
    "input_kind",
    "iter_documents",
    "label_corpus",
]
