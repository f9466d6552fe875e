# Healthy City Warehouse (健康城市数据仓库). Quick start: `make run`, then `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test dev serve install prepare clean postgres-install postgres lock chromium-install

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# dbt's manifest must exist before the Definitions import (dagster-dbt reads it at import).
prepare: $(STAMP)
	$(BIN)/python -m dagster_project.dbt_project

run: $(STAMP)
	$(BIN)/python -m dagster_project.run $(ARGS)

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

# Development: UI + daemon in one `dagster dev` (reloads code). dagster.yaml: run queue, one writer.
dev: prepare
	$(BIN)/python -m dagster_project.instance
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# Production: dagster-webserver and dagster-daemon as two processes; SIGTERM stops both.
# PostgreSQL instance storage with HCW_DAGSTER_PG_*; logs in HCW_LOG_DIR. See docs/operations.md.
serve: $(STAMP)
	$(BIN)/python -m dagster_project.serve

# Re-pin every installed package (after changing pyproject.toml): requirements.lock.
lock: $(STAMP)
	{ echo "# Exact versions make install installs (pip constraints). Regenerate: make lock"; \
	  $(BIN)/pip freeze --exclude-editable --exclude healthy-city-warehouse | LC_ALL=C sort; } > requirements.lock

clean:
	rm -rf warehouse landing .dagster_home dbt/target dbt/logs
