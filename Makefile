# Two commands matter: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# XStatic-Bootstrap builds with an old setuptools; this keeps that working on any pip.
export PIP_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_BUILD_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev migrate demo check clean bench bench-reminders bench-load

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# --no-compile: Python compiles the modules it imports when it first imports them, not every file up front.
$(VENV)/.installed: requirements.txt build-constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -r requirements.txt
	touch $@

# The development list (tests, benchmarks, lint) on top of the runtime one; `make run` never needs it.
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --no-input

# Migrates and loads the demo in one process: one start-up of Django instead of two.
demo: install
	$(BIN)/python manage.py seed_demo --if-empty --migrate

run: demo
	@echo "scrsystem on http://127.0.0.1:$(PORT)/ (demo accounts in README.md, password demo-password)"
	BIN=$(BIN) PORT=$(PORT) scripts/run-dev

test: install-dev
	$(BIN)/python -m pytest

check: install-dev
	$(BIN)/ruff check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Not a test: gunicorn on PostgreSQL with the large data set under 20 signed-in locust users (README, "Load").
bench-load: install-dev
	$(BIN)/python scripts/bench_load.py $(BENCH_ARGS)

# Not a test: times the reminder job on a large data set in the configured (throwaway!) database.
bench-reminders: migrate install-dev
	$(BIN)/python scripts/bench_reminders.py $(BENCH_ARGS)

# Not a test: builds a large data set in a throwaway test database beside the configured one and times the
# dashboard against a raw SQL floor (README, "Dashboard performance"). BENCH_ARGS="--scale 10" for ten times larger.
bench: migrate
	$(BIN)/python manage.py bench_dashboard $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
