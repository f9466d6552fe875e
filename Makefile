# Healthy City Warehouse (健康城市数据仓库). Quick start: `make run`, then `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test dev install prepare clean

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

test: $(STAMP)
	$(BIN)/python -m pytest

dev: prepare
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf warehouse landing .dagster_home dbt/target dbt/logs
