# leakscan: `make scan` to try it, `make test` to run the tests.  Needs Python 3.10+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TARGET ?= fixtures/agent_cellphone_v2/before

.PHONY: scan test lint rules bench accuracy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.stamp-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.stamp-run

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.stamp-test $(VENV)/.stamp-run

## scan: scan TARGET (default: the sample service tree) and print the report
scan: $(VENV)/.stamp-run
	-$(BIN)/leakscan $(TARGET)

## test: run the whole test suite
test: $(VENV)/.stamp-test
	$(BIN)/python -m pytest

## lint: ruff and mypy (strict) over the package, and leakscan over its own source
lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check leakscan tests
	$(BIN)/mypy
	$(BIN)/leakscan leakscan --no-progress --quiet

$(VENV)/.stamp-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.stamp-run

## bench: time leakscan against the libcst parse floor, pylint and ruff (BENCH_PATH to pick a tree)
bench: $(VENV)/.stamp-bench
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m leakscan.bench $(BENCH_PATH)

## accuracy: precision, recall and F1 per rule on the labeled cases in fixtures/accuracy
accuracy: $(VENV)/.stamp-run
	$(BIN)/python -m leakscan.accuracy

## rules: regenerate the rule catalogue in rules/
rules: $(VENV)/.stamp-run
	$(BIN)/python -m leakscan.catalogue rules

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .leakscan_cache
