"""The one Definitions object: feeds, reference data, dbt models, checks, schedule, sensors.

Each area contributes through one builder, so adding a feed, a suite or a sensor never
means editing this file.
"""

import dagster as dg

from dagster_project.alerts import build_alert_sensors
from dagster_project.backfill import backfill_year_job
from dagster_project.executor import warehouse_writer_executor
from dagster_project.dbt_assets import dbt_resource, healthy_city_dbt_assets
from dagster_project.feeds.assets import build_feed_assets
from dagster_project.feeds.sensor import build_feed_sensors
from dagster_project.publish import publish_assets
from dagster_project.quality.freshness import build_freshness_checks
from dagster_project.quality.gx_checks import build_suite_checks
from dagster_project.reference import region_codes
from dagster_project.reports.assets import report_assets
from dagster_project.schedules import nightly_job, nightly_schedule


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[*build_feed_assets(), region_codes, healthy_city_dbt_assets, *publish_assets,
                *report_assets],
        asset_checks=[*build_suite_checks(), *build_freshness_checks()],
        jobs=[nightly_job, backfill_year_job],
        schedules=[nightly_schedule],
        sensors=[*build_feed_sensors(), *build_alert_sensors()],
        resources={"dbt": dbt_resource()},
        # One writer, no per-step subprocess: about twice as fast on 2 cores (ecosystem.md);
        # every run holds the warehouse writer lock (writer_lock.py).
        executor=warehouse_writer_executor,
    )


defs = build_definitions()
