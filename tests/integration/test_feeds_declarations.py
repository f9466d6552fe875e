"""Declarations for what real publishers' files do (docs/feeds.md): per-feed missing values, a
column composed from several source columns, a unit per source header, and a bad measure value
that costs only that value. One fixture each; expected rows worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_files
from dagster_project.feeds.regions import load_region_index

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
STATION_EXPORT = FIXTURES / "air_quality" / "PRSA_Data_sample_20130301.csv"
HOURLY = settings.PROJECT_ROOT / "sources" / "feeds" / "air_quality_hourly.yml"


@pytest.fixture(scope="module")
def regions():
    return load_region_index(settings.PROJECT_ROOT / "sources" / "reference")


def load(tmp_path, cfg: FeedConfig, paths, regions):
    con = duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME))
    ensure_tables(con, cfg)
    return con, load_files(con, cfg, paths, tmp_path / "archive", regions=regions)


def quarantine(con):
    return con.execute("select row_number, column_name, source_column, raw_value, reason from raw._quarantine "
                       "order by row_number, column_name").fetchall()


# ---- the station export (shape of the Beijing multi-site air-quality files) ----------------

def test_station_export_loads_into_the_hourly_feed(tmp_path, regions):
    cfg = load_feed_config(HOURLY)
    con, [outcome] = load(tmp_path, cfg, [STATION_EXPORT], regions)
    # 28 data rows (lines 2-29): line 28 has hour NA (a key): the row is quarantined; line 27 has
    # PM10 "8O" (letter O): that value is NULL and quarantined, the row loads.
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined, outcome.values_quarantined) == (
        "loaded", 27, 1, 1)
    assert quarantine(con) == [
        (27, "pm10", "PM10", "8O", "not a number"),
        (28, "hour", "hour", "NA", "missing value in a required column"),
    ]
    rows = con.execute(
        "select _row_number, station_code, observed_date, hour, pm25, pm10, so2, no2, co, o3 "
        "from raw.air_quality_hourly where _row_number in (2, 7, 14, 15, 17, 27, 29) order by _row_number").fetchall()
    d = dt.date(2013, 3, 1)
    assert rows == [
        # date from year/month/day; CO 300 μg/m3 = 0.3 mg/m3 (units.csv: μg/m3 -> mg/m3 × 0.001)
        (2, "Aotizhongxin", d, 0, 4.0, 4.0, 4.0, 7.0, 0.3, 77.0),
        (7, "Aotizhongxin", d, 5, 5.0, 5.0, 18.0, 18.0, 0.4, 66.0),
        # NA (declared missing_values) is NULL, not a quarantined row: the other values load
        (14, "Aotizhongxin", d, 12, None, 6.0, None, 14.0, 0.4, None),
        (15, "Aotizhongxin", d, 13, 3.0, None, 11.0, 13.0, None, 74.0),
        (17, "Dongsi", d, 1, 4.0, 4.0, 3.0, None, 0.3, 88.0),
        (27, "Dongsi", d, 11, 3.0, None, 6.0, 10.0, 0.3, 84.0),
        # 1100.5 μg/m3 = 1.1005 mg/m3
        (29, "Dongsi", dt.date(2013, 3, 2), 0, 12.0, 15.0, None, None, 1.1005, None),
    ]
    assert con.execute("select values_quarantined, rows_quarantined from raw._loads").fetchone() == (1, 1)
    record = json.loads(con.execute("select raw_record from raw._quarantine where row_number = 27").fetchone()[0])
    assert (record["PM10"], record["station"], record["No"]) == ("8O", "Dongsi", "12")


def test_the_bundled_shape_keeps_co_in_mg(tmp_path, regions):
    """`CO` means μg/m3 only in a file that also has `station`; the bundled shape stays mg/m3."""
    path = tmp_path / "hourly.csv"
    path.write_text("站点编码,日期,小时,PM2.5,PM10,SO2,NO2,CO,O3\n1502A01,2024-01-01,0,75,173,40,44,1.7,23\n",
                    encoding="utf-8")
    con, [outcome] = load(tmp_path, load_feed_config(HOURLY), [path], regions)
    assert outcome.status == "loaded"
    assert con.execute("select co, pm25 from raw.air_quality_hourly").fetchone() == (1.7, 75.0)


def test_without_missing_values_na_is_a_bad_value(tmp_path, regions):
    cfg = load_feed_config(HOURLY).model_copy(update={"missing_values": []})
    con, [outcome] = load(tmp_path, cfg, [STATION_EXPORT], regions)
    # Line 28's hour NA is now "not a number" in a key column; the 10 NA measure values (lines 14: 3,
    # 15: 2, 17: 1, 18: 1, 29: 3) and 8O on line 27 are quarantined values.
    assert (outcome.rows_loaded, outcome.rows_quarantined, outcome.values_quarantined) == (27, 1, 11)
    assert (28, "hour", "hour", "NA", "not a number") in quarantine(con)
    assert (14, "pm25", "PM2.5", "NA", "not a number") in quarantine(con)


# ---- composed columns, units per header, per-feed markers ------------------------------------

def test_composed_code_and_datetime_and_unit_per_header(tmp_path, regions):
    cfg = load_feed_config(FIXTURES / "declarations" / "clinic_codes.yml")
    con, [outcome] = load(tmp_path, cfg, [FIXTURES / "declarations" / "clinic_codes_2024.csv"], regions)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined, outcome.values_quarantined) == (
        "loaded", 3, 2, 2)
    rows = con.execute("select _row_number, region_code, session_start, visits, waiting_minutes "
                       "from raw.clinic_codes order by _row_number").fetchall()
    assert rows == [
        # 1502 + 02 = 150202 (东河区); 2024-03-01 + 8 h; 0.5 h × 60 = 30 min (units.csv 小时 -> 分钟)
        (2, "150202", dt.datetime(2024, 3, 1, 8), 120, 30.0),
        # 2024/3/1 (R9) + 9 h; 无 is a declared missing value; 1.25 h = 75 min
        (3, "150203", dt.datetime(2024, 3, 1, 9), None, 75.0),
        # bad measures cost their values only
        (6, "150202", dt.datetime(2024, 3, 1, 9), None, None),
    ]
    assert quarantine(con) == [
        (4, "session_start", "日期+小时", "2024-03-01 24", "hour outside 0-23 (or minute/second outside 0-59)"),
        (5, "region_code", "地市代码+县区序号", "150299",
         "unknown region code 150299 (not in GB/T 2260 1981-2024 nor the NBS list)"),
        (6, "visits", "门诊人次", "8.5", "8.5 is not a whole number"),
        (6, "waiting_minutes", "平均候诊(小时)", "x", "not a number"),
    ]


def test_unit_without_a_conversion_rejects_the_file(tmp_path, regions):
    cfg = load_feed_config(FIXTURES / "declarations" / "clinic_codes.yml")
    doc = cfg.model_dump(by_alias=True, exclude_none=True)
    doc["columns"][3]["source"][1]["unit"] = "刻钟"
    con, [outcome] = load(tmp_path, FeedConfig.model_validate(doc),
                          [FIXTURES / "declarations" / "clinic_codes_2024.csv"], regions)
    assert (outcome.status, outcome.message) == ("rejected", (
        "clinic_codes_2024.csv: no conversion from '刻钟' to '分钟' in sources/reference/units.csv "
        "(add a row: unit, canonical, factor)"))


def test_rows_are_numbered_as_a_person_sees_them_with_blank_lines_and_multiline_values(tmp_path, regions):
    cfg = load_feed_config(FIXTURES / "clinic_resources.yml")
    path = tmp_path / "blank_lines.csv"
    path.write_text('地区,年份,床位数(张)\n\n包头市,2020,26458\n"赤峰\n市",2021,12000\n\n枣庄市,2021,31002\n'
                    '山亭区,2021\n370406,2022,5\n', encoding="utf-8")
    con, [outcome] = load(tmp_path, cfg, [path], regions)
    # "赤峰<newline>市" starts on line 4 (R1 removes the line break: 赤峰市); 枣庄市 is on line 7.
    assert con.execute("select region_code, _row_number from raw.clinic_resources order by 2").fetchall() == [
        ("150200", 3), ("150400", 4), ("370400", 7), ("370406", 9)]
    assert quarantine(con) == [(8, "*", None, None, "row has 2 fields, the header has 3")]
