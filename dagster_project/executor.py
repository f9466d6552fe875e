"""The executor of every job: Dagster's in-process executor holding the warehouse writer lock.

In-process because one process writes DuckDB and it is about twice as fast on 2 cores
(ecosystem.md). The lock (writer_lock.py) makes a second run wait for the first one, whatever
launched either: the run queue (dagster.yaml, instance.py) already keeps runs of one Dagster
instance apart; this also covers runs of another instance and `make run` on the same warehouse.
A run that cannot get the lock in time fails with a message naming the holder, and alerts.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG, in_process_executor
from dagster._core.executor.base import Executor

from dagster_project.writer_lock import describe_holder, warehouse_writer


def launched_by(tags: dict[str, str]) -> str:
    for tag, label in (("dagster/schedule_name", "schedule"), ("dagster/sensor_name", "sensor"),
                       ("dagster/backfill", "backfill")):
        if tags.get(tag):
            return f"{label} {tags[tag]}"
    return tags.get("hcw/launched_by") or "Dagster UI or CLI"


class WarehouseWriterExecutor(Executor):
    def __init__(self, inner: Executor):
        self._inner = inner

    @property
    def retries(self):
        return self._inner.retries

    @property
    def step_dependency_config(self):
        return self._inner.step_dependency_config

    def execute(self, plan_context, execution_plan) -> Iterator[dg.DagsterEvent]:
        run = plan_context.dagster_run

        def waiting(holder: dict) -> None:
            plan_context.log.warning(f"waiting for the warehouse: it is being written by {describe_holder(holder)}")

        with warehouse_writer(run.run_id, launched_by(dict(run.tags)), on_wait=waiting):
            yield from self._inner.execute(plan_context, execution_plan)


@dg.executor(name="warehouse_writer_in_process", config_schema=IN_PROC_CONFIG)
def warehouse_writer_executor(init_context) -> Executor:
    """In-process execution while holding the warehouse writer lock (一次只允许一个写入者)."""
    return WarehouseWriterExecutor(in_process_executor.executor_creation_fn(init_context))
