"""The landing-folder sensor of the real Definitions picks up a dropped file exactly once."""

from __future__ import annotations

import json
import os
import time

import dagster as dg

from dagster_project.feeds.sensor import SENSOR_NAME

DROPPED = "地区,年份,养老机构床位数(张)\n包头市,2025,27100\n"


def _age(path, seconds=120):
    """The sensor waits until a file has not changed for 10 s (a copy may be in progress)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def _tick(sensor, defs, instance, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    result = sensor.evaluate_tick(context)
    return result.run_requests, result.cursor


def test_dropped_file_yields_one_run_of_the_feed_and_downstream(defs, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("HCW_LANDING_DIR", str(landing))
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    with dg.instance_for_test() as instance:
        requests, cursor = _tick(sensor, defs, instance, None)
        assert requests == []  # no landing folder yet

        drop = landing / "pension_beds" / "pension_beds_2025.csv"
        drop.parent.mkdir(parents=True)
        drop.write_text(DROPPED, encoding="utf-8")
        readme = landing / "pension_beds" / "README.txt"
        readme.write_text("not a *.csv: no feed reads it")
        requests, cursor = _tick(sensor, defs, instance, cursor)
        assert requests == [], "a file modified seconds ago may still be copying"

        _age(drop)
        _age(readme)
        requests, cursor = _tick(sensor, defs, instance, cursor)
        assert len(requests) == 2
        request, listing = requests
        # The file no feed reads is not ignored: a run of the landing inventory, whose WARN check names it.
        assert [k.to_user_string() for k in listing.asset_selection] == ["landing/inventory"]
        assert listing.tags["landing_files_not_read"] == "pension_beds/README.txt"
        assert json.loads(cursor)["_unclaimed"]["pension_beds/README.txt"][0] == (
            "a '.txt' file in a csv feed: feed pension_beds reads only files matching '*.csv'")
        selected = {k.to_user_string() for k in request.asset_selection}
        # The feed, its staging model, the indicator built from it and the marts; no other feed.
        assert {"raw/pension_beds", "staging/stg_pension_beds", "intermediate/int_indicator_hc17",
                "marts/fct_indicator_value"} <= selected
        assert not {"raw/population_by_age", "raw/city_panel", "raw/region_codes"} & selected
        graph = defs.resolve_asset_graph()
        assert all(dg.AssetKey(["raw", "pension_beds"]) in dg.AssetSelection.assets(k).upstream().resolve(graph)
                   for k in request.asset_selection), "only the feed and what is built from it"
        assert request.tags["feed"] == "pension_beds"
        assert request.tags["landing_files"] == "pension_beds_2025.csv"

        # Second tick with the new cursor: nothing new, nothing requested.
        requests, cursor = _tick(sensor, defs, instance, cursor)
        assert requests == []

        # Touched but unchanged (same SHA-256): still nothing.
        _age(drop, 60)
        requests, cursor = _tick(sensor, defs, instance, cursor)
        assert requests == []

        # A corrected file under the same name is a change: one more run, with a new run key.
        drop.write_text(DROPPED.replace("27100", "27150"), encoding="utf-8")
        _age(drop, 30)
        again, cursor = _tick(sensor, defs, instance, cursor)
        assert len(again) == 1 and again[0].run_key != request.run_key

        # The unread file removed: one run of the inventory, so its check passes (and recovers).
        readme.unlink()
        cleared, cursor = _tick(sensor, defs, instance, cursor)
        assert [[k.to_user_string() for k in r.asset_selection] for r in cleared] == [["landing/inventory"]]
        assert "_unclaimed" not in json.loads(cursor)
        assert _tick(sensor, defs, instance, cursor)[0] == []
