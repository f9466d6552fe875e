"""Bad values in a raw file fail their Great Expectations check, and the check names the row."""

from __future__ import annotations

import dagster as dg

from dagster_project.feeds.assets import build_feed_asset
from dagster_project.feeds.config import load_feed_config
from dagster_project.quality.gx_checks import build_suite_check, load_suite_file
from dagster_project import settings
from tests.conftest import write_negative_bed_count


def test_negative_bed_count_fails_check_and_names_the_row(isolated_env):
    write_negative_bed_count(isolated_env["sources"])

    cfg = load_feed_config(isolated_env["sources"] / "feeds" / "pension_beds.yml")
    check = build_suite_check(load_suite_file(settings.EXPECTATIONS_DIR / "raw_pension_beds.json"))
    result = dg.materialize([build_feed_asset(cfg), check], raise_on_error=False)

    evaluations = {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    # The file itself was accepted (its values are wrong, not its shape): only the GX check fails.
    assert evaluations["raw_pension_beds_files_accepted"].passed is True
    evaluation = evaluations["raw_pension_beds_gx"]
    assert evaluation.passed is False
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    failures = evaluation.metadata["failures"].value
    assert len(failures) == 1
    assert failures[0]["expectation"] == "expect_column_values_to_be_between"
    assert failures[0]["unexpected_count"] == 1
    assert failures[0]["failing_rows"] == [
        {"institution_beds": -26458, "_source_file": "pension_beds_2016_2024.csv", "_row_number": 6}
    ]
    # The blocking check failed with ERROR severity, so the run fails.
    assert result.success is False
