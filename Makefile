# The README's commands. Each step is idempotent: a stamp file records that the
# virtual environment already holds what pyproject.toml asks for.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint bench clean

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

# The embedded default: a SQLite file and a SQLite broker under var/, no servers.
# The worker runs in the background and stops with the API (Ctrl-C).
run: $(VENV)/.installed
	$(BIN)/alembic upgrade head
	@echo "syn0 is running at http://127.0.0.1:$(PORT)  (API docs: http://127.0.0.1:$(PORT)/docs)"
	@$(BIN)/celery -A worker.app --quiet worker --pool=solo --loglevel=WARNING & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/uvicorn api.app:app --host 127.0.0.1 --port $(PORT) --log-level warning

test: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/core.py

clean:
	rm -rf $(VENV) build *.egg-info
