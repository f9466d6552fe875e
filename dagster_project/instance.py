"""The Dagster instance configuration (DAGSTER_HOME/dagster.yaml) that `make dev`, `make serve`
and `make run` write: the run queue with one writer at a time, storage, logs.

    python -m dagster_project.instance      # write $DAGSTER_HOME/dagster.yaml

- Run queue (QueuedRunCoordinator): runs launched by the schedule, the sensors, the UI or a
  backfill wait in the queue; at most one is in progress (`max_concurrent_runs: 1`), and runs
  tagged `hcw/warehouse-writer` are limited to one by tag as well (every job carries that tag).
- Storage: PostgreSQL when HCW_DAGSTER_PG_HOST is set (with HCW_DAGSTER_PG_USER, _PASSWORD,
  _DB, _PORT; read from the environment when Dagster starts, never written into the file),
  otherwise SQLite files under DAGSTER_HOME.
- Compute logs (each step's stdout/stderr) under DAGSTER_HOME/compute_logs.

A dagster.yaml that does not start with our marker line (and is not the two-line file earlier
versions wrote) was written by an operator and is left alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from dagster_project import settings

MARKER = "# Written by dagster_project/instance.py"
# What `make dev` and `make run` wrote before this module existed: replaced, it is ours too.
EARLIER_GENERATED = "telemetry:\n  enabled: false\n"
WRITER_TAG = "hcw/warehouse-writer"
WRITER_TAGS = {WRITER_TAG: "warehouse"}
PG_ENV = ("HCW_DAGSTER_PG_HOST", "HCW_DAGSTER_PG_USER", "HCW_DAGSTER_PG_PASSWORD", "HCW_DAGSTER_PG_DB",
          "HCW_DAGSTER_PG_PORT")


def dagster_home() -> Path:
    return Path(os.environ.setdefault("DAGSTER_HOME", str(settings.PROJECT_ROOT / ".dagster_home")))


def uses_postgres() -> bool:
    return bool(os.environ.get("HCW_DAGSTER_PG_HOST"))


def instance_config(home: Path) -> dict:
    config: dict = {
        "telemetry": {"enabled": False},
        "run_coordinator": {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator"},
        "concurrency": {"runs": {"max_concurrent_runs": 1,
                                 "tag_concurrency_limits": [{"key": WRITER_TAG, "limit": 1}]}},
        "compute_logs": {"module": "dagster.core.storage.local_compute_log_manager",
                         "class": "LocalComputeLogManager",
                         "config": {"base_dir": str(home / "compute_logs")}},
    }
    if uses_postgres():
        config["storage"] = {"postgres": {"postgres_db": {
            "hostname": {"env": "HCW_DAGSTER_PG_HOST"},
            "username": {"env": "HCW_DAGSTER_PG_USER"},
            "password": {"env": "HCW_DAGSTER_PG_PASSWORD"},
            "db_name": {"env": "HCW_DAGSTER_PG_DB"},
            "port": int(os.environ.get("HCW_DAGSTER_PG_PORT") or 5432),
            # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3, on which dagster-postgres's
            # NOTIFY statement fails; it is written for psycopg2 (installed with it).
            "scheme": "postgresql+psycopg2",
        }}}
    return config


def write_instance_config(home: Path | None = None) -> Path:
    home = home or dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if not text.startswith(MARKER) and text != EARLIER_GENERATED:
            return path
    storage = "PostgreSQL (HCW_DAGSTER_PG_*)" if uses_postgres() else "SQLite under DAGSTER_HOME"
    text = (f"{MARKER} (make dev / make serve / make run); edit that file,\n"
            f"# or delete this line to keep your own changes. Storage: {storage}.\n"
            + yaml.safe_dump(instance_config(home), sort_keys=False, allow_unicode=True))
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"Dagster instance configuration: {write_instance_config()}")
