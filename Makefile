# Healthy City Warehouse (健康城市数据仓库). Quick start: `make run`, then `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test dev install prepare clean postgres-install postgres chromium-install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# dbt's manifest must exist before the Definitions import (dagster-dbt reads it at import).
prepare: $(STAMP)
	$(BIN)/python -m dagster_project.dbt_project

run: $(STAMP)
	$(BIN)/python -m dagster_project.run

test: $(STAMP) postgres-install chromium-install
	$(BIN)/python -m pytest

# PostgreSQL server binaries for tests/integration/test_postgres.py (Debian package `postgresql`).
# Quick no-op when installed; never fails: without it those tests skip and say why.
postgres-install:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing PostgreSQL for the tests (apt-get install postgresql)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; } \
	    || echo "PostgreSQL could not be installed: its tests will be skipped"; \
	else echo "PostgreSQL is not installed and cannot be (needs root and apt-get): its tests will be skipped"; fi

# Headless Chromium and a CJK font for tests/integration/test_scorecards.py (Debian packages
# `chromium`, `fonts-wqy-microhei`). Quick no-op when installed; never fails: without it those tests skip.
chromium-install:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Chromium for the tests (apt-get install chromium fonts-wqy-microhei)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null; } \
	    || echo "Chromium could not be installed: the scorecard browser tests will be skipped"; \
	else echo "Chromium is not installed and cannot be (needs root and apt-get): the scorecard browser tests will be skipped"; fi

# Build the same dbt models in PostgreSQL from the DuckDB raw tables (after `make run`);
# connection from HCW_PG_HOST/PORT/USER/PASSWORD/DATABASE, see docs/analysts.md.
postgres: $(STAMP)
	$(BIN)/python -m dagster_project.postgres

dev: prepare
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf warehouse landing .dagster_home dbt/target dbt/logs
