"""A nightly run with nothing new does not re-validate a feed: its suite is skipped (passed, metadata
"no new load"), asserted from the run's check evaluation events. A new file validates again.
Real Dagster runs on one persistent test instance, real GX, a real DuckDB file.
"""

from __future__ import annotations

import os
import time

import dagster as dg

from tests.integration.test_alerts import pension_beds_defs

NEW_FILE = "地区,年份,养老机构床位数(张)\n包头市,2025,27100\n"


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    out = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            out[ev.check_name] = {"passed": ev.passed, **{k: v.value for k, v in ev.metadata.items()}}
    return out


def test_nothing_new_skips_the_feed_suite_and_a_new_file_validates_again(isolated_env):
    defs = pension_beds_defs()
    with dg.instance_for_test() as instance:
        first = dg.materialize(defs, instance=instance, raise_on_error=False)
        assert first.success
        checks = _evaluations(first)
        assert checks["raw_pension_beds_gx"]["rows_validated"] > 0
        assert "skipped" not in checks["raw_pension_beds_gx"]

        second = dg.materialize(defs, instance=instance, raise_on_error=False)
        assert second.success
        checks = _evaluations(second)
        skipped = checks["raw_pension_beds_gx"]
        assert skipped["passed"] is True and skipped["skipped"] == "no new load"
        assert skipped["last_validated_run"] == first.run_id and skipped["rows_validated"] == 0
        # The feed-rules suite also reads raw.region_codes, which this test reloads every run: it runs.
        assert "skipped" not in checks["raw_pension_beds_feed_rules_gx"]
        assert checks["raw_pension_beds_feed_rules_gx"]["rows_validated"] > 0

        drop = isolated_env["landing"] / "pension_beds" / "pension_beds_2025.csv"
        drop.parent.mkdir(parents=True)
        drop.write_text(NEW_FILE, encoding="utf-8")
        then = time.time() - 120
        os.utime(drop, (then, then))
        third = dg.materialize(defs, instance=instance, raise_on_error=False)
        assert third.success
        feed = next(e for e in third.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
                    and e.asset_key == dg.AssetKey(["raw", "pension_beds"]))
        assert feed.event_specific_data.materialization.metadata["files_loaded"].value == 1
        checks = _evaluations(third)
        assert "skipped" not in checks["raw_pension_beds_gx"]
        assert checks["raw_pension_beds_gx"]["rows_validated"] > 0
