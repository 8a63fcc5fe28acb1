# Two commands do all set-up on a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck contracts pytest bench services docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The example blog on SQLite (examples/blog/blog.db): migrate, load the demo accounts and posts
# once, serve. All in debug, as `trellis run` is: the blog then signs with its development key.
run: $(STAMP)
	TRELLIS_DEBUG=1 $(BIN)/trellis db migrate --app examples.blog.app:app
	TRELLIS_DEBUG=1 $(BIN)/python -m examples.blog.demo
	$(BIN)/trellis run --app examples.blog.app:app --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests examples docs/examples bench
	$(BIN)/ruff format --check src tests examples docs/examples bench

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

services:
	@bash .ci/services.sh

pytest: $(STAMP)
	$(BIN)/pytest

# The documentation site (Sphinx, MyST Markdown, furo); every warning is an error.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

# The docs site is built by the suite too (tests/docs/test_build.py, warnings are errors).
test: lint typecheck contracts services pytest

# Peers live in bench/.venv (bench/run.sh makes it); a quick run:
#   make bench BENCH_ARGS="--duration 3 --rounds 1 --only trellis,raw"
bench:
	bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache docs/_build
