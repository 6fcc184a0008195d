# The vocabulary of the README: make demo, serve, phone, test, test-fast, notebooks, lint, format.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PHONE_PORT ?= 8443
export XDG_CONFIG_HOME ?= $(CURDIR)/.cache/xdg-config
export XDG_CACHE_HOME ?= $(CURDIR)/.cache/xdg-cache
export MPLCONFIGDIR ?= $(CURDIR)/.cache/mpl
# setuptools prints an "Editable installation" notice as a warning banner that looks like a
# failure; it is advice for package authors, not a problem with this install.
PIP := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --progress-bar on
STEP = @printf '\n==> %s\n'

.PHONY: demo serve phone test test-fast test-shifted notebooks lint format screenshots clean

$(BIN)/activate:
	$(STEP) "Creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(STEP) "Installing mysteryguest and its dependencies into $(VENV) (the first time takes a few minutes)"
	@$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/activate pyproject.toml
	$(STEP) "Installing mysteryguest with the development tools into $(VENV)"
	@$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-phone

$(VENV)/.installed-phone: $(VENV)/.installed
	$(STEP) "Installing cryptography (for the phone's HTTPS certificate)"
	@$(PIP) -e '.[phone]'
	touch $@

# axe-core (accessibility checks) and Lighthouse for the browser tests, which skip without them;
# order-only below: npm gives the files old times, so only a missing file makes this run.
node_modules/axe-core/axe.min.js:
	@if command -v npm >/dev/null; then \
	  printf '\n==> %s\n' "Installing axe-core and Lighthouse (npm ci)"; \
	  npm ci --no-audit --no-fund; \
	else \
	  echo "npm not found: the accessibility tests will skip (apt-get install npm, then make test)"; \
	fi

# A demo database stays between runs (phones stay signed in); RESET=1 builds a new one.
demo: export MYSTERYGUEST_ENV ?= development
demo: $(VENV)/.installed
	$(STEP) "$(if $(RESET),Building a new demo (RESET=1),Building the demo, or keeping the one in instance/)"
	$(BIN)/mysteryguest demo $(if $(RESET),--reset,--keep)
	$(STEP) "Serving the app on http://$(HOST):$(PORT)/ (Ctrl-C stops it; make serve starts it again)"
	$(BIN)/mysteryguest run --host $(HOST) --port $(PORT)

serve: export MYSTERYGUEST_ENV ?= development
serve: $(VENV)/.installed
	$(STEP) "Serving the app on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/mysteryguest run --host $(HOST) --port $(PORT)

# The tester view on a real phone: HTTPS on the local network (README: "On a real phone").
phone: export MYSTERYGUEST_ENV ?= development
phone: $(VENV)/.installed-phone
	$(STEP) "Making sure a demo exists"
	$(BIN)/mysteryguest demo --keep
	$(STEP) "Making the HTTPS certificate for this machine's LAN addresses"
	$(BIN)/mysteryguest lan-cert --port $(PHONE_PORT)
	$(STEP) "Serving the app on the local network over HTTPS, port $(PHONE_PORT) (Ctrl-C stops it)"
	$(BIN)/mysteryguest run --host 0.0.0.0 --port $(PHONE_PORT) \
	  --cert instance/lan/server.crt --key instance/lan/server.key

# The suite runs on both cores (pytest-xdist; a test file stays on one worker, with its
# module's server and browser); PYTEST_JOBS=0 runs it in one process.
PYTEST_JOBS ?= 2
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_JOBS)),,-n $(PYTEST_JOBS) --dist loadfile)
# pytest keeps its rewritten test modules in __pycache__ (git ignores it) even where the
# environment says not to write bytecode: collecting anew costs each worker 4 s.
PYTEST := env PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

test: $(VENV)/.installed-dev | node_modules/axe-core/axe.min.js
	$(STEP) "Running the whole test suite"
	$(PYTEST) $(PYTEST_PARALLEL)

# The edit-test loop: everything except the browsers, the slow simulations and the fresh-clone
# run of the README's first hour.
test-fast: $(VENV)/.installed-dev | node_modules/axe-core/axe.min.js
	$(PYTEST) $(PYTEST_PARALLEL) -m "not slow and not first_hour and not browser"

# The publication and schedule tests with the system clock 60 days ahead (libfaketime: apt-get
# install faketime): no test may depend on today's date. The monotonic clock stays real (threads
# waiting on a timeout hang under a faked one); browsers and the notebooks' Jupyter kernels are
# left out (they misbehave shifted; neither reads the date).
SHIFTED_TESTS := tests/publication tests/services/test_scheduling.py tests/services/test_dst.py \
  tests/services/test_validity.py tests/coordinator/test_schedule.py \
  tests/coordinator/test_schedule_states.py tests/coordinator/test_tonight.py \
  tests/web/test_tester_agenda.py
test-shifted: $(VENV)/.installed-dev
	$(STEP) "Publication and schedule tests with the clock 60 days ahead (faketime)"
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "+60d" $(PYTEST) -q \
	  $(SHIFTED_TESTS) --deselect tests/publication/test_public_browser.py \
	  --deselect tests/publication/test_notebooks.py

notebooks: $(VENV)/.installed-dev
	$(STEP) "Opening Jupyter on notebooks/ (Ctrl-C stops it)"
	$(BIN)/jupyter notebook notebooks/

# The README's pictures, from a fresh demo (needs Chromium).
screenshots: $(VENV)/.installed-dev
	$(BIN)/python scripts/readme_screenshots.py
	$(BIN)/python scripts/release_screenshots.py
	$(BIN)/python scripts/housing_screenshots.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .cache .pytest_cache
