# Every routine task of uptake. `make demo` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml sdk/pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test check lint typecheck pytest clock sdk bench docs browsers screenshots clean

# The client SDK (./sdk, distribution uptake-sdk) is not on PyPI: it is installed from here in the same command
# as the server that requires it, so pip never looks for it on an index.
$(STAMP): pyproject.toml sdk/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./sdk -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

## Install, build the demo organization and serve it at http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/uptake demo

## Install, then run every check and test (PostgreSQL and browser tests run where available), the date-sensitive
## tests again with the clock moved ahead, then the SDK's tests in a fresh venv holding only the SDK's wheel
test: check browsers
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25
	$(MAKE) --no-print-directory clock
	$(BIN)/python scripts/sdk_alone.py

## Formatting, lint, strict types and the import contracts: what `make test` runs before the tests
check: $(STAMP)
	$(BIN)/ruff format --check src tests bench sdk scripts
	$(BIN)/ruff check src tests bench sdk scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: $(STAMP)
	$(BIN)/ruff format src tests bench sdk scripts
	$(BIN)/ruff check --fix src tests bench sdk scripts

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

## The date-sensitive tests (marker `clock`) with the system clock 45 and 400 days ahead (scripts/clock_ahead.py):
## a test that passes only near the day it was written fails here, not in a checkout next month
CLOCK_TESTS := -m "clock and not browser and not postgres and not spark"
clock: $(STAMP)
	$(BIN)/python scripts/clock_ahead.py 45 -- $(BIN)/pytest -q -n 2 --dist loadgroup -p no:cacheprovider $(CLOCK_TESTS)
	$(BIN)/python scripts/clock_ahead.py 400 -- $(BIN)/pytest -q -n 2 --dist loadgroup -p no:cacheprovider $(CLOCK_TESTS)

## Build the server's and the SDK's wheels, install the SDK's alone in a fresh venv and run its tests there
sdk: $(STAMP)
	$(BIN)/python scripts/sdk_alone.py

## Debian's Chromium for the browser tests (installed when this machine lets us; skipped loudly otherwise)
browsers:
	@bash scripts/ensure-chromium.sh

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/entitlements.py
	$(BIN)/python bench/people_import.py
	$(BIN)/python bench/connectors.py

## Fresh demo on port 8765, then the README's screenshots into docs/screenshots/
screenshots: $(STAMP) browsers
	$(BIN)/uptake demo --data-dir .screenshots-demo --no-serve
	UPTAKE_DATA_DIR=.screenshots-demo UPTAKE_PORT=8765 UPTAKE_RUN_WORKER=false $(BIN)/uptake serve & \
	  server=$$!; trap 'kill $$server' EXIT; \
	  until curl -sf http://127.0.0.1:8765/readyz >/dev/null; do sleep 1; done; \
	  $(BIN)/python scripts/screenshots.py http://127.0.0.1:8765 docs/screenshots

## docs/cli.md from the uptake command itself (tests/cli/test_cli_reference.py fails when it is stale)
docs: $(STAMP)
	$(BIN)/python scripts/cli_reference.py > docs/cli.md.new
	mv docs/cli.md.new docs/cli.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
