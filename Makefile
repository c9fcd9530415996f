# Two commands a user needs: `make demo` and `make test`. Each creates .venv from the pins when missing.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test bench airflow lint clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml emulator/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e emulator
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m scripts.demo

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m scripts.bench $(BENCH_ARGS)

airflow: $(STAMP)
	$(PY) -m scripts.local_airflow

clean:
	rm -rf $(VENV) .airflow .demo .bench artifacts
