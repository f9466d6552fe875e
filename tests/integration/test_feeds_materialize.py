"""Through a real Dagster materialization: a rejected file fails only its own feed's asset, after
the feed's good files are loaded, while another feed still loads."""

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

    assert result.success is False
    steps = {e.step_key: e.event_type_value for e in result.all_events
             if e.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE")}
    assert steps == {"raw__pension_beds": "STEP_SUCCESS", "raw__population_by_age": "STEP_FAILURE"}
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.event_specific_data.error.message.strip().endswith(
        "Feed population_by_age (常住人口及60岁及以上人口): 1 file(s) rejected, 1 loaded:\n"
        "- population_by_age_2025.csv: unexpected column(s) ['65岁及以上人口(人)']: declare them under "
        "'columns' or 'ignore_columns' in population_by_age.yml")

    with duck(isolated_env["warehouse"]) as con:
        # The other feed loaded: 5 regions × 9 years = 45 rows.
        assert con.execute("select count(*) from raw.pension_beds").fetchone()[0] == 45
        # The failing feed's good (bundled) file loaded before the failure was raised: 45 rows too.
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
