"""A small code location for the run-queue test (test_operations.py): a one-op job that writes the
warehouse the way every job of the warehouse does (the warehouse writer executor, the
`hcw/warehouse-writer` tag) and records in the DuckDB file when it held it open (about a second),
and a sensor that submits two runs of it at the same moment, as two launchers would.
Loaded by a real `dagster-daemon` from a workspace file the test writes; never part of the product.
"""

from __future__ import annotations

import os
import time

import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.executor import warehouse_writer_executor
from dagster_project.instance import WRITER_TAGS

HOLD_SECONDS = 1.0


@dg.op
def touch_warehouse(context) -> None:
    path = settings.warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create table if not exists queue_probe "
                    "(run_id varchar, pid integer, opened_at double, closed_at double)")
        con.execute("insert into queue_probe values (?, ?, ?, null)", [context.run_id, os.getpid(), time.time()])
        time.sleep(HOLD_SECONDS)
        con.execute("update queue_probe set closed_at = ? where run_id = ?", [time.time(), context.run_id])


@dg.job(executor_def=warehouse_writer_executor, tags=WRITER_TAGS)
def warehouse_probe():
    touch_warehouse()


@dg.sensor(job=warehouse_probe, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def two_runs_at_once(context):
    """Both runs are submitted (instance.submit_run) in the same evaluation; run keys make it once."""
    return [dg.RunRequest(run_key="first"), dg.RunRequest(run_key="second")]


defs = dg.Definitions(jobs=[warehouse_probe], sensors=[two_runs_at_once])
