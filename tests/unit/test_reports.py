"""Scorecard building blocks, each against values worked out by hand."""

from __future__ import annotations

import importlib.util
import json

import pytest

from dagster_project import settings
from dagster_project.reports.data import Region, Snapshot, attention_list, parse_load_ids, worst_status
from dagster_project.reports.digest import compare
from dagster_project.reports.maps import colour_for, RAMP, NO_VALUE
from dagster_project.reports.scorecard import sparkline
from dagster_project.reports.workbook import sheet_title


def _build_boundaries():
    spec = importlib.util.spec_from_file_location("build_boundaries", settings.PROJECT_ROOT / "scripts" / "build_boundaries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_douglas_peucker_keeps_only_points_beyond_the_tolerance():
    bb = _build_boundaries()
    # (1, 0.05) is 0.05 from the chord (0,0)-(2,0): dropped at 0.1, kept at 0.01; (3, 1) is a corner.
    line = [(0, 0), (1, 0.05), (2, 0), (3, 1)]
    assert bb.douglas_peucker(line, 0.1) == [(0, 0), (2, 0), (3, 1)]
    assert bb.douglas_peucker(line, 0.01) == line


def test_wkt_polygon_and_multipolygon_with_a_hole():
    bb = _build_boundaries()
    assert bb.parse_wkt("POLYGON((0 0,1 0,1 1,0 0))") == [[[(0, 0), (1, 0), (1, 1), (0, 0)]]]
    multi = bb.parse_wkt("MULTIPOLYGON(((0 0,4 0,4 4,0 0),(1 1,2 1,2 2,1 1)),((5 5,6 5,6 6,5 5)))")
    assert len(multi) == 2 and len(multi[0]) == 2 and multi[1][0][0] == (5, 5)
    with pytest.raises(ValueError):
        bb.parse_wkt("POINT(1 2)")


def test_bundled_boundaries_are_small_real_and_licensed():
    path = settings.PROJECT_ROOT / "sources" / "reference" / "boundaries" / "prefecture_boundaries.geojson"
    assert path.stat().st_size < 400_000
    assert (path.parent / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    features = {f["properties"]["city_code"]: f for f in json.loads(path.read_text(encoding="utf-8"))["features"]}
    assert len(features) == 369
    # 包头市 lies around 109.2-111.4 °E, 40.2-42.7 °N.
    ring = features["150200"]["geometry"]["coordinates"][0][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    assert 109 < min(xs) < max(xs) < 112 and 40 < min(ys) < max(ys) < 43
    assert ring[0] == ring[-1]


def test_load_ids_give_feed_and_load_date():
    text = "pension_beds-20261201T154845562305-a853e868;population_by_age-20251130T010203000001-23409b01"
    assert parse_load_ids(text) == [("pension_beds", "2026-12-01"), ("population_by_age", "2025-11-30")]
    assert parse_load_ids(None) == [] and parse_load_ids("garbage") == []


def test_sheet_titles_are_at_most_31_characters_and_unique():
    used: set[str] = set()
    assert sheet_title("包头市", "150200", used) == "包头市"
    long = "包头稀土高新技术产业开发区" * 3
    title = sheet_title(long, "150271", used)
    assert len(title) <= 31 and title.endswith("_150271")
    assert sheet_title("包头市", "150299", used) == "包头市_150299"
    assert sheet_title("a/b[c]", "1", used) == "a_b_c_"


def test_choropleth_classes_follow_the_indicator_direction():
    breaks = [1, 2, 3, 4]
    assert colour_for(0.5, breaks, True) == RAMP[0] and colour_for(4.5, breaks, True) == RAMP[4]
    assert colour_for(0.5, breaks, False) == RAMP[4]  # a low death rate is good
    assert colour_for(None, breaks, True) == NO_VALUE


def test_sparkline_scales_values_target_and_projection():
    svg = sparkline({2020: 0.0, 2022: 10.0}, target=5.0, projection=(2024, 20.0), width=106, height=26)
    # x: 3 + (year-2020)/4 * 100; y: 23 - (v-0)/20 * 20
    assert 'points="3.0,23.0 53.0,13.0"' in svg
    assert 'y1="18.0"' in svg                       # the target line at 5
    assert 'cx="103.0" cy="3.0" r="2.5"' in svg      # the projection at 2024
    assert "—" in sparkline({})


def _region(targets):
    r = Region("150200", "包头市", "地级", "150200", "150000", "内蒙古自治区", True)
    r.targets = targets
    return r


def test_attention_ranks_by_relative_distance_per_year_left():
    import datetime as dt
    from pathlib import Path

    snap = Snapshot(Path("x"), dt.datetime(2026, 1, 1), 2026, {}, {}, {})
    targets = [
        {"target_id": "A", "status": "not met", "status_value": 48.0, "target_value": 60.0, "target_year": 2020},   # 0.2 / 1
        {"target_id": "B", "status": "off track", "status_value": 3.0, "target_value": 5.0, "target_year": 2030},   # 0.4 / 5
        {"target_id": "C", "status": "off track", "status_value": 9.0, "target_value": 10.0, "target_year": 2027},  # 0.1 / 2
        {"target_id": "D", "status": "met", "status_value": 70.0, "target_value": 60.0, "target_year": 2020},
    ]
    ranked = attention_list(snap, _region(targets))
    assert [t["target_id"] for t in ranked] == ["A", "B", "C"]
    assert ranked[0]["urgency"] == pytest.approx(0.2) and ranked[1]["urgency"] == pytest.approx(0.08)
    assert worst_status(targets) == "not met"


def test_digest_finds_status_changes_and_projection_flips_only():
    before = {"T1": {"region_code": "1", "region_name_zh": "甲", "indicator_text_zh": "x", "status": "on track",
                     "projected_value": 5.0, "is_projected_to_meet_target": True, "target_year": 2030},
              "T2": {"region_code": "1", "region_name_zh": "甲", "indicator_text_zh": "y", "status": "off track",
                     "projected_value": 2.0, "is_projected_to_meet_target": False, "target_year": 2030},
              "T3": {"region_code": "2", "region_name_zh": "乙", "indicator_text_zh": "z", "status": "met",
                     "projected_value": None, "is_projected_to_meet_target": None, "target_year": 2020}}
    after = json.loads(json.dumps(before))
    after["T1"]["status"] = "off track"                 # on track → off track
    after["T2"]["projected_value"] = 2.5                # moved, but still misses: no message
    after["T3"]["status"] = "not met"                   # met → not met (a revised value)
    after["T4"] = {**after["T3"], "status": "no data"}  # new target: not a change
    changes = compare(before, after)
    assert [(c.target_id, c.kind, c.is_worse) for c in changes] == [("T1", "status", True), ("T3", "status", True)]
