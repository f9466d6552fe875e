"""回填某一年 / Backfill one year: the job `backfill_year`, partitioned by year.

A run for year Y rebuilds that year's indicator values and evaluation, runs their checks, publishes
and renders the scorecards, and leaves every other year's rows as they are (docs/operations.md,
"Backfill a year"):

  - the dbt models tagged `backfill_year` (dbt/macros/backfill.sql): the year-grained marts
    (fct_indicator_value, fct_indicator_value_rollup, fct_life_table, fct_index_round_parameters,
    fct_indicator_weight, fct_healthy_city_index) read every year they need but write only year Y;
    fct_target_attainment (one row per plan target, judged on several years) is rebuilt whole from them,
    and the view int_index_live_parameters is recreated with the run's evaluation settings;
  - their checks: the dbt tests on those models and the Great Expectations suite on the indicator mart;
  - published/healthy_city and reports/scorecards, after the blocking checks pass.

Why a partitioned job and not partitioned assets: a raw feed asset loads files that each carry many
years and regions (and air quality is incremental by date), and the nightly job materializes every
asset in one run; an asset job cannot mix partitioned and unpartitioned assets in one run, and
partitioning the raw loads by year would misrepresent them. So the assets stay unpartitioned, and this
job carries the year: its PartitionedConfig turns the partition key into the dbt step's run config
`backfill_year`, the same @dbt_assets definition the nightly job runs (dbt_assets.py). Dagster records
each rebuilt model's materialization (metadata `backfill_year`) and each check's result as usual.

A backfill neither records nor reads the nightly build state (build_state.py): the next nightly run
plans exactly as it would have without it (nothing new: nothing; a changed input: everything
downstream, every year).
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from dagster_project.dbt_assets import BACKFILL_TAG, _asset_keys, healthy_city_dbt_assets
from dagster_project.dbt_project import dbt_project
from dagster_project.instance import WRITER_TAGS

JOB_NAME = "backfill_year"
# The first year the bundled feeds hold (city_panel, the 2004-2012 city yearbooks); the last partition is
# the current year (end_offset=1), whose values may still be incomplete.
FIRST_YEAR = 2004
DBT_STEP = healthy_city_dbt_assets.op.name

year_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start=str(FIRST_YEAR), fmt="%Y", timezone="Asia/Shanghai", end_offset=1)


def run_config_for_year(partition_key: str) -> dict:
    return {"ops": {DBT_STEP: {"config": {"backfill_year": int(partition_key)}}}}


def backfilled_model_keys() -> list[dg.AssetKey]:
    """The asset keys of the dbt models tagged backfill_year."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    return sorted((key for uid, key in _asset_keys(manifest).items()
                   if BACKFILL_TAG in manifest["nodes"][uid].get("tags", [])), key=lambda k: k.path)


# By asset key, so that every check on those models is in the job: their dbt tests and the Great
# Expectations suite on the indicator mart (a dbt selection would bring the dbt tests only).
BACKFILL_SELECTION = dg.AssetSelection.assets(
    *backfilled_model_keys(), dg.AssetKey(["published", "healthy_city"]), dg.AssetKey(["reports", "scorecards"]))

backfill_year_job = dg.define_asset_job(
    name=JOB_NAME,
    selection=BACKFILL_SELECTION,
    config=dg.PartitionedConfig(partitions_def=year_partitions, run_config_for_partition_key_fn=run_config_for_year),
    description="回填某一年：只重建该年的指标值、检查与评价 / Backfill one year: rebuild that year's indicator "
                "values, their checks and the evaluation, then publish; other years are untouched "
                "(docs/operations.md).",
    tags=WRITER_TAGS,  # queued behind any other warehouse writer (instance.py)
)
