# mlhive developer entry points. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
COVERAGE ?= --cov --cov-report=
DEMO_PORT ?= 8000

OPENML_VENV  := .venv-openml
OPENML_STAMP := $(OPENML_VENV)/.installed
BARE_VENV    := .venv-bare
BARE_STAMP   := $(BARE_VENV)/.installed

.PHONY: demo test test-main test-compat test-bare check lint typecheck format bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . \
	  || $(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)  ## load real demo datasets and serve them on http://127.0.0.1:$(DEMO_PORT)
	$(BIN)/mlhive demo --data-dir mlhive-demo --port $(DEMO_PORT)

test: test-main test-compat test-bare  ## the whole suite (MLHIVE_TEST_DATABASE_URL=postgresql+psycopg://… for PostgreSQL)

test-main: $(STAMP)  ## the main suite with branch coverage, gated at [tool.coverage.report] fail_under (COVERAGE= for none)
	$(BIN)/pytest -n 2 $(COVERAGE) $(PYTEST_ARGS)
	$(if $(COVERAGE),$(BIN)/coverage report --sort=-cover --skip-covered | tail -n 14)

$(OPENML_STAMP): requirements-openml.lock
	test -x $(OPENML_VENV)/bin/python || $(PYTHON) -m venv $(OPENML_VENV)
	$(OPENML_VENV)/bin/python -m pip install --quiet -r requirements-openml.lock
	touch $(OPENML_STAMP)

test-compat: $(STAMP) $(OPENML_STAMP)  ## the real openml-python 0.15.1 against a live `mlhive serve`
	MLHIVE_PYTHON=$(abspath $(BIN)/python) $(OPENML_VENV)/bin/pytest \
	  -c tests/compat/client/pytest.ini tests/compat/client

# `pip install mlhive` with no extras, pinned by the lock: the client must work without the server.
$(BARE_STAMP): requirements.lock pyproject.toml
	rm -rf $(BARE_VENV)
	$(PYTHON) -m venv $(BARE_VENV)
	$(BARE_VENV)/bin/python -m pip install --quiet -c requirements.lock pytest .
	touch $(BARE_STAMP)

test-bare: $(STAMP) $(BARE_STAMP)  ## the client from a bare `pip install mlhive` against a live server
	$(BARE_VENV)/bin/python -m pip install --quiet --no-deps --force-reinstall .
	MLHIVE_PYTHON=$(abspath $(BIN)/python) $(BARE_VENV)/bin/pytest -c tests/bare/pytest.ini tests/bare

check: lint typecheck  ## what CI checks besides the tests

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)  ## print each benchmark's figures next to its anchor
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

lock:  ## re-resolve requirements.lock from pyproject.toml (needs uv)
	UV_CUSTOM_COMPILE_COMMAND="make lock" uv pip compile pyproject.toml --extra server --extra postgres --extra s3 --extra demo \
	  --extra dev --extra forge --extra sklearn --extra web --extra dask --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) $(OPENML_VENV) $(BARE_VENV) mlhive-demo .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
