#!/usr/bin/env python
"""Fine-tune an NLI model from a YAML config: python scripts/finetune.py CONFIG [--set key=value ...]."""
import sys

from stancekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["finetune", *sys.argv[1:]]))
