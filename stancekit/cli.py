"""Command-line interface (thin: parsing and printing; the work is in `StanceClassifier`).

Every user error is a `StancekitError`, printed as one ``stancekit: error: ...`` line with exit
code 2, never a traceback. Subcommands register themselves through `_SUBCOMMANDS`: to add one,
write ``_add_<name>(subparsers)`` that builds its parser and sets ``func=...``, and append it to
the list.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from .errors import ConfigError, StancekitError

PROG = "stancekit"


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
    p.add_argument("--model", metavar="M", help="NLI model folder or hub id (default: $STANCEKIT_MODEL or bundled)")
    p.add_argument("--config", metavar="C", help="label config YAML (default: the packaged configs/default.yaml)")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--trust-remote-code", action="store_true", help="allow model code from the hub (runs that code)")


# ---------------------------------------------------------------------------- label
def _add_label(sub: argparse._SubParsersAction) -> None:
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
    if args.target is not None and not args.target.strip():
        raise ConfigError(f"--target: empty value {args.target!r} (expected the stance target, e.g. 'the plan')")
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
    if args.actors == "auto" or not actors:
        found = _discover(text, args.file, "no actors given: pass --actors or --actor")
        known = {a.name for a in actors}
        actors = actors + [a for a in found if a.name not in known]
    target = args.target if args.target is not None else (spec_target or config.target)
    if target is None or not str(target).strip():
        raise ConfigError("no target: pass --target or set target: in the actors file")
    clf = StanceClassifier.from_pretrained(
        args.model,
        config,
        trust_remote_code=args.trust_remote_code,
        batch_size=args.batch_size,
        device=args.device,
    )
    # A bar only on an interactive terminal (and only for > 2 batches: NLIScorer decides that).
    show = None if (not args.no_progress and sys.stderr.isatty()) else False
    result = clf.label(text, target, actors, progress=show)
    _write(render(result, args.format), args.output)
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
    _write(actors_to_yaml(actors, target=args.target), args.output)
    return 0


# ---------------------------------------------------------------------------- evaluate
def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    from .evaluation.run import add_arguments, run_from_args

    p = sub.add_parser(
        "evaluate",
        help="score stancekit and baselines on a gold eval set",
        description="Compare stancekit with majority, lexicon and zero-shot baselines on an eval set; "
        "writes predictions.jsonl, metrics.json, report.md and confusion.png.",
    )
    add_arguments(p)
    p.set_defaults(func=run_from_args)


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
        "into OUT.jsonl, one record per line with doc_id. Re-running with the same OUT resumes: finished "
        "documents (listed in OUT.done) are skipped.",
    )
    p.add_argument("input", metavar="INPUT", help="folder of .txt files (doc id = relative path) or .jsonl/.csv/.parquet")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="output JSONL (appended; OUT.done tracks progress)")
    _add_actor_and_model_options(p, "actors file (name: [aliases], target:)", "YAML")
    p.add_argument("--text-field", default="text", metavar="NAME", help="text column of a JSONL/CSV/Parquet input")
    p.add_argument("--id-field", default="id", metavar="NAME", help="id column (default: id; row number if absent)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes, each with its own model")
    p.add_argument("--threads", type=int, metavar="N", help="torch threads per worker (default: cores / workers)")
    p.add_argument("--docs-per-batch", type=int, default=16, metavar="N", help="documents scored as one job list")
    p.add_argument("--encoding", metavar="ENC", help="input encoding (default: detect for .txt, UTF-8 for tables)")
    p.add_argument("--overwrite", action="store_true", help="start over instead of resuming an existing OUT")
    _add_run_options(p)
    p.set_defaults(func=_run_label_corpus)


def _run_label_corpus(args: argparse.Namespace) -> int:
    from .corpus import actors_from_cli, label_corpus, summary_line

    actors, spec_target = actors_from_cli(args.actors, args.actor)
    stats = label_corpus(
        args.input,
        args.output,
        actors,
        args.target if args.target is not None else spec_target,
        model=args.model,
        config=args.config,
        text_field=args.text_field,
        id_field=args.id_field,
        encoding=args.encoding,
        workers=args.workers,
        docs_per_batch=args.docs_per_batch,
        threads=args.threads,
        progress=not args.no_progress and sys.stderr.isatty(),
        overwrite=args.overwrite,
        trust_remote_code=args.trust_remote_code,
    )
    print(summary_line(stats), file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------- wiring
#: Subcommand adders: each takes the subparsers object and registers one command.
_SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_label,
    _add_actors,
    _add_evaluate,
    _add_finetune,
    _add_label_corpus,
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
    """Library warnings (transformers, tqdm) are noise for CLI users; STANCEKIT_DEBUG=1 keeps them."""
    if os.environ.get("STANCEKIT_DEBUG"):
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
    try:
        quiet_libraries()
        return int(args.func(args) or 0)
    except StancekitError as exc:
        msg = " ".join(str(exc).split())
        print(f"{PROG}: error: {msg}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `stancekit label ... | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
