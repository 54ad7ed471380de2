#!/usr/bin/env python3
"""Evaluate stancekit against baselines on the gold set (same options as `stancekit evaluate`).

Example: python scripts/evaluate.py --split contrast -o results/eval-contrast
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from stancekit.cli import quiet_libraries  # noqa: E402
from stancekit.errors import StancekitError  # noqa: E402
from stancekit.evaluation.run import add_arguments, run_from_args  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evaluate.py", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    quiet_libraries()
    try:
        return run_from_args(args)
    except StancekitError as exc:
        print(f"evaluate.py: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
