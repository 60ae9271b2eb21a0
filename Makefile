# make run: create .venv if needed and run the main job (subnetfrag analyze) on the bundled example.
# make test: create .venv if needed, then lint (ruff, mypy) and the whole test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint pytest bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "subnetfrag needs Python 3.11 or newer (found $$($(PYTHON) --version))" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m subnetfrag analyze --example

lint: $(STAMP)
	$(PY) -m ruff check subnetfrag tests benchmarks
	$(PY) -m mypy

pytest: $(STAMP)
	$(PY) -m pytest

test: lint pytest

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
