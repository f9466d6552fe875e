"""The versioned breakpoint seed (dbt/seeds/aqi_breakpoints.csv) against HJ 633 表1, typed in by hand here:
HJ 633-2012 until 2026-02-28 and HJ 633-2026 from 2026-03-01 (sources in dbt/seeds/_air_quality_seeds.yml).

The IAQI arithmetic itself runs in SQL (int_air_quality_iaqi); it is checked against the aqi-hub
library for both editions in tests/integration/test_aqi_oracle.py and on hand-computed days in
tests/integration/test_air_quality.py. This file guards the table those use.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "dbt" / "seeds" / "aqi_breakpoints.csv"

IAQI_LEVELS = [0, 50, 100, 150, 200, 300, 400, 500]
# HJ 633-2012 表1 (μg/m3; CO mg/m3).
HJ633_2012 = {
    "so2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "so2_1h": [0, 150, 500, 650, 800],  # above 800: the SO2 24-hour IAQI is used (表1 note 2)
    "no2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "no2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "pm10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "co_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "co_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "o3_8h": [0, 100, 160, 215, 265, 800],  # above 800: the O3 1-hour IAQI is used (表1 note 3)
    "pm25_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}
# HJ 633-2026: the PM2.5 and PM10 IAQI-100 limits move to 60 and 120 μg/m3; the rest is unchanged.
HJ633_2026 = {**HJ633_2012,
              "pm25_24h": [0, 35, 60, 115, 150, 250, 350, 500],
              "pm10_24h": [0, 50, 120, 250, 350, 420, 500, 600]}
TABLES = {"HJ 633-2012": HJ633_2012, "HJ 633-2026": HJ633_2026}
# IAQI above the last breakpoint: NULL = no IAQI (use the other averaging period), else that value.
ABOVE_TOP = {("HJ 633-2012", "so2_1h"): None, ("HJ 633-2012", "o3_8h"): None,
             ("HJ 633-2026", "so2_1h"): 200, ("HJ 633-2026", "o3_8h"): 300}


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def segments(standard: str, metric: str) -> list[tuple[float, float, int, int]]:
    rows = [r for r in seed_rows() if r["metric"] == metric and r["standard"] == standard]
    return sorted((float(r["concentration_low"]), float(r["concentration_high"]), int(r["iaqi_low"]), int(r["iaqi_high"]))
                  for r in rows)


@pytest.mark.parametrize(("standard", "metric"), [(s, m) for s in TABLES for m in sorted(TABLES[s])])
def test_seed_segments_equal_hj633_table(standard, metric):
    limits = TABLES[standard][metric]
    expected = [(float(limits[i]), float(limits[i + 1]), IAQI_LEVELS[i], IAQI_LEVELS[i + 1]) for i in range(len(limits) - 1)]
    assert segments(standard, metric) == expected


def test_each_standard_has_its_validity_dates():
    periods = {(r["standard"], r["valid_from"], r["valid_to"]) for r in seed_rows()}
    assert periods == {("HJ 633-2012", "2012-02-29", "2026-03-01"), ("HJ 633-2026", "2026-03-01", "")}


def test_seed_has_the_same_statistics_in_both_standards():
    by_standard = {s: {r["metric"] for r in seed_rows() if r["standard"] == s} for s in TABLES}
    assert by_standard == {s: set(t) for s, t in TABLES.items()}


def test_co_is_in_mg_per_m3_and_everything_else_in_ug_per_m3():
    units = {(r["metric"], r["unit"]) for r in seed_rows()}
    assert {u for m, u in units if m.startswith("co_")} == {"mg/m3"}
    assert {u for m, u in units if not m.startswith("co_")} == {"μg/m3"}


def test_out_of_range_rules():
    tops = {(r["standard"], r["metric"]): r for r in seed_rows() if r["is_top_segment"] == "true"}
    assert set(tops) == {(s, m) for s in TABLES for m in TABLES[s]}  # one top segment per metric
    for key, row in tops.items():
        expected = ABOVE_TOP.get(key, 500)
        assert (int(row["iaqi_above_top"]) if row["iaqi_above_top"] else None) == expected, key
    assert all(r["iaqi_above_top"] == "" for r in seed_rows() if r["is_top_segment"] == "false")
