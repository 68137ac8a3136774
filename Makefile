# Junheng — every target sets itself up (venv, install, dbt deps, manifest) on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml

# No network at run time: telemetry and version checks off (dbt, Dagster, GX sends nothing in 1.24).
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
export DAGSTER_DISABLE_TELEMETRY := 1
export GX_ANALYTICS_ENABLED := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install manifest demo run test lint format bench ui clean browser

help:
	@echo "make demo   - generate the Anshan demo feeds and run every stage (prints the readiness table)"
	@echo "make test   - lint + the whole test suite"
	@echo "make ui     - Dagster UI on http://127.0.0.1:$(PORT) (PORT=N for another port; DAGSTER_HOME=$(UI_HOME), warehouse $(UI_WAREHOUSE))"
	@echo "make bench  - national-scale benchmark figures"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps inequality==1.1.2
	touch $@

install: $(STAMP)

# The manifest is prepared ahead so loading the Dagster definitions never parses dbt.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt deps --profiles-dir . --quiet && ../$(BIN)/dbt parse --profiles-dir . --quiet
	touch $@

manifest: $(MANIFEST)

demo: $(MANIFEST)
	$(BIN)/junheng demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint dbt_project --processes 2

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix dbt_project --processes 2

# Two workers (this machine has 2 cores), one test module per worker: a module's warehouse fixture is
# built once; the only warehouse modules share is the session's published worked example, which they
# copy (tests/integration/conftest.py). The slowest modules are handed out first (tests/conftest.py).
# The report tests drive Debian's Chromium with a CJK font: installed here (apt-get) when missing.
browser: $(STAMP)
	$(BIN)/python -m tests.browser

test: $(MANIFEST) lint browser
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: $(MANIFEST)
	$(BIN)/python -m benchmarks.run

# Defaults to the demo's warehouse, instance and landing (make demo keeps its feeds there), so a
# backfill from the UI reads a landing folder that exists. Set the three variables for another one.
UI_WAREHOUSE = $(or $(JUNHENG_WAREHOUSE),$(CURDIR)/warehouse/demo)
UI_LANDING   = $(or $(JUNHENG_LANDING),$(UI_WAREHOUSE)/landing)
UI_HOME      = $(or $(DAGSTER_HOME),$(UI_WAREHOUSE)/dagster_home)
PORT        ?= 3000
ui: $(MANIFEST)
	$(BIN)/python -m orchestration.environment $(UI_HOME)
	@test -d $(UI_LANDING) || echo "WARNING: the landing folder $(UI_LANDING) does not exist (run make demo, or set JUNHENG_LANDING); runs launched from the UI will fail and the landing sensor will skip"
	@echo "Dagster UI on http://127.0.0.1:$(PORT): warehouse $(UI_WAREHOUSE), landing $(UI_LANDING), DAGSTER_HOME $(UI_HOME)"
	DAGSTER_HOME=$(UI_HOME) JUNHENG_WAREHOUSE=$(UI_WAREHOUSE) JUNHENG_LANDING=$(UI_LANDING) \
		$(BIN)/dagster dev -h 127.0.0.1 -p $(PORT) -w workspace.yaml

clean:
	rm -rf dbt_project/target dbt_project/logs warehouse .pytest_cache
