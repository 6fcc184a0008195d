# The vocabulary of the README: make demo, make test (plus lint, format, serve).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export XDG_CONFIG_HOME ?= $(CURDIR)/.cache/xdg-config
export XDG_CACHE_HOME ?= $(CURDIR)/.cache/xdg-cache
export MPLCONFIGDIR ?= $(CURDIR)/.cache/mpl

.PHONY: demo test lint format serve clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: export MYSTERYGUEST_ENV ?= development
demo: $(VENV)/.installed
	$(BIN)/mysteryguest init-db
	$(BIN)/mysteryguest demo --reset
	$(BIN)/mysteryguest run --host 127.0.0.1 --port 5000

serve: export MYSTERYGUEST_ENV ?= development
serve: $(VENV)/.installed
	$(BIN)/mysteryguest run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .cache .pytest_cache
