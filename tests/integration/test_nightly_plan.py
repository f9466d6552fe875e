"""A night with nothing new does no ingest, validation, dbt, publish or report work; one new file
runs its feed and what depends on it. Asserted from the plan and from real Dagster runs' events on the
session warehouse (which the nightly job built once: it recorded what it loaded and built)."""

from __future__ import annotations

import dagster as dg

from dagster_project import build_state

# A hand-built manifest: raw.a -> stg_a -> fct <- stg_b <- raw.b;  raw.b -> stg_b -> report (reads the
# date);  raw.c -> dim.
MANIFEST = {
    "metadata": {"project_name": "p"},
    "macros": {},
    "sources": {f"source.p.raw.{t}": {"name": t, "schema": "raw"} for t in "abc"},
    "nodes": {
        **{f"model.p.{name}": {"resource_type": "model", "name": name, "checksum": {"checksum": name},
                               "raw_code": "select current_date" if name == "report" else "select 1"}
           for name in ("stg_a", "stg_b", "fct", "report", "dim")},
        "test.p.not_null_fct": {"resource_type": "test", "name": "not_null_fct", "checksum": {"checksum": "t"}},
    },
    "child_map": {
        "source.p.raw.a": ["model.p.stg_a"], "source.p.raw.b": ["model.p.stg_b"], "source.p.raw.c": ["model.p.dim"],
        "model.p.stg_a": ["model.p.fct"], "model.p.stg_b": ["model.p.fct", "model.p.report"],
        "model.p.fct": ["test.p.not_null_fct"], "model.p.report": [], "model.p.dim": [],
    },
}
ALL = {"model.p.stg_a", "model.p.stg_b", "model.p.fct", "model.p.report", "model.p.dim"}


def _fp(a="1", b="1", c="1", day="2026-12-01", vars_=None, project=None):
    return {"sources": {"a": a, "b": b, "c": c}, "vars": vars_ or {}, "target": "duckdb", "date": day,
            "project": project or build_state.project_fingerprint(MANIFEST)}


def test_dbt_rebuilds_exactly_the_models_downstream_of_what_changed():
    assert build_state.plan(MANIFEST, _fp(), _fp()).build == set()
    assert build_state.plan(MANIFEST, _fp(a="2"), _fp()).build == {"model.p.stg_a", "model.p.fct"}
    assert build_state.plan(MANIFEST, _fp(c="2"), _fp()).build == {"model.p.dim"}
    assert build_state.plan(MANIFEST, _fp(b="2"), _fp()).build == {"model.p.stg_b", "model.p.fct", "model.p.report"}
    # A new day rebuilds the model that reads the date (and what depends on it), nothing else.
    assert build_state.plan(MANIFEST, _fp(day="2026-12-02"), _fp()).build == {"model.p.report"}
    # Other vars, another project, or no record: everything.
    for current, previous in ((_fp(vars_={"evaluation_year": 2024}), _fp()), (_fp(project="x"), _fp()), (_fp(), None)):
        plan = build_state.plan(MANIFEST, current, previous)
        assert plan.build == ALL and plan.full


def test_unit_tests_run_when_the_project_changed_or_one_failed_not_for_new_data_alone():
    unit = {"unit_test.p.fct.t1", "unit_test.p.dim.t2"}
    full = build_state.plan(MANIFEST, _fp(project="x"), _fp())
    new_data = build_state.plan(MANIFEST, _fp(a="2"), _fp())
    passed = {**_fp(), "unit_tests_failed": []}
    skip = ["--exclude-resource-type", "unit_test"]
    assert build_state.dbt_args(full, passed) == []
    assert build_state.dbt_args(new_data, passed) == skip
    assert build_state.dbt_args(new_data, _fp()) == []  # a record that does not say: unknown, run them
    assert build_state.dbt_args(new_data, {**_fp(), "unit_tests_failed": ["unit_test.p.fct.t1"]}) == []
    # What the next record says, from run_results.json.
    every_one_passed = [{"unique_id": u, "status": "pass"} for u in sorted(unit)] + [
        {"unique_id": "model.p.fct", "status": "success"}]
    assert build_state.unit_tests_failed(every_one_passed, None, unit) == []
    assert build_state.unit_tests_failed([{"unique_id": "unit_test.p.fct.t1", "status": "pass"}], _fp(), unit) == [
        "unknown"]  # part of them ran: the others are still unknown
    failed_before = {**_fp(), "unit_tests_failed": ["unit_test.p.fct.t1"]}
    assert build_state.unit_tests_failed([{"unique_id": "unit_test.p.fct.t1", "status": "pass"}], failed_before, unit) == []
    assert build_state.unit_tests_failed([{"unique_id": "unit_test.p.dim.t2", "status": "fail"}], failed_before, unit) == [
        "unit_test.p.dim.t2", "unit_test.p.fct.t1"]
    assert build_state.unit_tests_failed([{"unique_id": "model.p.fct", "status": "success"}], passed, unit) == []


def _started_steps(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}


def test_a_night_with_nothing_new_runs_no_ingest_suite_dbt_publish_or_report(warehouse, defs):
    from dagster_project.nightly import LANDING_KEY, plan_nightly

    graph = defs.resolve_asset_graph()
    plan = plan_nightly(graph)
    assert plan.reasons == ["nothing new: no file, no code list, no dbt change"], plan.reasons
    assert plan.asset_keys == [LANDING_KEY]
    assert all(key.name.endswith("_fresh") or key.asset_key == LANDING_KEY for key in plan.check_keys), plan.check_keys
    published = warehouse["warehouse"].parent / "published" / "healthy_city.duckdb"
    published_before = published.stat().st_mtime_ns
    job = defs.resolve_job_def("nightly_materialization").get_subset(
        asset_selection=set(plan.asset_keys), asset_check_selection=set(plan.check_keys))
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success
    steps = _started_steps(result)
    assert "landing__inventory" in steps
    assert not [s for s in steps if s.startswith(("raw__", "healthy_city_dbt", "published", "reports", "marts"))
                and not s.endswith("_fresh")], steps
    materialized = {e.asset_key.to_user_string() for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"}
    assert materialized == {"landing/inventory"}
    assert published.stat().st_mtime_ns == published_before


def test_the_dbt_step_with_nothing_changed_builds_and_yields_nothing(warehouse, defs):
    """The whole nightly job (a click on Launch in the UI) still reaches the dbt step: it builds nothing."""
    from dagster_project.dbt_assets import dbt_resource, healthy_city_dbt_assets

    with dg.instance_for_test() as instance:
        result = dg.materialize([healthy_city_dbt_assets], instance=instance, resources={"dbt": dbt_resource()},
                                raise_on_error=False)
        logs = [r.user_message for r in instance.all_logs(result.run_id)]
    assert result.success
    assert not [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    assert any(m.startswith("dbt: nothing to rebuild (nothing changed since the last build)") for m in logs), logs


def test_one_new_file_selects_its_feed_and_what_depends_on_it_only(warehouse, defs, tmp_path, monkeypatch):
    from dagster_project.nightly import plan_nightly

    landing = tmp_path / "landing"
    (landing / "pension_beds").mkdir(parents=True)
    (landing / "pension_beds" / "pension_beds_2026.csv").write_text(
        "地区,年份,养老机构床位数(张)\n包头市,2026,27300\n", encoding="utf-8")
    monkeypatch.setenv("HCW_LANDING_DIR", str(landing))
    plan = plan_nightly(defs.resolve_asset_graph())
    assert plan.reasons == ["pension_beds: 1 new file(s)"]
    keys = {k.to_user_string() for k in plan.asset_keys}
    assert {"raw/pension_beds", "staging/stg_pension_beds", "intermediate/int_indicator_hc17",
            "marts/fct_indicator_value", "published/healthy_city", "reports/scorecards"} <= keys
    assert not keys & {"raw/sports", "raw/air_quality_hourly", "raw/region_codes", "marts/dim_region",
                       "marts/fct_air_quality_daily", "staging/stg_sports"}
    checks = {k.name for k in plan.check_keys}
    assert {"raw_pension_beds_gx", "raw_pension_beds_files_accepted"} <= checks
    assert "raw_sports_gx" not in checks and "raw_sports_files_accepted" not in checks


def test_a_freshness_check_runs_on_the_night_its_outcome_turns(warehouse):
    from dagster_project.feeds.config import load_feed_configs
    from dagster_project.nightly import freshness_checks_due

    configs = [c for c in load_feed_configs() if c.name == "pension_beds"]
    database = warehouse["warehouse"]
    assert freshness_checks_due(configs, database, {"raw_pension_beds_fresh": True}) == set()
    assert freshness_checks_due(configs, database, {"raw_pension_beds_fresh": False}) == {"raw_pension_beds_fresh"}
    assert freshness_checks_due(configs, database, {}) == {"raw_pension_beds_fresh"}
