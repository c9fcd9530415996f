# Two commands a user needs: `make demo` and `make test`; `make check` is the developer's quick loop. Each creates
# .venv from the pins when missing, and recreates it when it runs another Python than the project's (the official
# Airflow image's default).
SHELL := /bin/bash
PYTHON_VERSION := 3.12
# python3.12 on PATH, else the newest pyenv 3.12 (`make PYTHON=/path/to/python3.12` chooses another)
PYTHON ?= $(or $(shell python$(PYTHON_VERSION) -c "import sys; print(sys.executable)" 2>/dev/null),$(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION)))),python$(PYTHON_VERSION))
VENV := .venv
PY := $(VENV)/bin/python
# named after the Python version, so that a venv of another version is never taken as installed
STAMP := $(VENV)/.installed-py$(PYTHON_VERSION)

.PHONY: install demo check test compose-test bench airflow lint clean frontend

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml emulator/pyproject.toml
	@if [ -x $(PY) ] && [ "$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$(PYTHON_VERSION)" ]; then \
		echo "$(VENV) runs Python $$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'), not $(PYTHON_VERSION): recreating it"; \
		rm -rf $(VENV); \
	fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e emulator
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m scripts.demo

# The quick tier, for the edit-and-test loop (under 4 minutes on 2 cores): every unit and DAG test on SQLite,
# spread over the cores by pytest-xdist (each worker has its own AIRFLOW_HOME, see tests/conftest.py). Left to
# `make test`: the PostgreSQL cases (marker `postgres`, TEST_POSTGRES_URL emptied), three quarters of the property
# tests' generated examples (CLEVERREACH_PROPERTY_SHARE=0.25 keeps a quarter) and the folders below,
# which run real Airflow processes, Redis, podman or pip and share fixed resources (databases, Redis db numbers,
# the stack, ports; tests/frontend runs npm), so they run one test at a time.
SLOW_TESTS = $(STACK_TESTS) $(SIDE_TESTS)
CHECK_WORKERS ?= auto
check: $(STAMP)
	TEST_POSTGRES_URL= CLEVERREACH_PROPERTY_SHARE=0.25 $(PY) -m pytest -n $(CHECK_WORKERS) -m "not postgres" $(addprefix --ignore=,$(SLOW_TESTS)) $(PYTEST_ARGS)

# The whole suite (CI: .ci/run), in two tiers that both run; `make test` fails when either fails.
# 1. parallel: everything but SLOW_TESTS over pytest-xdist (TEST_WORKERS, default: one per core), PostgreSQL cases
#    included when TEST_POSTGRES_URL is set (each worker its own database <db>_gw0, <db>_gw1, ... on that server,
#    created on demand; tests/conftest.py), every property example; --dist worksteal, so that an idle worker takes
#    queued tests from a busy one instead of waiting for the long DAG tests at the end.
# 2. serial: SLOW_TESTS, one test at a time (they share fixed databases, Redis db numbers, ports, the compose stack),
#    in two lanes side by side: the stacks (STACK_TESTS: real Airflow services, Chromium, podman; one after the
#    other) and the rest (SIDE_TESTS: the soak, the wheel, the frontend, the Celery stack with its own databases,
#    Redis db and free ports, and the end-to-end modules that start a stack of their own, E2E_SIDE_TESTS; they
#    share nothing with the stack lane and run on TEST_POSTGRES_URL's database with the suffix _side, created on
#    demand, their page stacks' metadata DBs named with _side too), so that the two lanes take about as long
#    (measured 2026-12-07: 1,502 s and 745 s before the three modules, about 380 s, moved). The side lane's output
#    follows the stack lane's in the log.
E2E_SIDE_TESTS := tests/e2e/test_cleverreach_page_admin_e2e.py tests/e2e/test_rights_approval_e2e.py \
                  tests/e2e/test_rights_erasure_e2e.py
STACK_TESTS := tests/e2e tests/compose
SIDE_TESTS := tests/soak tests/packaging tests/frontend tests/distributed $(E2E_SIDE_TESTS)
TEST_WORKERS ?= auto
test: $(STAMP)
	@status=0; SECONDS=0; \
	echo "== make test, tier 1 of 2 (parallel): all but $(SLOW_TESTS)"; \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(addprefix --ignore=,$(SLOW_TESTS)) $(PYTEST_ARGS) || status=$$?; \
	echo "== tier 1: exit $$status after $$SECONDS s"; \
	echo "== make test, tier 2 of 2 (serial, two lanes): $(STACK_TESTS) | $(SIDE_TESTS)"; \
	side_log=$$(mktemp); \
	( side_url=$$($(PY) -m scripts.side_database "$${TEST_POSTGRES_URL:-}") && \
	  TEST_POSTGRES_URL=$$side_url E2E_PAGE_META_DB=cleverreach_e2e_page_meta_side \
	  $(PY) -m pytest $(SIDE_TESTS) $(PYTEST_ARGS) ) >$$side_log 2>&1 & side=$$!; \
	$(PY) -m pytest $(STACK_TESTS) $(addprefix --ignore=,$(E2E_SIDE_TESTS)) $(PYTEST_ARGS) || { rc=$$?; [ $$status -ne 0 ] || status=$$rc; }; \
	wait $$side || { rc=$$?; [ $$status -ne 0 ] || status=$$rc; }; \
	echo "== tier 2, side lane ($(SIDE_TESTS)):"; cat $$side_log; rm -f $$side_log; \
	echo "== tiers 1 and 2: $$SECONDS s"; \
	if [ $$status -ne 0 ]; then echo "make test: a tier failed (exit $$status)" >&2; fi; \
	exit $$status

# docker-compose.yaml brought up for real (part of `make test` too): podman, docker-compose, mmdebstrap (.ci/run
# installs them), root
compose-test: $(STAMP)
	$(PY) -m pytest -m compose tests/compose $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m scripts.bench $(BENCH_ARGS)

# The CleverReach page (frontend/): install its pinned packages and build the bundle Airflow's UI loads
# (plugins/cleverreach/ui/static/cleverreach-page.js, committed; tests/frontend checks it is up to date)
frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build && npm test

airflow: $(STAMP)
	$(PY) -m scripts.local_airflow

clean:
	rm -rf $(VENV) .airflow .demo .bench artifacts
