"""Command-line interface (thin: parsing and printing; the work is in `StanceClassifier`).

Every user error is a `StancekitError`, printed as one ``stancekit: error: ...`` line with exit
code 2, never a traceback. Subcommands register themselves through `_SUBCOMMANDS`: to add one,
write ``_add_<name>(subparsers)`` that builds its parser and sets ``func=...``, and append it to
the list.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, Sequence

from .errors import ConfigError, ModelError, StancekitError

PROG = "stancekit"
MODEL_ENV = "STANCEKIT_MODEL"
VERBOSE_ENV = "STANCEKIT_VERBOSE"


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a job scheduler) raised as an exception in the main thread, so that
    cleanup runs as for Ctrl-C: corpus workers are stopped, output files closed consistently."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _write(text: str, out: str | None) -> None:
    if out is None or out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StancekitError(f"cannot write output file {out}: {exc.strerror or exc}") from None


def _discover(text: str, source: str, required_msg: str):
    try:
        from .discovery import discover_actors
    except ImportError:
        raise ConfigError(required_msg) from None
    actors = discover_actors(text)
    if not actors:
        raise ConfigError(f"no actors found in {source}: pass --actors or --actor")
    return actors


# ---------------------------------------------------------------------------- shared options
def _add_actor_and_model_options(p: argparse.ArgumentParser, actors_help: str, actors_metavar: str) -> None:
    """Options that `label` and `label-corpus` share: who to label, toward what, with which model and config."""
    p.add_argument("--actors", metavar=actors_metavar, help=actors_help)
    p.add_argument(
        "--actor", action="append", default=[], metavar="SPEC", help="an actor, e.g. 'Russia=Russia,Russian' (repeatable)"
    )
    p.add_argument("--target", metavar="T", help="stance target (overrides the actors file's target)")
    p.add_argument(
        "--target-alias", action="append", default=[], metavar="PHRASE",
        help="another phrase the text uses for the target, e.g. 'the deal' (repeatable; added to the actors file's)",
    )
    p.add_argument("--model", metavar="M", help="NLI model folder, hub id or bundled:NAME (bundled:nli-minilm is the fast one; default: $STANCEKIT_MODEL or the bundled nli-mpnet)")
    p.add_argument("--config", metavar="C", help="label config YAML (default: the packaged configs/default.yaml)")


def _target_from(args: argparse.Namespace, spec_target, config_target):
    """The stance target: ``--target`` (with ``--target-alias``) over the actors file's over the config's;
    None when there is none. Aliases given with ``--target-alias`` are added to the chosen target's."""
    from .targets import Target, as_target

    for i, alias in enumerate(args.target_alias):
        if not alias.strip():
            raise ConfigError(f"--target-alias: empty value at position {i + 1}")
    if args.target is not None:
        if not args.target.strip():
            raise ConfigError(f"--target: empty value {args.target!r} (expected the stance target, e.g. 'the plan')")
        return Target(args.target, tuple(args.target_alias))
    base = as_target(spec_target) if spec_target is not None else as_target(config_target)
    if base is None:
        if args.target_alias:
            raise ConfigError("--target-alias needs a target: pass --target or set target: in the actors file")
        return None
    return Target(base.name, tuple(base.aliases) + tuple(args.target_alias)) if args.target_alias else base


def _add_verbosity_options(p: argparse.ArgumentParser) -> None:
    """--progress / --no-progress / --verbose (label, label-corpus, evaluate)."""
    bars = p.add_mutually_exclusive_group()
    bars.add_argument("--progress", action="store_true", help="show the progress bar even when stderr is not a terminal")
    bars.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true",
                   help="keep third-party progress bars and warnings (transformers, datasets) while loading")


def _progress(args: argparse.Namespace) -> bool:
    """A bar only on an interactive terminal, unless --progress / --no-progress say otherwise."""
    if getattr(args, "progress", False):
        return True
    return not getattr(args, "no_progress", False) and sys.stderr.isatty()


def _add_run_options(p: argparse.ArgumentParser) -> None:
    _add_verbosity_options(p)
    p.add_argument("--trust-remote-code", action="store_true", help="allow model code from the hub (runs that code)")


# ---------------------------------------------------------------------------- label
def _add_label(sub: argparse._SubParsersAction) -> None:
    from .config import DTYPES

    p = sub.add_parser(
        "label",
        help="stance and sentiment per paragraph and actor",
        description="Label each paragraph of FILE with each actor's stance toward the target.",
    )
    p.add_argument("file", metavar="FILE", help="article text file ('-' for stdin)")
    _add_actor_and_model_options(p, "actors file (name: [aliases], target:) or 'auto'", "YAML|auto")
    p.add_argument("--format", choices=("table", "jsonl", "csv", "html"), default="table")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    p.add_argument("--encoding", metavar="ENC", help="input encoding (default: detect)")
    p.add_argument("--batch-size", type=int, metavar="N", help="pairs per batch (overrides the config)")
    p.add_argument("--device", metavar="D", help="auto, cpu, cuda, cuda:1, mps (overrides the config)")
    p.add_argument("--backend", choices=("auto", "torch", "onnx"),
                   help="what runs the model (overrides the config; auto: ONNX Runtime for a large float32 model on CPU)")
    p.add_argument("--dtype", choices=DTYPES,
                   help="precision (overrides the config; auto: bfloat16-mixed for a large model on a CPU with "
                        "bfloat16 arithmetic, float16 on cuda, float32 otherwise)")
    _add_run_options(p)
    p.set_defaults(func=_run_label)


def _read_input(path: str, encoding: str | None) -> str:
    from .textio import decode_bytes, read_text

    if path == "-":
        return decode_bytes(sys.stdin.buffer.read(), encoding=encoding, source="<stdin>")
    return read_text(path, encoding=encoding)


def _run_label(args: argparse.Namespace) -> int:
    from .actors import load_actors_file, parse_actor_option
    from .classifier import StanceClassifier
    from .config import load_config
    from .output import render

    if args.batch_size is not None and args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.output not in (None, "-"):
        from .textio import check_writable

        check_writable(args.output)  # before any model work
    text = _read_input(args.file, args.encoding)
    config = load_config(args.config)
    actors = []
    spec_target = None
    if args.actors and args.actors != "auto":
        spec = load_actors_file(args.actors)
        actors, spec_target = list(spec.actors), spec.target
    extra = [parse_actor_option(s) for s in args.actor]
    if extra:
        names = {a.name for a in extra}
        actors = [a for a in actors if a.name not in names] + extra
    discovered: list[str] = []
    if args.actors == "auto" or not actors:
        found = _discover(text, args.file, "no actors given: pass --actors or --actor")
        known = {a.name for a in actors}
        discovered = [a.name for a in found if a.name not in known]
        actors = actors + [a for a in found if a.name not in known]
    target = _target_from(args, spec_target, config.target)
    proposed = target is None
    if target is None:
        from .targets import propose_target

        target = propose_target(text)
        if target is None:
            raise ConfigError(
                f"no target: {args.file} has no plan/deal/agreement-like phrase to stance toward; pass --target"
            )
        print(f"stancekit: target: {target.name!r} (found in the text; override with --target)", file=sys.stderr)
    if proposed or discovered:  # what stancekit found gives way: a phrase is either the target or an actor
        from .discovery import separate_target

        target, actors = separate_target(target, actors, target_found=proposed, discovered=discovered)
        if not actors:
            raise ConfigError(f"no actors found in {args.file}: pass --actors or --actor")
    from .actors import check_target_aliases

    check_target_aliases(target, actors)
    clf = StanceClassifier.from_pretrained(
        args.model,
        config,
        trust_remote_code=args.trust_remote_code,
        batch_size=args.batch_size,
        device=args.device,
        backend=args.backend,
        dtype=args.dtype,
    )
    # A bar only on an interactive terminal (and only for > 2 batches: NLIScorer decides that) or with --progress.
    show = True if args.progress else (None if _progress(args) else False)
    result = clf.label(text, target, actors, progress=show)
    _write(render(result, args.format, texts=text), args.output)
    return 0


# ---------------------------------------------------------------------------- actors
def _add_actors(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "actors", help="discover the actors named in an article", description="Print the actors found in FILE as YAML."
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--target", metavar="T", help="target to write into the YAML")
    p.add_argument("--encoding", metavar="ENC")
    p.add_argument("-o", "--output", metavar="OUT")
    p.set_defaults(func=_run_actors)


def _run_actors(args: argparse.Namespace) -> int:
    text = _read_input(args.file, args.encoding)
    try:
        from .discovery import actors_to_yaml
    except ImportError:
        raise ConfigError("actor discovery is not available in this installation (stancekit.discovery)") from None
    actors = _discover(text, args.file, "actor discovery is not available in this installation (stancekit.discovery)")
    from .discovery import separate_target
    from .targets import Target, propose_target

    given = bool(args.target and args.target.strip())
    target = Target(args.target) if given else propose_target(text)
    if target is not None:  # a phrase is either the target or an actor: actor aliases win over found target aliases
        target, actors = separate_target(target, actors, target_found=not given)
    _write(actors_to_yaml(actors, target=target), args.output)
    return 0


# ---------------------------------------------------------------------------- evaluate
def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    from .evaluation.run import add_arguments

    p = sub.add_parser(
        "evaluate",
        help="score stancekit and baselines on a gold eval set",
        description="Compare stancekit with majority, lexicon and zero-shot baselines on an eval set; "
        "writes predictions.jsonl, metrics.json, report.md and confusion.png.",
    )
    add_arguments(p)
    _add_verbosity_options(p)
    p.set_defaults(func=_run_evaluate)


def _run_evaluate(args: argparse.Namespace) -> int:
    from .evaluation.run import run_from_args
    from .textio import check_writable

    check_writable(args.output, folder=True)  # before any model work
    args.progress_bar = _progress(args)
    return run_from_args(args)


# ---------------------------------------------------------------------------- finetune
def _add_finetune(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "finetune",
        help="fine-tune an NLI model from a YAML config",
        description="Train an NLI cross-encoder from a YAML config (see configs/); writes OUTPUT_DIR/model, "
        "config.resolved.yaml, metrics.json and a model card README.md.",
    )
    p.add_argument("config", metavar="CONFIG", help="fine-tuning YAML config, e.g. configs/nli-minilm.yaml")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set training.epochs=2 (repeatable)")
    p.set_defaults(func=_run_finetune)


def _run_finetune(args: argparse.Namespace) -> int:
    import transformers

    from .finetune import finetune

    # Training is long: the Trainer's progress bar (ETA, loss) is wanted even when quiet elsewhere.
    transformers.utils.logging.enable_progress_bar()
    result = finetune(args.config, args.overrides)
    print(f"model saved to {result.output_dir / 'model'}")
    for key, value in result.metrics.items():
        if key.endswith("accuracy"):
            print(f"  {key}: {value:.4f}")
    return 0


# ---------------------------------------------------------------------------- label-corpus
def _add_label_corpus(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "label-corpus",
        help="label a folder / JSONL / CSV / Parquet corpus into resumable JSONL",
        description="Label every document of INPUT (a folder of .txt files, or a JSONL, CSV or Parquet file) "
        "into OUT.jsonl, one record per line with doc_id. OUT.manifest.json records the job (input, target, "
        "actors, model, label config). Re-running the same job with the same OUT resumes: finished documents "
        "(listed in OUT.done) are skipped; another job on the same OUT is refused unless --restart.",
    )
    p.add_argument("input", metavar="INPUT", help="folder of .txt files (doc id = relative path) or .jsonl/.csv/.parquet")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="output JSONL (appended; OUT.done tracks progress)")
    _add_actor_and_model_options(p, "actors file (name: [aliases], target:)", "YAML")
    p.add_argument("--text-field", default="text", metavar="NAME", help="text column of a JSONL/CSV/Parquet input")
    p.add_argument("--id-field", default="id", metavar="NAME", help="id column (default: id; row number if absent)")
    p.add_argument("--keep", action="append", default=[], metavar="FIELD",
                   help="copy this input field onto every record (repeatable; date, source and title always are)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes, each with its own model")
    p.add_argument("--threads", type=int, metavar="N", help="torch threads per worker (default: cores / workers)")
    p.add_argument("--docs-per-batch", type=int, default=16, metavar="N", help="documents scored as one job list")
    p.add_argument("--encoding", metavar="ENC", help="input encoding (default: detect for .txt, UTF-8 for tables)")
    p.add_argument("--restart", "--overwrite", dest="restart", action="store_true",
                   help="start over: discard OUT (and OUT.done, OUT.manifest.json) instead of resuming")
    _add_run_options(p)
    p.set_defaults(func=_run_label_corpus)


def _run_label_corpus(args: argparse.Namespace) -> int:
    from .corpus import actors_from_cli, label_corpus, summary_line

    actors, spec_target = actors_from_cli(args.actors, args.actor)
    stats = label_corpus(
        args.input,
        args.output,
        actors,
        _target_from(args, spec_target, None),
        model=args.model,
        config=args.config,
        text_field=args.text_field,
        id_field=args.id_field,
        encoding=args.encoding,
        workers=args.workers,
        docs_per_batch=args.docs_per_batch,
        threads=args.threads,
        progress=_progress(args),
        restart=args.restart,
        trust_remote_code=args.trust_remote_code,
        keep=args.keep,
    )
    print(summary_line(stats), file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------- report
def _add_report(sub: argparse._SubParsersAction) -> None:
    from .dates import PERIODS

    p = sub.add_parser(
        "report",
        help="per-actor timelines, outlet comparison and evidence for a labels file (HTML, CSV, PNG)",
        description="Aggregate LABELS (label-corpus output) over documents and write DIR/report.html (one offline "
        "file), DIR/aggregates.csv (+ .parquet), DIR/changes.csv and DIR/plots/*.png. See docs/archive.md.",
    )
    p.add_argument("labels", metavar="LABELS", help="labels JSONL from `stancekit label-corpus` (or `label --format jsonl`)")
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="output folder (created)")
    p.add_argument("--period", choices=PERIODS, default="month", help="time unit of the timelines (default: month)")
    p.add_argument("--evidence", type=int, default=3, metavar="N", help="evidence sentences per label and period")
    p.add_argument("--min-documents", type=int, default=1, metavar="N",
                   help="periods with fewer documents are not part of a position change")
    p.add_argument("--max-plots", type=int, default=40, metavar="N", help="PNG timelines for the N actors with most documents")
    p.add_argument("--no-plots", action="store_true", help="no plots/*.png (no matplotlib needed)")
    p.set_defaults(func=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    from .report import build_report

    result = build_report(
        args.labels, args.output, period=args.period, evidence=args.evidence, min_documents=args.min_documents,
        max_plots=args.max_plots, plots=not args.no_plots,
        warn=lambda line: print(f"{PROG}: warning: {line}", file=sys.stderr),
    )
    info = result.summary.info if result.summary is not None else {}
    n_rec, n_doc = info.get("records", 0), info.get("documents", 0)
    print(f"{result.html}: {n_rec} record{'s' * (n_rec != 1)}, {n_doc} document{'s' * (n_doc != 1)}; "
          f"{result.csv.name}{', ' + result.parquet.name if result.parquet else ''}, {result.changes_csv.name}, "
          f"{len(result.plots)} plots", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------- wiring
#: Subcommand adders: each takes the subparsers object and registers one command.
_SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_label,
    _add_actors,
    _add_evaluate,
    _add_finetune,
    _add_label_corpus,
    _add_report,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Per-paragraph, per-actor stance and sentiment toward a target, from an NLI model."
    )
    try:
        from importlib.metadata import version

        parser.add_argument("--version", action="version", version=f"%(prog)s {version('stancekit')}")
    except Exception:  # not installed (running from a checkout)
        pass
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _SUBCOMMANDS:
        add(sub)
    return parser


def quiet_libraries() -> None:
    """Library warnings (transformers, tqdm) are noise for CLI users; --verbose or STANCEKIT_DEBUG=1 keep them."""
    if os.environ.get("STANCEKIT_DEBUG") or os.environ.get(VERBOSE_ENV):
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()  # the "Loading weights" bar
        import huggingface_hub

        huggingface_hub.utils.logging.set_verbosity_error()  # hub retry chatter when offline
    except Exception:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 2 user error, 130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2, message already printed)
        return int(exc.code or 0)
    previous_sigterm = None
    if threading.current_thread() is threading.main_thread():
        previous_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)
    set_verbose = bool(getattr(args, "verbose", False)) and VERBOSE_ENV not in os.environ
    try:
        if set_verbose:
            os.environ[VERBOSE_ENV] = "1"  # inherited by corpus workers
        quiet_libraries()
        return int(args.func(args) or 0)
    except StancekitError as exc:
        msg = " ".join(str(exc).split())
        if isinstance(exc, ModelError) and not getattr(args, "model", None) and MODEL_ENV not in msg \
                and os.environ.get(MODEL_ENV, "").strip():
            msg += f" (the model comes from ${MODEL_ENV}={os.environ[MODEL_ENV].strip()})"
        print(f"{PROG}: error: {msg}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print(f"{PROG}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `stancekit label ... | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    finally:
        if set_verbose:
            os.environ.pop(VERBOSE_ENV, None)
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
