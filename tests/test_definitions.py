"""The Definitions load, with every asset, check and the nightly schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg


def test_definitions_load_with_assets_and_checks(defs):
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/pension_beds", "raw/population_by_age", "raw/region_codes",
            "staging/stg_pension_beds", "staging/stg_population_by_age",
            "intermediate/int_indicator_hc17", "marts/fct_indicator_value", "marts/dim_region",
            "reference/dim_indicator"} <= keys
    check_names = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert {"raw_pension_beds_gx", "raw_population_by_age_gx", "fct_indicator_value_gx"} <= check_names
    # dbt data tests arrive as asset checks too.
    assert any(name.startswith("unique_combination_fct_indicator_value") for name in check_names)


def test_feed_assets_depend_on_nothing_and_marts_on_feeds(defs):
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["staging", "stg_pension_beds"])).parent_keys
    assert dg.AssetKey(["raw", "pension_beds"]) in upstream


def test_nightly_schedule_is_0200_asia_shanghai(defs):
    schedule = defs.resolve_schedule_def("nightly_0200_asia_shanghai")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "nightly_materialization"
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    run_requests = schedule.evaluate_tick(context).run_requests
    assert len(run_requests) == 1


def test_nightly_job_selects_every_asset(defs):
    job = defs.resolve_job_def("nightly_materialization")
    selected = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    all_keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert selected == all_keys


def test_nightly_schedule_selects_tonights_plan(defs, tmp_path, monkeypatch):
    """With the Definitions, the schedule asks the nightly plan: no warehouse yet selects everything."""
    monkeypatch.setenv("HCW_WAREHOUSE", str(tmp_path / "none" / "healthy_city.duckdb"))
    schedule = defs.resolve_schedule_def("nightly_0200_asia_shanghai")
    context = dg.build_schedule_context(
        repository_def=defs.get_repository_def(),
        scheduled_execution_time=dt.datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.asset_selection is None
    assert request.tags["hcw/nightly_plan"] == "everything: no warehouse yet"
