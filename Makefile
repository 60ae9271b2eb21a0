# make run: create .venv if needed, install the package alone, and run the main job
#           (subnetfrag analyze) on the bundled example.
# make test: create .venv if needed, install the package with its test extras, then lint
#            (ruff, mypy) and run the whole test suite, deterministically (hypothesis `ci`).
# make test-thorough: the same suite with hypothesis exploring (random, 10x the examples).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-thorough lint pytest bench clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "subnetfrag needs Python 3.11 or newer (found $$($(PYTHON) --version))" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# What running needs: the package and its three dependencies, netaddr, sortedcontainers
# and prometheus_client (seconds).
$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $(RUN_STAMP)

# What testing needs: the test extras too (pytest, hypothesis, ruff, mypy, moto, ...).
$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(RUN_STAMP) $(TEST_STAMP)

run: $(RUN_STAMP)
	$(PY) -m subnetfrag analyze --example

lint: $(TEST_STAMP)
	$(PY) -m ruff check subnetfrag tests benchmarks scripts
	$(PY) -m ruff format --check subnetfrag tests benchmarks scripts
	$(PY) -m mypy

pytest: $(TEST_STAMP)
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest

test: lint pytest

test-thorough: $(TEST_STAMP)
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest

bench: $(TEST_STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
