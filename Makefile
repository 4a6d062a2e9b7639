# The README's commands. Each step is idempotent: a stamp file records that the
# virtual environment already holds what pyproject.toml asks for.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

# The embedded default: a SQLite file and a SQLite broker, no servers, in this checkout's
# var/ (SYN0_DATA_DIR; outside `make run` syn0 defaults to the user's data folder).
# `syn0 serve` migrates, starts one worker in the background and serves the API;
# Ctrl-C stops both.
SYN0_DATA_DIR ?= $(CURDIR)/var
run: $(VENV)/.installed
	SYN0_DATA_DIR='$(SYN0_DATA_DIR)' $(BIN)/syn0 serve --port $(PORT)

# The browser tests (tests/web) drive Debian's Chromium. `make chromium` installs it
# (system-wide, with apt-get) when missing; `make test` does so only under CI=true, and
# elsewhere those tests skip loudly, naming `make chromium` (under CI=true they fail).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

test: $(VENV)/.test-installed $(if $(filter true,$(CI)),chromium)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/core.py

clean:
	rm -rf $(VENV) build *.egg-info
