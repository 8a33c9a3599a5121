# The two commands a newcomer needs (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install chromium cassettes bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Install, then serve on embedded defaults (SQLite, in-process store, recorded CargoTech data).
run: $(STAMP)
	$(BIN)/cargotool serve

## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
chromium:
	@test -x $(CHROMIUM) || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

## Install, then run the whole test suite (needs the local Redis and PostgreSQL, see README).
test: $(STAMP) chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Regenerate fixtures/cassettes from the local stand-in.
cassettes: $(STAMP)
	$(BIN)/python -m tests.cassettes

clean:
	rm -rf $(VENV) .pytest_cache cargotool.sqlite3*
