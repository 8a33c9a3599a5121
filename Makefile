# The two commands a newcomer needs (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install cassettes bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Install, then serve on embedded defaults (SQLite, in-process store, recorded CargoTech data).
run: $(STAMP)
	$(BIN)/cargotool serve

## Install, then run the whole test suite (needs the local Redis and PostgreSQL, see README).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Regenerate fixtures/cassettes from the local stand-in.
cassettes: $(STAMP)
	$(BIN)/python -m tests.cassettes

clean:
	rm -rf $(VENV) .pytest_cache cargotool.sqlite3*
