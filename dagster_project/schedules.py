"""The nightly run: every asset, 02:00 Beijing time (after departments' overnight uploads)."""

import dagster as dg

from dagster_project.instance import WRITER_TAGS

nightly_job = dg.define_asset_job(
    name="nightly_materialization",
    selection=dg.AssetSelection.all(),
    description="Materialize every feed, reference table, dbt model and check (全量夜间运行).",
    tags=WRITER_TAGS,  # the run queue lets one run with this tag write at a time (instance.py)
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_0200_asia_shanghai",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
