# The two commands a newcomer needs (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM ?= /usr/bin/chromium

# Tests run in parallel, a test file per worker (module-scoped servers stay one per module).
TEST_WORKERS ?= 4

.PHONY: run test install lock lint chromium cassettes bench clean

# Exact versions from requirements.lock (refresh it with `make lock`), then this package without deps.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
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
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=20 $(PYTEST_ARGS)

## Re-resolve pyproject.toml's dependencies: requirements.lock (runtime + dev, for make) and
## requirements-runtime.lock (runtime only, for the Docker image).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" --quiet -o requirements.lock
	$(BIN)/python -m uv pip compile pyproject.toml --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" --quiet -o requirements-runtime.lock

## The linters CI runs.
lint: $(STAMP)
	$(BIN)/ruff check .

## Regenerate fixtures/cassettes from the local stand-in.
cassettes: $(STAMP)
	$(BIN)/python -m tests.cassettes

clean:
	rm -rf $(VENV) .pytest_cache cargotool.sqlite3*
