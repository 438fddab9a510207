# The two commands a new user needs: `make demo` and `make test`. Both build the virtual
# environment first (Python 3.11+, nothing else needed on the machine).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean sandbox-down schemas ui ui-down bench bench-quick

demo: $(STAMP)
	$(BIN)/erpsync demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

schemas: $(STAMP)  ## JSON Schemas of the canonical models, for documentation
	$(BIN)/python -m canonical.export

ui: $(STAMP)  ## the Prefect server and its UI (started if it is not running); prints its address
	$(BIN)/erpsync ui

ui-down: $(STAMP)
	$(BIN)/erpsync ui --stop

bench: $(STAMP)  ## the benchmark suite, N = 1k, 10k, 100k (an hour or more on 2 cores)
	$(BIN)/python -m bench

bench-quick: $(STAMP)  ## the same suite at tiny sizes (under 2 minutes); bench/results/quick.*
	$(BIN)/python -m bench --quick

sandbox-down: $(STAMP)
	$(BIN)/erpsync sandbox down

clean:
	rm -rf $(VENV) .erpsync .pytest_cache .mypy_cache .ruff_cache .hypothesis
