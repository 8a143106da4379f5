# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

-include .env
export

# Checks run with DEBUG off, as in production; they need some SECRET_KEY.
test typecheck pytest: export SECRET_KEY := $(or $(SECRET_KEY),test-only-insecure-secret-key)

.PHONY: demo test install lint typecheck pytest messages compile-messages clean bench

$(STAMP): requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP)

## Install, migrate, load reference and demo data and the simulated history, serve on http://127.0.0.1:8000
demo: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_reference_data
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_demo_data
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_demo_history
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_demo_money
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C stops)"
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000

## Install and run every check: ruff, mypy, pytest
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	scripts/ensure-chromium
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

pytest: $(STAMP)
	scripts/ensure-chromium
	$(VENV)/bin/pytest

## Benchmarks of issue 7 (docs/performance.md): every figure at 10 000, 100 000 and
## 1 000 000 devices, each in a fresh database on the PostgreSQL server of
## BENCH_DATABASE_URL; one result file in bench/results/. 30-45 minutes on 2 cores.
## Smaller: make bench SIZES=10000 IMPORT_ROWS=20000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hjalpmedel_bench
SIZES ?= 10000,100000,1000000
IMPORT_ROWS ?= 1000000
bench: export SECRET_KEY := $(or $(SECRET_KEY),bench-only-insecure-secret-key)
bench: $(STAMP)
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench suite --sizes $(SIZES) --import-rows $(IMPORT_ROWS)

## Update the Swedish catalogue after changing strings (needs GNU gettext), then compile it.
messages: $(STAMP)
	DEBUG=true $(PY) manage.py makemessages --locale sv --no-obsolete --ignore '.venv/*' --ignore 'data/*'
	DEBUG=true $(PY) manage.py compilemessages --locale sv --ignore '.venv/*'

compile-messages: $(STAMP)
	DEBUG=true $(PY) manage.py compilemessages --locale sv --ignore '.venv/*'

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
