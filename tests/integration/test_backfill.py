"""Backfill one year (job backfill_year): only that year's rows change.

A copy of the session warehouse gets new raw pension-bed counts for 包头市 (150200) in two years, 2024
(an open evaluation round) and 2020 (a closed one), and the year 2024 is backfilled with another
α (index_alpha 0.3 instead of 0.5) in a real Dagster run with real dbt on the copied DuckDB file. Then:
2024's HC17 is the value worked out here from the raw counts, 2024's weights follow the α formula,
every row of every other year is byte-identical to before (2020 keeps its old HC17 although its raw
rows changed too), and the nightly build state is untouched.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import duck

YEAR, OTHER_YEAR, REGION = 2024, 2020, "150200"  # 包头市
ALPHA = 0.3
BED_CHANGE = -3000  # 3,000 fewer institution beds: HC17 stays in its plausible range (5-80)
TABLES = {  # mart -> its key columns (the row order for comparing)
    "fct_indicator_value": "region_code, year, indicator_code",
    "fct_indicator_value_rollup": "region_code, year, indicator_code",
    "fct_life_table": "region_code, year, sex, age_start",
    "fct_index_round_parameters": "year, indicator_code",
    "fct_indicator_weight": "year, indicator_code",
    "fct_healthy_city_index": "region_code, year",
}
# 包头市 HC17 >= 60 by 2020: judged on 2020's value (the year's raw rows change, the year is not backfilled)
JUDGED_2020 = ("select status, status_year, value_in_target_year, latest_year, latest_value "
               "from marts.fct_target_attainment where target_id = 'T000_014'")
# the intermediate tables the year-grained marts read are rebuilt whole (dbt_project.yml)
REBUILT = {f"marts/{t}" for t in (*TABLES, "fct_target_attainment")} | {
    f"intermediate/{m}" for m in ("int_index_live_parameters", "int_life_table_input", "int_life_table",
                                  "int_ncd_probability_30_70", "int_cancer_incidence_asr")}


def _rows(con, table: str, where: str = "true") -> list[tuple]:
    return con.execute(f"select * from marts.{table} where {where} order by {TABLES.get(table, 'target_id')}").fetchall()


def _close(a: tuple, b: tuple) -> bool:
    """Equal, doubles up to rounding: a rebuilt row may differ in the last bits (a parallel SUM adds in
    another order). Rows that are not rebuilt are compared exactly (==)."""
    return len(a) == len(b) and all(
        x == y or (isinstance(x, float) and isinstance(y, float) and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12))
        for x, y in zip(a, b))


def _changed(before: list[tuple], after: list[tuple], key) -> set:
    """Keys of the rows that differ beyond rounding, appeared or disappeared."""
    b, a = {key(r): r for r in before}, {key(r): r for r in after}
    return {k for k in b.keys() | a.keys() if k not in a or k not in b or not _close(a[k], b[k])}


def _snapshot(path: Path) -> dict:
    with duck(path) as con:
        marts = {t: {"other": _rows(con, t, f"year <> {YEAR}"), "year": _rows(con, t, f"year = {YEAR}")}
                 for t in TABLES}
        marts["fct_target_attainment"] = _rows(con, "fct_target_attainment")
        state = con.execute("select * from raw._dbt_build_state order by built_at").fetchall()
        judged = con.execute(JUDGED_2020).fetchone()
    return {"marts": marts, "state": state, "judged_2020": judged}


@pytest.fixture(scope="module")
def backfilled(warehouse, defs, tmp_path_factory):
    import duckdb

    from dagster_project.backfill import JOB_NAME
    from dagster_project.instance import WRITER_TAGS

    root = tmp_path_factory.mktemp("backfill")
    copy = root / "warehouse" / warehouse["warehouse"].name
    copy.parent.mkdir()
    shutil.copy2(warehouse["warehouse"], copy)
    with duckdb.connect(str(copy)) as con:
        before_raw = dict(con.execute(
            "select year, institution_beds from raw.pension_beds where region_code = ? and year in (?, ?) "
            "and _superseded_by_load_id is null", [REGION, YEAR, OTHER_YEAR]).fetchall())
        assert set(before_raw) == {YEAR, OTHER_YEAR}, "the bundled pension_beds file has 包头市 2020 and 2024"
        con.execute("update raw.pension_beds set institution_beds = institution_beds + ? where region_code = ? "
                    "and year in (?, ?) and _superseded_by_load_id is null", [BED_CHANGE, REGION, YEAR, OTHER_YEAR])
    before = _snapshot(copy)

    from dagster_project import build_state
    from dagster_project.dbt_assets import _feed_tables
    from dagster_project.dbt_project import dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text())

    def nightly_dbt_plan() -> set[str]:
        fp = build_state.fingerprint(copy, manifest, _feed_tables(), {}, "duckdb")
        return build_state.plan(manifest, fp, build_state.last_build(copy)).build

    plan_before = nightly_dbt_plan()
    job = defs.resolve_job_def(JOB_NAME)
    run_config = job.partitioned_config.get_run_config_for_partition_key(str(YEAR))
    run_config["ops"][next(iter(run_config["ops"]))]["config"]["index_alpha"] = ALPHA
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HCW_WAREHOUSE", str(copy))
        mp.setenv("HCW_LANDING_DIR", str(root / "landing"))
        mp.setenv("HCW_ARCHIVE_DIR", str(root / "archive"))
        # the whole job but the scorecards (rendered from the published snapshot, tested elsewhere)
        selection = [k for k in job.asset_layer.executable_asset_keys if k != dg.AssetKey(["reports", "scorecards"])]
        result = job.execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), partition_key=str(YEAR), asset_selection=selection,
            raise_on_error=False, tags=WRITER_TAGS,
            run_config={**run_config, "loggers": {"console": {"config": {"log_level": "WARNING"}}}})
        plan_after = nightly_dbt_plan()
    return {"result": result, "before": before, "after": _snapshot(copy), "path": copy, "root": root,
            "before_raw": before_raw, "plan": (plan_before, plan_after)}


def test_backfill_job_is_partitioned_by_year(defs):
    from dagster_project.backfill import JOB_NAME
    from dagster_project.instance import WRITER_TAG

    job = defs.resolve_job_def(JOB_NAME)
    keys = job.partitions_def.get_partition_keys()
    assert keys[0] == "2004" and {"2019", "2020", "2024"} <= set(keys)
    assert [int(k) for k in keys] == list(range(2004, int(keys[-1]) + 1))
    assert job.partitioned_config.get_run_config_for_partition_key("2019") == {
        "ops": {"healthy_city_dbt_assets": {"config": {"backfill_year": 2019}}}}
    assert job.tags.get(WRITER_TAG), "a backfill queues behind the other warehouse writers"
    selected = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert selected == REBUILT | {"published/healthy_city", "reports/scorecards"}
    assert defs.resolve_job_def("nightly_materialization").partitions_def is None  # the nightly stays whole


def test_backfill_run_succeeds_with_the_year_in_its_events(backfilled):
    result = backfilled["result"]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert result.dagster_run.tags["dagster/partition"] == str(YEAR)
    materialized = {}
    for event in result.get_asset_materialization_events():
        m = event.event_specific_data.materialization
        materialized[m.asset_key.to_user_string()] = m.metadata
    assert set(materialized) == REBUILT | {"published/healthy_city"}
    assert materialized["marts/fct_indicator_value"]["backfill_year"].value == YEAR
    checks = {e.event_specific_data.check_name: e.event_specific_data.passed
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks["fct_indicator_value_gx"] is True
    assert any(name.startswith("unique_combination_fct_indicator_value") and ok for name, ok in checks.items())


def test_backfilled_year_has_the_new_values(backfilled):
    """HC17 = (institution + community beds) / residents aged 60+ × 1000, from the changed raw rows."""
    with duck(backfilled["path"]) as con:
        beds, community = con.execute(
            "select institution_beds, community_beds from raw.pension_beds where region_code = ? and year = ? "
            "and _superseded_by_load_id is null", [REGION, YEAR]).fetchone()
        (elderly,) = con.execute(
            "select population_60_plus from raw.population_by_age where region_code = ? and year = ? "
            "and _superseded_by_load_id is null", [REGION, YEAR]).fetchone()
        value, numerator = con.execute(
            "select value, numerator from marts.fct_indicator_value where region_code = ? and year = ? "
            "and indicator_code = 'HC17'", [REGION, YEAR]).fetchone()
        published = duck(backfilled["path"].parent / "published" / backfilled["path"].name)
        with published:
            (published_value,) = published.execute(
                "select value from marts.fct_indicator_value where region_code = ? and year = ? "
                "and indicator_code = 'HC17'", [REGION, YEAR]).fetchone()
    assert beds == backfilled["before_raw"][YEAR] + BED_CHANGE
    assert numerator == beds + community
    assert value == pytest.approx((beds + community) / elderly * 1000, rel=1e-12)
    assert published_value == pytest.approx(value, rel=1e-12)
    # the only changed indicator row of the year is that one
    before, after = backfilled["before"]["marts"], backfilled["after"]["marts"]
    assert _changed(before["fct_indicator_value"]["year"], after["fct_indicator_value"]["year"],
                    key=lambda r: (r[0], r[2], r[3])) == {(REGION, YEAR, "HC17")}


def test_backfilled_year_uses_the_runs_evaluation_settings(backfilled):
    """combined weight = α·expert + (1−α)·entropy weight (docs/evaluation.md), with α = 0.3 for 2024 only."""
    with duck(backfilled["path"]) as con:
        rows = con.execute("select year, alpha, expert_weight, entropy_weight, combined_weight, is_informative "
                           "from marts.fct_indicator_weight where round_status = 'open'").fetchall()
    assert {r[0] for r in rows if r[1] == ALPHA} == {YEAR}
    informative = [r for r in rows if r[0] == YEAR and r[5] and r[3] is not None]
    assert informative
    for _, _, expert, entropy, combined, _ in informative:
        assert combined == pytest.approx(ALPHA * expert + (1 - ALPHA) * entropy, rel=1e-9)
    before, after = backfilled["before"]["marts"], backfilled["after"]["marts"]
    assert _changed(before["fct_healthy_city_index"]["year"], after["fct_healthy_city_index"]["year"],
                    key=lambda r: r[:3]), "2024's index is scored with the new weights"


def test_every_other_year_is_byte_identical(backfilled):
    before, after = backfilled["before"]["marts"], backfilled["after"]["marts"]
    for table in TABLES:
        assert after[table]["other"] == before[table]["other"], table
    # 2020's raw rows changed too, but 2020 was not backfilled: its HC17 is the old one
    (old_2020,) = [r for r in before["fct_indicator_value"]["other"] if (r[0], r[2], r[3]) == (REGION, OTHER_YEAR, "HC17")]
    with duck(backfilled["path"]) as con:
        beds, community = con.execute(
            "select institution_beds, community_beds from raw.pension_beds where region_code = ? and year = ? "
            "and _superseded_by_load_id is null", [REGION, OTHER_YEAR]).fetchone()
        (numerator,) = con.execute("select numerator from marts.fct_indicator_value where region_code = ? "
                                   "and year = ? and indicator_code = 'HC17'", [REGION, OTHER_YEAR]).fetchone()
    assert beds == backfilled["before_raw"][OTHER_YEAR] + BED_CHANGE
    assert numerator == old_2020[7] == beds - BED_CHANGE + community
    # rebuilt from unchanged inputs: the same rows again
    assert not _changed(before["fct_life_table"]["year"], after["fct_life_table"]["year"], key=lambda r: r[:6])
    assert after["fct_index_round_parameters"]["year"] == before["fct_index_round_parameters"]["year"] == []


def test_attainment_moves_only_where_the_year_judges(backfilled):
    """Targets are judged on several years: only those on 包头市's HC17 read a changed value (its latest,
    2024); the 2020 target there is still judged on 2020's unchanged value."""
    before, after = backfilled["before"]["marts"]["fct_target_attainment"], backfilled["after"]["marts"]["fct_target_attainment"]
    with duck(backfilled["path"]) as con:
        touched = {t for (t,) in con.execute(
            "select target_id from marts.fct_target_attainment where region_code = ? and indicator_code = 'HC17'",
            [REGION]).fetchall()}
        judged_2020 = con.execute(JUDGED_2020).fetchone()
        (value_2024,) = con.execute("select value from marts.fct_indicator_value where region_code = ? and year = ? "
                                    "and indicator_code = 'HC17'", [REGION, YEAR]).fetchone()
    assert len(after) == len(before) and "T000_014" in touched
    assert _changed(before, after, key=lambda r: r[0]) == {"T000_014"} <= touched
    # still judged on 2020's value, which the backfill of 2024 did not touch; its latest value is 2024's new one
    old_2020 = backfilled["before"]["judged_2020"]
    assert judged_2020[:4] == old_2020[:4] and old_2020[1] == 2020 and old_2020[3] == YEAR
    assert judged_2020[4] == pytest.approx(value_2024, rel=1e-12) != old_2020[4]


def test_backfill_leaves_the_nightly_build_state_alone(backfilled):
    assert backfilled["after"]["state"] == backfilled["before"]["state"]
    plan_before, plan_after = backfilled["plan"]
    assert plan_after == plan_before


def test_cli_backfill_flag_runs_its_own_job():
    from dagster_project.run import parse_args

    assert parse_args(["--backfill-year", "2019"]).backfill_year == "2019"
    with pytest.raises(SystemExit):
        parse_args(["--backfill-year", "2019", "--everything"])



def test_a_backfill_year_on_other_models_is_refused(defs):
    """backfill_year set on the nightly job's dbt step with a model that has no year to select: a clear
    failure before dbt runs, not a table cut down to one year."""
    job = defs.resolve_job_def("nightly_materialization")
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
        asset_selection=[dg.AssetKey(["marts", "dim_region"])],
        run_config={"ops": {"healthy_city_dbt_assets": {"config": {"backfill_year": YEAR}}},
                    "loggers": {"console": {"config": {"log_level": "ERROR"}}}})
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "rebuilds only the models tagged backfill_year" in str(failure.event_specific_data.error)
    assert "dim_region" in str(failure.event_specific_data.error)
