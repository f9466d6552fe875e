"""Through a real Dagster materialization: a rejected file fails only its own feed's files check
(ERROR, not blocking); the feed's good files are loaded, both assets materialize, and the run
stays green so everything downstream is still built."""

from __future__ import annotations

import dagster as dg

from dagster_project.feeds.assets import build_feed_asset
from dagster_project.feeds.config import load_feed_config
from tests.conftest import duck


def test_file_level_failure_fails_only_that_feed(isolated_env):
    sources, landing = isolated_env["sources"], isolated_env["landing"]
    bad = landing / "population_by_age" / "population_by_age_2025.csv"
    bad.parent.mkdir(parents=True)
    # The statistics bureau added a column nobody declared: the whole file is rejected.
    bad.write_text("行政区划代码,年份,常住人口(人),60岁及以上人口(人),65岁及以上人口(人)\n"
                   "150200,2025,2712000,560100,401000\n", encoding="utf-8")

    assets = [build_feed_asset(load_feed_config(sources / "feeds" / f"{name}.yml"))
              for name in ("pension_beds", "population_by_age")]
    result = dg.materialize(assets, raise_on_error=False)

    # The run is green: the rejection is reported by the feed's check, not by failing the asset.
    assert result.success is True
    steps = {e.step_key: e.event_type_value for e in result.all_events
             if e.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE")}
    assert steps == {"raw__pension_beds": "STEP_SUCCESS", "raw__population_by_age": "STEP_SUCCESS"}
    checks = {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert {name: (c.passed, c.severity, c.blocking) for name, c in checks.items()} == {
        "raw_pension_beds_files_accepted": (True, dg.AssetCheckSeverity.ERROR, False),
        "raw_population_by_age_files_accepted": (False, dg.AssetCheckSeverity.ERROR, False),
    }
    reason = ("population_by_age_2025.csv: unexpected column(s) ['65岁及以上人口(人)']: declare them under "
              "'columns' or 'ignore_columns' in population_by_age.yml")
    failed = checks["raw_population_by_age_files_accepted"].metadata
    assert failed["failed_summary"].value == f"- population_by_age_2025.csv: rejected: {reason}"
    [rule] = failed["failures"].value
    assert rule["failing_rows"][0]["_source_file"] == "population_by_age_2025.csv"
    assert rule["failing_values"] == [{"value": reason, "rows": 1}]
    materialized = result.asset_materializations_for_node("raw__population_by_age")[0].metadata
    assert (materialized["files_seen"].value, materialized["files_loaded"].value,
            materialized["files_rejected"].value) == (2, 1, 1)

    with duck(isolated_env["warehouse"]) as con:
        # The other feed loaded: 5 regions × 9 years = 45 rows.
        assert con.execute("select count(*) from raw.pension_beds").fetchone()[0] == 45
        # The feed with the rejected file still loaded its good (bundled) file: 45 rows too.
        assert con.execute("select count(*) from raw.population_by_age").fetchone()[0] == 45
        assert con.execute(
            "select feed, source_file, status from raw._loads order by feed, source_file").fetchall() == [
            ("pension_beds", "pension_beds_2016_2024.csv", "loaded"),
            ("population_by_age", "population_by_age_2016_2024.csv", "loaded"),
            ("population_by_age", "population_by_age_2025.csv", "rejected"),
        ]
    # The rejected original is archived unchanged.
    archived = list((isolated_env["archive"] / "population_by_age").glob("*__population_by_age_2025.csv"))
    assert len(archived) == 1 and archived[0].read_bytes() == bad.read_bytes()
