# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test install install-dev init bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the requirements or the package metadata change. The pinned requirements
# first, then sipantau itself, editable (no new dependency resolution: they are all there), so
# `python -m sipantau` works from any directory and still reads this repository.
$(VENV)/.installed: requirements.txt pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Creates or upgrades the database (SQLite data/sipantau.db unless SIPANTAU_DATABASE_URL
# says otherwise) and seeds the demo history only while it holds no reports.
init: install
	$(BIN)/python -m sipantau init --demo

run: init
	$(BIN)/python -m sipantau serve --port $(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python bench/readiness.py --quick

clean:
	rm -rf $(VENV) data/cache static/geo test-artifacts
