"""City daily AQI from hourly station data (HJ 633-2012 / HJ 663-2013), HC01 and HC02, on the bundled
SAMPLE data. The hand-set days are in scripts/generate_air_quality_sample.py (HAND_CHECKED_DAYS)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from dagster_project import settings
from tests.conftest import duck


def iaqi_of_day(con, code, day):
    return dict(con.execute(
        "select metric, iaqi from intermediate.int_air_quality_iaqi where region_code = ? and observed_date = ?",
        [code, day]).fetchall())


def aqi_day(con, code, day):
    return con.execute(
        "select aqi, aqi_category_zh, primary_pollutant, is_valid_day, source from intermediate.int_air_quality_daily "
        "where region_code = ? and observed_date = ?", [code, day]).fetchone()


def test_city_value_is_the_mean_of_urban_stations_only(warehouse):
    # 2024-01-15 包头: urban stations PM2.5 70 and 80 -> city 75 (the 背景点 at 300 is left out;
    # with it the mean would be 150).
    with duck(warehouse["warehouse"]) as con:
        pm25 = con.execute("select concentration, n_values from intermediate.int_air_quality_daily_statistics "
                           "where region_code = '150200' and observed_date = '2024-01-15' and metric = 'pm25_24h'").fetchone()
        assert pm25 == (75.0, 24)
        # IAQI: PM2.5 75 -> 100 (edge); PM10 100 -> 50 + 50 × 50/100 = 75; SO2 20 -> 20; NO2 40 -> 50;
        # CO 1.0 mg/m3 -> 25; O3 8h 60 -> 50 × 60/100 = 30; O3 1h 60 -> 18.75 -> 19
        assert iaqi_of_day(con, "150200", "2024-01-15") == {
            "pm25_24h": 100, "pm10_24h": 75, "so2_24h": 20, "no2_24h": 50, "co_24h": 25, "o3_8h": 30, "o3_1h": 19}
        assert aqi_day(con, "150200", "2024-01-15") == (100, "良", "pm25_24h", True, "computed_hourly")


def test_o3_daily_maximum_8_hour_mean(warehouse):
    # 2024-07-20 包头: O3 100 except 200 for hours 12-19 -> the window 12-19 averages 200;
    # IAQI 100 + 50 × (200 − 160)/(215 − 160) = 136.36 -> 137; O3 1h max 200 -> 100
    with duck(warehouse["warehouse"]) as con:
        o3 = con.execute("select concentration, n_values from intermediate.int_air_quality_daily_statistics "
                         "where region_code = '150200' and observed_date = '2024-07-20' and metric = 'o3_8h'").fetchone()
        assert o3 == (200.0, 17)  # 17 windows ending 07:59 … 23:59, all with 8 valid hours
        iaqi = iaqi_of_day(con, "150200", "2024-07-20")
        assert (iaqi["o3_8h"], iaqi["o3_1h"]) == (137, 100)
        assert aqi_day(con, "150200", "2024-07-20") == (137, "轻度污染", "o3_8h", True, "computed_hourly")


def test_heavy_pollution_day(warehouse):
    # 2024-12-20 包头: PM2.5 160 -> 200 + 100 × (160 − 150)/(250 − 150) = 210 (> 200: 重度污染)
    with duck(warehouse["warehouse"]) as con:
        assert aqi_day(con, "150200", "2024-12-20") == (210, "重度污染", "pm25_24h", True, "computed_hourly")


def test_day_with_19_hours_is_not_valid(warehouse):
    # 2024-02-10 包头: both urban stations down 00:00-04:59 -> 19 city hours < 20
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select distinct n_values, is_valid from intermediate.int_air_quality_daily_statistics "
                           "where region_code = '150200' and observed_date = '2024-02-10' and metric like '%24h'").fetchall()
        assert rows == [(19, False)]
        assert aqi_day(con, "150200", "2024-02-10")[3:] == (False, "computed_hourly")


def annual(con, code, year):
    return con.execute(
        "select days_in_year, days_with_data, valid_days, is_partial_year, valid_days_computed, valid_days_published "
        "from intermediate.int_air_quality_annual where region_code = ? and year = ?", [code, year]).fetchone()


def test_partial_years_are_visible(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # 包头 2024: 366 days of hourly data, 2024-02-10 invalid -> 365 valid days
        assert annual(con, "150200", 2024) == (366, 366, 365, True, 365, 0)
        # 赤峰 2024: stations from 1 March -> 366 − 31 − 29 = 306 days
        assert annual(con, "150400", 2024)[:4] == (366, 306, 306, True)
        # 枣庄 2024: published daily AQI to 30 June -> 31+29+31+30+31+30 = 182 days
        assert annual(con, "370400", 2024) == (366, 182, 182, True, 0, 182)
        # a full published year
        assert annual(con, "370400", 2023) == (365, 365, 365, False, 0, 365)


def published_counts(code, year):
    """Good (AQI <= 100) and heavy (AQI > 200) days counted straight from the bundled CSV."""
    path = settings.PROJECT_ROOT / "sources" / "data" / "air_quality_daily" / "air_quality_daily_2015_2024.csv"
    with path.open(encoding="utf-8") as fh:
        aqis = [int(r["AQI"]) for r in csv.DictReader(fh)
                if r["城市代码"] == code and dt.date.fromisoformat(r["日期"]).year == year]
    return len(aqis), sum(a <= 100 for a in aqis), sum(a > 200 for a in aqis)


def test_hc01_and_hc02_from_published_daily_aqi(warehouse):
    days, good, heavy = published_counts("370400", 2024)
    assert days == 182
    with duck(warehouse["warehouse"]) as con:
        hc01 = con.execute("select numerator, denominator, value, unit from marts.fct_indicator_value "
                           "where region_code = '370400' and year = 2024 and indicator_code = 'HC01'").fetchone()
        hc02 = con.execute("select numerator, denominator, value from marts.fct_indicator_value "
                           "where region_code = '370400' and year = 2024 and indicator_code = 'HC02'").fetchone()
    assert hc01[:3] == (good, 182, pytest.approx(100 * good / 182))
    assert hc01[3] == "%"
    assert hc02 == (heavy, 182, heavy)


def test_hc01_hc02_cover_the_seed_cities_2015_2024(warehouse):
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select region_code, indicator_code, count(*), min(year), max(year) "
                           "from marts.fct_indicator_value where indicator_code in ('HC01', 'HC02') "
                           "group by 1, 2 order by 1, 2").fetchall()
    assert rows == [(code, ind, 10, 2015, 2024) for code in ("150200", "150400", "370400") for ind in ("HC01", "HC02")]


def test_air_quality_and_census_suites_pass(warehouse):
    result = warehouse["result"]
    evaluations = {e.event_specific_data.check_name: e.event_specific_data.passed
                   for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    mine = ["raw_air_quality_hourly_gx", "raw_air_quality_stations_gx", "raw_air_quality_daily_gx",
            "raw_census_city_gx", "raw_census_county_gx"]
    assert {name: evaluations.get(name) for name in mine} == {name: True for name in mine}


def baotou_pm25_daily_means_from_csv() -> list[int]:
    """Independent recomputation from the bundled CSV: city hour = mean of the two urban stations that
    have a value; a day counts with >= 20 such hours; its mean is rounded half up to 1 μg/m3."""
    from collections import defaultdict
    from decimal import ROUND_HALF_UP, Decimal

    path = settings.PROJECT_ROOT / "sources" / "data" / "air_quality_hourly" / "air_quality_hourly_2024.csv"
    station_values = defaultdict(list)  # (day, hour) -> values of the urban stations
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["站点编码"] in ("1502A01", "1502A02") and r["PM2.5"] != "—":
                station_values[(r["日期"], int(r["小时"]))].append(Decimal(r["PM2.5"]))
    city_hours = defaultdict(list)
    for (day, _), values in station_values.items():
        city_hours[day].append(sum(values) / len(values))
    return [int((sum(v) / len(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for v in city_hours.values() if len(v) >= 20]


def test_pm25_annual_mean_needs_324_valid_days(warehouse):
    daily = baotou_pm25_daily_means_from_csv()
    assert len(daily) == 365  # 2024-02-10 has 19 hours
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select region_code, year, numerator, denominator, value from marts.fct_indicator_value "
                           "where indicator_code = 'X_PM25_ANNUAL_MEAN' order by 1, 2").fetchall()
    # 赤峰市 2024 has 306 valid days (< 324, GB 3095 表4): no annual mean
    assert rows == [("150200", 2024, sum(daily), 365, pytest.approx(sum(daily) / 365))]
