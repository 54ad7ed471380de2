# make demo / make test: both create .venv if missing and install torch==2.13.0 FIRST
# (the CPU wheel on local disk; anything looser pulls a multi-GB CUDA build).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stancekit-installed

.PHONY: setup demo test clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/stancekit label stancekit/data/article/article.txt --actors stancekit/data/article/actors.yaml

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist *.egg-info
