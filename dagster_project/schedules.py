"""The nightly run: every asset, 02:00 Beijing time (after departments' overnight uploads)."""

import dagster as dg

nightly_job = dg.define_asset_job(
    name="nightly_materialization",
    selection=dg.AssetSelection.all(),
    description="Materialize every feed, reference table, dbt model and check (全量夜间运行).",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_0200_asia_shanghai",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
