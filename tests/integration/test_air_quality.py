"""City daily AQI from hourly station data (HJ 633 by the edition in force, HJ 663-2013 per station),
HC01, HC02 and the PM2.5 annual mean with annual completeness, on the bundled SAMPLE data. The
hand-set days are in scripts/generate_air_quality_sample.py (HAND_CHECKED_DAYS)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from dagster_project import settings
from tests.conftest import duck

HOURLY = settings.PROJECT_ROOT / "sources" / "data" / "air_quality_hourly"
URBAN_BAOTOU = ("1502A01", "1502A02")


def iaqi_of_day(con, code, day):
    return dict(con.execute(
        "select metric, iaqi from intermediate.int_air_quality_iaqi where region_code = ? and observed_date = ?",
        [code, day]).fetchall())


def aqi_day(con, code, day):
    return con.execute(
        "select aqi, aqi_category_zh, primary_pollutant, is_valid_day, source from marts.fct_air_quality_daily "
        "where region_code = ? and observed_date = ?", [code, day]).fetchone()


def statistic(con, code, day, metric):
    return con.execute("select concentration, stations_used, is_valid from intermediate.int_air_quality_daily_statistics "
                       "where region_code = ? and observed_date = ? and metric = ?", [code, day, metric]).fetchone()


def test_city_value_is_the_mean_of_evaluation_stations_only(warehouse):
    # 2024-01-15 包头: urban stations PM2.5 70 and 80 -> city 75 (the 背景点 at 300 and the 清洁对照点 at 2
    # are left out; with them the mean would be (70 + 80 + 300 + 2) / 4 = 113).
    with duck(warehouse["warehouse"]) as con:
        assert statistic(con, "150200", "2024-01-15", "pm25_24h") == (75.0, 2, True)
        # IAQI (HJ 633-2012): PM2.5 75 -> 100 (edge); PM10 100 -> 50 + 50 × 50/100 = 75; SO2 20 -> 20;
        # NO2 40 -> 50; CO 1.0 mg/m3 -> 25; O3 8h 60 -> 50 × 60/100 = 30; O3 1h 60 -> 18.75 -> 19
        assert iaqi_of_day(con, "150200", "2024-01-15") == {
            "pm25_24h": 100, "pm10_24h": 75, "so2_24h": 20, "no2_24h": 50, "co_24h": 25, "o3_8h": 30, "o3_1h": 19}
        assert aqi_day(con, "150200", "2024-01-15") == (100, "良", "pm25_24h", True, "computed_hourly")
        types = dict(con.execute("select station_code, is_evaluation_station from marts.fct_air_quality_station_daily "
                                 "where observed_date = '2024-01-15' and region_code = '150200'").fetchall())
        assert types == {"1502A01": True, "1502A02": True, "1502A03": False, "1502A04": False}


def test_station_with_19_hours_is_left_out_of_the_city_day(warehouse):
    # 2024-03-05 包头: 1502A01 has 19 hours (00:00-04:59 missing) at PM2.5 200 -> its day is not valid;
    # the city is 1502A02 alone: PM2.5 50 -> IAQI 50 + 50 × 15/40 = 68.75 -> 69, PM10 60 -> 55
    with duck(warehouse["warehouse"]) as con:
        station = con.execute("select pm25_24h, pm25_hours, pm25_24h_is_valid from marts.fct_air_quality_station_daily "
                              "where station_code = '1502A01' and observed_date = '2024-03-05'").fetchone()
        assert station == (200.0, 19, False)
        assert statistic(con, "150200", "2024-03-05", "pm25_24h") == (50.0, 1, True)
        assert aqi_day(con, "150200", "2024-03-05") == (69, "良", "pm25_24h", True, "computed_hourly")
        assert con.execute("select stations_used from marts.fct_air_quality_daily "
                           "where region_code = '150200' and observed_date = '2024-03-05'").fetchone() == (1,)


def test_city_day_without_valid_stations_is_not_valid(warehouse):
    # 2024-02-10 包头: both urban stations down 00:00-04:59 -> 19 hours each -> no valid 24-hour mean
    with duck(warehouse["warehouse"]) as con:
        hours = con.execute("select distinct pm25_hours, pm25_24h_is_valid from marts.fct_air_quality_station_daily "
                            "where region_code = '150200' and observed_date = '2024-02-10' and is_evaluation_station").fetchall()
        assert hours == [(19, False)]
        assert statistic(con, "150200", "2024-02-10", "pm25_24h") == (None, 0, False)
        assert aqi_day(con, "150200", "2024-02-10")[3:] == (False, "computed_hourly")


def test_o3_daily_maximum_8_hour_mean_per_station(warehouse):
    # 2024-07-20 包头: O3 100 except 200 for hours 12-19 -> the window 12-19 averages 200 at each station;
    # IAQI 100 + 50 × (200 − 160)/(215 − 160) = 136.36 -> 137; O3 1h max 200 -> 100
    with duck(warehouse["warehouse"]) as con:
        windows = con.execute("select distinct o3_8h, o3_8h_windows from marts.fct_air_quality_station_daily "
                              "where observed_date = '2024-07-20' and station_code in ('1502A01', '1502A02')").fetchall()
        assert windows == [(200.0, 17)]  # 17 windows ending 07:59 … 23:59, all with 8 valid hours
        iaqi = iaqi_of_day(con, "150200", "2024-07-20")
        assert (iaqi["o3_8h"], iaqi["o3_1h"]) == (137, 100)
        assert aqi_day(con, "150200", "2024-07-20") == (137, "轻度污染", "o3_8h", True, "computed_hourly")


def test_o3_8h_exception_when_the_maximum_exceeds_the_limit(warehouse):
    # O3 missing 00:00-09:59: 9 valid windows (< 14). 2024-08-10 at 250 (> 160): still valid, IAQI
    # 150 + 50 × 35/50 = 185; 2024-08-11 at 100: not valid, so the day is not valid.
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select observed_date, o3_8h, o3_8h_windows, o3_8h_is_valid from marts.fct_air_quality_station_daily "
                           "where station_code = '1502A01' and observed_date in ('2024-08-10', '2024-08-11') order by 1").fetchall()
        assert rows == [(dt.date(2024, 8, 10), 250.0, 9, True), (dt.date(2024, 8, 11), 100.0, 9, False)]
        assert aqi_day(con, "150200", "2024-08-10") == (185, "中度污染", "o3_8h", True, "computed_hourly")
        assert aqi_day(con, "150200", "2024-08-11")[3] is False


def test_heavy_pollution_day(warehouse):
    # 2024-12-20 包头: PM2.5 160 -> 200 + 100 × (160 − 150)/(250 − 150) = 210 (> 200: 重度污染)
    with duck(warehouse["warehouse"]) as con:
        assert aqi_day(con, "150200", "2024-12-20") == (210, "重度污染", "pm25_24h", True, "computed_hourly")


def test_a_year_crossing_the_2026_standard_scores_each_day_by_its_own(warehouse):
    # The same concentrations (PM2.5 70, PM10 80) on 2026-02-28 and 2026-03-01:
    #   HJ 633-2012: PM2.5 50 + 50 × 35/40 = 93.75 -> 94 (良); PM10 50 + 50 × 30/100 = 65
    #   HJ 633-2026: PM2.5 100 + 50 × 10/55 = 109.09 -> 110 (轻度污染); PM10 50 + 50 × 30/70 = 71.4 -> 72
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select observed_date, aqi, aqi_category_zh, pm25_24h, standard from marts.fct_air_quality_daily "
                           "where region_code = '150200' and observed_date in ('2026-02-28', '2026-03-01') order by 1").fetchall()
        assert rows == [(dt.date(2026, 2, 28), 94, "良", 70.0, "HJ 633-2012"),
                        (dt.date(2026, 3, 1), 110, "轻度污染", 70.0, "HJ 633-2026")]
        assert iaqi_of_day(con, "150200", "2026-02-28")["pm10_24h"] == 65
        assert iaqi_of_day(con, "150200", "2026-03-01")["pm10_24h"] == 72
        by_standard = dict(con.execute(
            "select standard, count(*) from marts.fct_air_quality_daily where region_code = '150200' and year = 2026 "
            "group by 1").fetchall())
        assert by_standard == {"HJ 633-2012": 31 + 28, "HJ 633-2026": 31 + 30}  # Jan+Feb; Mar+Apr
        assert con.execute("select standards from intermediate.int_air_quality_annual "
                           "where region_code = '150200' and year = 2026").fetchone() == ("HJ 633-2012;HJ 633-2026",)


def annual(con, code, year):
    return con.execute(
        "select days_in_year, days_with_data, valid_days, complete_months, is_complete_year, valid_days_computed, "
        "valid_days_published from intermediate.int_air_quality_annual where region_code = ? and year = ?",
        [code, year]).fetchone()


def test_annual_completeness(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # 包头 2024: 366 days of hourly data, 2024-02-10 and 2024-08-11 not valid -> 364 valid, 12 full months
        assert annual(con, "150200", 2024) == (366, 366, 364, 12, True, 364, 0)
        # 赤峰 2024: stations from 1 March -> 306 days (< 324), January and February empty
        assert annual(con, "150400", 2024)[:5] == (366, 306, 306, 10, False)
        # 枣庄 2024: published daily AQI to 30 June -> 31+29+31+30+31+30 = 182 days
        assert annual(con, "370400", 2024) == (366, 182, 182, 6, False, 0, 182)
        # 包头 2026: January to April
        assert annual(con, "150200", 2026)[:5] == (365, 120, 120, 4, False)
        # a full published year
        assert annual(con, "370400", 2023) == (365, 365, 365, 12, True, 0, 365)


def test_incomplete_years_are_shown_but_not_scored(warehouse):
    with duck(warehouse["warehouse"]) as con:
        shown = con.execute("select region_code, year, indicator_code, valid_days from marts.fct_indicator_value "
                            "where not is_complete_year order by 1, 2, 3").fetchall()
        assert shown == [("150200", 2026, "HC01", 120), ("150200", 2026, "HC02", 120),
                         ("150200", 2026, "X_PM25_ANNUAL_MEAN", 120),
                         ("150400", 2024, "HC01", 306), ("150400", 2024, "HC02", 306),
                         ("150400", 2024, "X_PM25_ANNUAL_MEAN", 306),
                         ("370400", 2024, "HC01", 182), ("370400", 2024, "HC02", 182)]
        scored = con.execute("select region_code, year from intermediate.int_indicator_scores "
                             "where indicator_code in ('HC01', 'HC02') and year in (2024, 2026) order by 1, 2").fetchall()
        assert set(scored) <= {("150200", 2024)}
        assert ("150400", 2024) not in {(r, y) for r, y in con.execute(
            "select region_code, year from intermediate.int_indicator_scores where indicator_code = 'HC02'").fetchall()}


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
        hc01 = con.execute("select numerator, denominator, value, unit, is_complete_year from marts.fct_indicator_value "
                           "where region_code = '370400' and year = 2024 and indicator_code = 'HC01'").fetchone()
        hc02 = con.execute("select numerator, denominator, value from marts.fct_indicator_value "
                           "where region_code = '370400' and year = 2024 and indicator_code = 'HC02'").fetchone()
    assert hc01[:3] == (good, 182, pytest.approx(100 * good / 182))
    assert hc01[3:] == ("%", False)
    assert hc02 == (heavy, 182, heavy)


def test_hc01_hc02_cover_the_seed_cities(warehouse):
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select region_code, indicator_code, count(*), min(year), max(year) "
                           "from marts.fct_indicator_value where indicator_code in ('HC01', 'HC02') "
                           "group by 1, 2 order by 1, 2").fetchall()
    assert rows == [("150200", "HC01", 11, 2015, 2026), ("150200", "HC02", 11, 2015, 2026),
                    ("150400", "HC01", 10, 2015, 2024), ("150400", "HC02", 10, 2015, 2024),
                    ("370400", "HC01", 10, 2015, 2024), ("370400", "HC02", 10, 2015, 2024)]


def test_air_quality_and_census_suites_pass(warehouse):
    result = warehouse["result"]
    evaluations = {e.event_specific_data.check_name: e.event_specific_data.passed
                   for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    mine = ["raw_air_quality_hourly_gx", "raw_air_quality_stations_gx", "raw_air_quality_daily_gx",
            "raw_census_city_gx", "raw_census_county_gx"]
    assert {name: evaluations.get(name) for name in mine} == {name: True for name in mine}


def baotou_pm25_daily_means_from_csv() -> dict[str, int]:
    """Independent recomputation from the bundled CSV, HJ 663 per station: a station's day counts with
    >= 20 valid hours; the city day is the mean of those stations' daily means (the two urban ones),
    rounded half up to 1 μg/m3."""
    station_hours = defaultdict(list)  # (station, day) -> values
    with (HOURLY / "air_quality_hourly_2024.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["站点编码"] in URBAN_BAOTOU and r["PM2.5"] != "—":
                station_hours[(r["站点编码"], r["日期"])].append(Decimal(r["PM2.5"]))
    city = defaultdict(list)
    for (_, day), values in station_hours.items():
        if len(values) >= 20:
            city[day].append(sum(values) / len(values))
    return {day: int((sum(v) / len(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for day, v in city.items()}


def test_pm25_daily_and_annual_mean_from_station_days(warehouse):
    daily = baotou_pm25_daily_means_from_csv()
    assert len(daily) == 365  # 2024-02-10: no station has 20 hours
    with duck(warehouse["warehouse"]) as con:
        ours = dict(con.execute("select strftime(observed_date, '%Y-%m-%d'), pm25_24h from marts.fct_air_quality_daily "
                                "where region_code = '150200' and year = 2024 and pm25_24h is not null").fetchall())
        rows = con.execute("select region_code, year, numerator, denominator, value, is_complete_year "
                           "from marts.fct_indicator_value where indicator_code = 'X_PM25_ANNUAL_MEAN' "
                           "and region_code = '150200' and year = 2024").fetchall()
    assert ours == {day: float(v) for day, v in daily.items()}
    assert rows == [("150200", 2024, sum(daily.values()), 365, pytest.approx(sum(daily.values()) / 365), True)]


def test_incomplete_year_gives_insufficient_data_for_a_target(warehouse, tmp_path):
    """The dbt unit test `incomplete_air_quality_year_gives_insufficient_data` (dbt/models/marts/_air_quality.yml)
    runs fct_target_attainment's real SQL on hand-made rows: a 2024 target with an incomplete 2024 value
    -> 'insufficient data' (latest year = the last complete one, 2023); only incomplete years ->
    'insufficient data'; a complete 2024 value of 75 against >= 80 -> 'not met'."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    copy = tmp_path / settings.WAREHOUSE_FILE_NAME
    shutil.copy(warehouse["warehouse"], copy)
    env = {**os.environ, "HCW_WAREHOUSE": str(copy), "DBT_TARGET_PATH": str(tmp_path / "dbt_target")}
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "test", "--project-dir", str(settings.DBT_PROJECT_DIR),
         "--profiles-dir", str(settings.DBT_PROJECT_DIR), "--select", "incomplete_air_quality_year_gives_insufficient_data"],
        env=env, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "PASS=1" in proc.stdout and "ERROR=0" in proc.stdout


def test_daily_and_station_marts_are_published(warehouse):
    with duck(settings.published_path()) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' and table_name like 'fct_air_quality%'").fetchall()}
        assert tables == {"fct_air_quality_daily", "fct_air_quality_station_daily"}
        row = con.execute("select aqi, standard, stations_used from marts.fct_air_quality_daily "
                          "where region_code = '150200' and observed_date = '2026-03-01'").fetchone()
    assert row == (110, "HJ 633-2026", 2)
