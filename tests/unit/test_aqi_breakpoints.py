"""The breakpoint seed (dbt/seeds/aqi_breakpoints.csv) against HJ 633-2012 表1, typed in by hand here.

The IAQI arithmetic itself runs in SQL (int_air_quality_iaqi) and is checked on hand-computed
values by the dbt unit test `iaqi_matches_hj633_breakpoints_and_edges` and by
tests/integration/test_air_quality.py; this file guards the table those use.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "dbt" / "seeds" / "aqi_breakpoints.csv"

IAQI_LEVELS = [0, 50, 100, 150, 200, 300, 400, 500]
# HJ 633-2012 表1 (μg/m3; CO mg/m3), only the statistics a daily AQI uses.
HJ633_TABLE1 = {
    "so2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "no2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "pm10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "co_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "o3_8h": [0, 100, 160, 215, 265, 800],  # above 800: the O3 1-hour IAQI is used (表1 note 3)
    "pm25_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def segments(metric: str) -> list[tuple[float, float, int, int]]:
    rows = [r for r in seed_rows() if r["metric"] == metric]
    return sorted((float(r["concentration_low"]), float(r["concentration_high"]), int(r["iaqi_low"]), int(r["iaqi_high"]))
                  for r in rows)


@pytest.mark.parametrize("metric", sorted(HJ633_TABLE1))
def test_seed_segments_equal_hj633_table(metric):
    limits = HJ633_TABLE1[metric]
    expected = [(float(limits[i]), float(limits[i + 1]), IAQI_LEVELS[i], IAQI_LEVELS[i + 1]) for i in range(len(limits) - 1)]
    assert segments(metric) == expected


def test_seed_has_exactly_the_seven_daily_statistics():
    assert {r["metric"] for r in seed_rows()} == set(HJ633_TABLE1)


def test_co_is_in_mg_per_m3_and_everything_else_in_ug_per_m3():
    units = {r["metric"]: r["unit"] for r in seed_rows()}
    assert units.pop("co_24h") == "mg/m3"
    assert set(units.values()) == {"μg/m3"}


def test_only_o3_8h_has_no_open_top_segment():
    top = {r["metric"] for r in seed_rows() if r["is_top_segment"] == "true"}
    assert top == set(HJ633_TABLE1) - {"o3_8h"}


def iaqi(metric: str, concentration: float) -> float:
    """The HJ 633 formula on the seed, unrounded: the same arithmetic int_air_quality_iaqi runs."""
    for c_lo, c_hi, i_lo, i_hi in segments(metric):
        if c_lo <= concentration <= c_hi:
            return i_lo + (i_hi - i_lo) * (concentration - c_lo) / (c_hi - c_lo)
    raise ValueError(concentration)


@pytest.mark.parametrize(("metric", "concentration", "expected"), [
    ("pm25_24h", 35, 50),     # breakpoint edges
    ("pm25_24h", 75, 100),
    ("pm25_24h", 115, 150),
    ("pm25_24h", 55, 75),     # 50 + 50 × (55 − 35) / (75 − 35)
    ("co_24h", 4, 100),       # CO in mg/m3: 4 mg/m3 is the IAQI-100 limit
    ("co_24h", 1.0, 25),      # 50 × 1 / 2
    ("o3_8h", 200, 100 + 50 * 40 / 55),  # 136.36…, reported as 137
])
def test_seed_gives_hand_computed_iaqi(metric, concentration, expected):
    assert iaqi(metric, concentration) == pytest.approx(expected)
