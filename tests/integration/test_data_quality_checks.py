"""Data-quality checks as health information systems run them (docs/data-quality.md §8-§10).

Two kinds of test:
- a fixture warehouse: parent tables written by the test (raw feeds, indicator values, census
  populations), then the real seeds and data-quality models run with `dbt seed` / `dbt run --select`.
  Every check type has a hand-built case it flags, with the exact finding, and a clean case
  (region 150200 包头市 throughout) it does not flag. Expected values are worked out by hand below.
- the shared warehouse (bundled data, including the real dirty city panel): what the nightly run finds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from tests.conftest import duck

DQ_MODELS = [
    "stg_healthcare_resources", "stg_maternal_child_health", "stg_population_by_age",
    "stg_air_quality_hourly", "stg_air_quality_stations", "int_air_quality_station_daily",
    "int_dq_series", "int_dq_time_consistency", "int_dq_outliers", "int_dq_air_station_day",
    "int_dq_rule_violations", "int_dq_denominators", "int_dq_source_rows", "int_dq_census_sources",
    "fct_report_completeness", "fct_data_quality_finding", "fct_data_quality_summary",
]
AS_OF = "2022-04-30"  # "today" for completeness and timeliness (dbt var dq_as_of)
OTHER_STAGED = ["stg_census_city", "stg_census_county", "stg_disease_control", "stg_drinking_water",
                "stg_fiscal_expenditure", "stg_health_surveys", "stg_pension_beds", "stg_rural_toilets",
                "stg_sports", "stg_student_fitness", "stg_urban_construction", "stg_water_sources",
                "stg_patriotic_health", "stg_medical_insurance", "stg_occupational_health", "stg_food_sampling",
                "stg_media_health", "stg_volunteers"]
CLEAN = "150200"  # 包头市: every check looks at it, none flags it
REGIONS = {"150200": "包头市", "150400": "赤峰市", "150300": "乌海市", "150500": "通辽市",
           "150600": "鄂尔多斯市", "150700": "呼伦贝尔市"}
META = ("_load_id varchar, _source_file varchar, _row_number integer, _superseded_by_load_id varchar, "
        "_loaded_at timestamp default timestamp '2021-03-01 09:00:00'")


def _write_parents(path: Path) -> None:
    con = duckdb.connect(str(path))
    for schema in ("raw", "staging", "intermediate", "marts", "reference"):
        con.execute(f"create schema {schema}")
    con.execute("create table marts.dim_region (region_code varchar, region_name_zh varchar)")
    con.executemany("insert into marts.dim_region values (?, ?)", list(REGIONS.items()))
    con.execute("create table raw._loads (load_id varchar, feed varchar, source_file varchar)")
    con.executemany("insert into raw._loads values (?, ?, ?)", [
        ("L_HR", "healthcare_resources", "hr.csv"), ("L_POP", "population_by_age", "pop.csv"),
        ("L_MCH", "maternal_child_health", "mch.csv"), ("L_PB", "pension_beds", "beds.csv"),
        ("L_CEN", "census_city", "census.csv"), ("L_AQ", "air_quality_hourly", "aq.csv"),
        ("L_AQS", "air_quality_stations", "stations.csv"), ("L_CP", "city_panel", "panel.xlsx")])

    # Indicator values. HC17: A clean; B +50 % (band); C 1,000× (unit error); D's denominator 1/1,000.
    # HC30 2020 across six regions: F an outlier of the comparison group. HC38: E an outlier of its
    # own history; B a ×10 jump after a single year (not compared: fewer than two preceding years).
    rows = []
    for region, series in {"150200": [40, 41, 42, 43], "150400": [40, 40, 40, 60],
                           "150300": [40, 42, 44, 42000], "150500": [41, 40, 44, 42]}.items():
        for year, value in zip(range(2018, 2022), series):
            rows.append((region, year, "HC17", None, None, float(value), "L_PB;L_POP"))
    rows = [r if r[0] != "150500" else (*r[:4], {2018: 500000.0, 2019: 510000.0, 2020: 520000.0, 2021: 520.0}[r[1]],
                                        *r[5:]) for r in rows]
    for region, value in zip(REGIONS, [5.0, 5.2, 4.8, 5.1, 4.9, 9.0]):
        rows.append((region, 2020, "HC30", None, None, value, "L_HR"))
    for year, value in zip(range(2015, 2022), [20, 21, 22, 23, 24, 25, 60]):
        rows.append(("150600", year, "HC38", None, None, float(value), "L_HR"))
    rows += [("150400", 2020, "HC38", None, None, 10.0, "L_HR"), ("150400", 2021, "HC38", None, None, 100.0, "L_HR")]
    con.execute("""create table marts.fct_indicator_value (region_code varchar, year integer, indicator_code varchar,
        numerator double, denominator double, value double, input_load_ids varchar)""")
    con.executemany("insert into marts.fct_indicator_value values (?, ?, ?, ?, ?, ?, ?)", rows)

    con.execute(f"""create table raw.healthcare_resources (region_code varchar, year integer,
        practising_physicians bigint, registered_nurses bigint, general_practitioners bigint,
        public_health_staff bigint, medical_institution_beds bigint, primary_care_institutions bigint,
        primary_care_institutions_tcm bigint, {META})""")
    con.executemany("insert into raw.healthcare_resources values (?, 2020, ?, null, ?, null, null, null, null, 'L_HR', 'hr.csv', ?, null, default)", [
        ("150200", 1000, 100, 2), ("150300", 1000, 1200, 3), ("150700", 900, 90, 4)])
    for column in ("community_health_centres", "community_health_stations", "township_hospitals", "village_clinics"):
        con.execute(f"alter table raw.healthcare_resources add column {column} bigint")
        con.execute(f"alter table raw.healthcare_resources add column {column}_tcm bigint")
    con.execute(f"""create table raw.maternal_child_health (region_code varchar, year integer, live_births bigint,
        infant_deaths bigint, under5_deaths bigint, maternal_deaths bigint, mothers_systematically_managed bigint,
        children_0_6 bigint, children_0_6_health_managed bigint, {META})""")
    con.executemany("insert into raw.maternal_child_health values (?, 2020, ?, ?, ?, ?, null, null, null, 'L_MCH', 'mch.csv', ?, null, default)", [
        ("150200", 1000, 5, 7, 2, 2), ("150400", 10, 3, 4, 12, 3)])
    con.execute(f"create table raw.population_by_age (region_code varchar, year integer, resident_population bigint, population_60_plus bigint, {META})")
    con.executemany("insert into raw.population_by_age values (?, ?, ?, null, 'L_POP', 'pop.csv', ?, null, default)", [
        ("150200", 2015, 1060000, 2), ("150200", 2020, 1100000, 3), ("150300", 2016, 2500000, 4),
        ("150300", 2020, 2200000, 5), ("150600", 2020, 700000, 6)])
    con.execute(f"create table raw.pension_beds (region_code varchar, year integer, institution_beds bigint, {META})")
    con.execute("alter table raw.pension_beds add column community_beds bigint")
    con.execute(f"""create table raw.city_panel (region_code varchar, year integer, population_year_end bigint,
        hospital_beds bigint, hospitals bigint, public_toilets bigint, {META})""")
    con.executemany("insert into raw.city_panel values ('150400', ?, ?, null, null, null, 'L_CP', 'panel.xlsx', ?, null, default)", [
        (2009, 3000000, 2), (2010, 3100000, 3), (2011, 300000000, 4)])

    con.execute(f"create table raw.air_quality_stations (station_code varchar, station_name_zh varchar, region_code varchar, station_type_zh varchar, {META})")
    con.executemany("insert into raw.air_quality_stations values (?, ?, ?, '城市评价点', 'L_AQS', 'stations.csv', ?, null, default)", [
        ("S1", "站1", "150200", 2), ("S2", "站2", "150400", 3)])
    con.execute(f"""create table raw.air_quality_hourly (station_code varchar, observed_date date, hour integer,
        pm25 double, pm10 double, so2 double, no2 double, co double, o3 double, {META})""")
    hourly = []
    # S1 2021-01-01: PM2.5 55 = PM10 50 × 1.1 exactly (allowed); 2021-01-03: 80 > 50 but 19 hours only
    # (no valid daily mean, GB 3095-2012). S2 2021-01-02: 56 > 55 → flagged.
    for station, day, pm25, hours in [("S1", "2021-01-01", 55.0, 24), ("S1", "2021-01-03", 80.0, 19),
                                      ("S2", "2021-01-02", 56.0, 24)]:
        hourly += [(station, day, h, pm25, 50.0) for h in range(hours)]
    con.executemany("insert into raw.air_quality_hourly values (?, ?, ?, ?, ?, null, null, null, null, 'L_AQ', 'aq.csv', 0, null, default)", hourly)

    con.execute("""create table intermediate.int_population (region_code varchar, year integer, population double,
        population_60_plus double, population_65_plus double, source varchar, is_interpolated boolean,
        source_table varchar, input_load_ids varchar)""")
    con.executemany("insert into intermediate.int_population values (?, ?, ?, ?, ?, 'census', false, 'census_city', 'L_CEN')", [
        ("150200", 2010, 1000000, None, None), ("150200", 2020, 1100000, 500, 300),
        ("150300", 2010, 2000000, None, None), ("150300", 2020, 2200000, None, None),
        ("150500", 2020, 2000000, 500, 600)])
    for model in OTHER_STAGED:
        year = "census_year" if model.startswith("stg_census") else "year"
        con.execute(f"create table staging.{model} (region_code varchar, {year} integer, load_id varchar, source_file varchar, source_row_number integer)")
    # One census in two tables (CENSUS_SHARE_* rules). 150400 2010: the prefecture table's 65+ share
    # 22.7 % against the county table's 305,042 / 2,752,171 = 11.08 % (湘潭市's real figures);
    # 150700 2010: 6.0 % against 200,000 / 2,000,000 = 10.0 % (more than 25 % below). 60+ agree:
    # 461,468 / 2,752,171 = 16.77 %; 400,000 / 2,000,000 = 20.0 %. 150200 agrees on both.
    con.execute("alter table staging.stg_census_city add column share_60_plus_pct double")
    con.execute("alter table staging.stg_census_city add column share_65_plus_pct double")
    con.executemany("insert into staging.stg_census_city values (?, ?, 'L_CEN', 'census.csv', ?, ?, ?)", [
        ("150400", 2010, 2, 16.77, 22.7), ("150700", 2010, 3, 20.0, 6.0), ("150200", 2020, 4, 20.19, 14.0)])
    for column in ("population", "population_60_plus", "population_65_plus"):
        con.execute(f"alter table staging.stg_census_county add column {column} bigint")
    con.executemany("insert into staging.stg_census_county values (?, ?, 'L_CEC', 'county.csv', ?, ?, ?, ?)", [
        ("150400", 2010, 7, 2752171, 461468, 305042), ("150700", 2010, 8, 2000000, 400000, 200000),
        ("150200", 2020, 9, 2709378, 547023, 379313)])
    con.execute("insert into raw._loads values ('L_CEC', 'census_county', 'county.csv')")
    # Received: 150200 on 2021-03-15 and 150700 on the due day itself (on time), 150300 on
    # 2021-05-10, 40 days after the due date 2021-03-31 (late).
    con.execute("""update raw.healthcare_resources set _loaded_at = case region_code
        when '150200' then timestamp '2021-03-15 10:00:00' when '150300' then timestamp '2021-05-10 08:00:00'
        else timestamp '2021-03-31 16:00:00' end""")
    con.close()


def _declare_expected_reports(path: Path) -> None:
    """Which reports are expected: replaces the seeded declaration with the fixture's."""
    con = duckdb.connect(str(path))
    con.execute("delete from reference.dq_report_expectations")
    con.executemany("insert into reference.dq_report_expectations values (?, ?, ?, ?, 3, 31, 'fixture')", [
        ("healthcare_resources", "150200", 2020, 2020), ("healthcare_resources", "150700", 2020, 2020),
        ("healthcare_resources", "150300", 2020, 2021),  # 2021 due 2022-03-31: missing on 2022-04-30
        ("pension_beds", "150200", 2022, 2022)])         # due 2023-03-31: not yet due
    con.close()


def _dbt(args: list[str], database: Path, root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HCW_WAREHOUSE": str(database), "DBT_TARGET_PATH": str(root / "dbt_target")}
    dbt = str(Path(sys.executable).with_name("dbt"))
    return subprocess.run(
        [dbt, *args, "--project-dir", str(settings.DBT_PROJECT_DIR), "--profiles-dir", str(settings.DBT_PROJECT_DIR)],
        env=env, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)


@pytest.fixture(scope="module")
def checked(tmp_path_factory, dbt_manifest):
    root = tmp_path_factory.mktemp("data_quality")
    database = root / settings.WAREHOUSE_FILE_NAME
    _write_parents(database)
    proc = _dbt(["seed", "--select", "dq_*"], database, root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    _declare_expected_reports(database)
    proc = _dbt(["run", "--select", *DQ_MODELS, "--vars", f"{{dq_as_of: '{AS_OF}'}}"], database, root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    con = duckdb.connect(str(database), read_only=True)
    yield {"con": con, "database": database, "root": root}
    con.close()


def _findings(checked, where: str) -> list[tuple]:
    return checked["con"].execute(
        "select check_type, rule_id, severity, region_code, year, series, value, expected_low, expected_high, "
        f"message_en from marts.fct_data_quality_finding where {where} order by check_type, rule_id, region_code, year"
    ).fetchall()


def test_the_clean_region_has_no_finding(checked):
    assert _findings(checked, f"region_code = '{CLEAN}'") == []


def test_a_1000_fold_value_is_a_probable_unit_error(checked):
    # C: HC17 2018-2020 = 40, 42, 44 → mean 42; 2021 = 42,000 → ratio 1,000 = 10^3 exactly.
    (row,) = _findings(checked, "region_code = '150300' and series = 'HC17' and year = 2021 and check_type = 'consistency_over_time'")
    assert row[:7] == ("consistency_over_time", "UNIT_ERROR", "ERROR", "150300", 2021, "HC17", 42000.0)
    assert row[7:9] == (pytest.approx(42 * 0.67), pytest.approx(42 * 1.33))
    assert row[9] == "HC17 2021 = 42000 is 1000 times the mean 42 of 2018-2020: probable unit error (×1,000)"
    zh = checked["con"].execute("select message_zh from marts.fct_data_quality_finding where region_code = '150300' "
                                "and series = 'HC17' and rule_id = 'UNIT_ERROR'").fetchone()[0]
    assert zh == "HC17 2021 年 = 42000，是前三年（2018–2020）均值 42 的 1000 倍：可能的单位错误（×1,000）"


def test_a_denominator_a_thousand_times_too_small_is_named(checked):
    # D: HC17 denominators 500,000, 510,000, 520,000 → mean 510,000; 2021 = 520 → ratio 0.00102,
    # log10 = −2.9915, within 0.1 of −3.
    (row,) = _findings(checked, "series = 'HC17 denominator'")
    assert row[1:7] == ("UNIT_ERROR", "ERROR", "150500", 2021, "HC17 denominator", 520.0)
    assert row[9].endswith("is 0.001 times the mean 510000 of 2018-2020: probable unit error (×1/1,000)")


def test_a_jump_beyond_the_band_is_a_warning(checked):
    # B: 40, 40, 40 then 60 → ratio 1.5 > 1 + 0.33 → WARN, expected [26.8, 53.2].
    (row,) = _findings(checked, "region_code = '150400' and series = 'HC17'")
    assert row[:7] == ("consistency_over_time", "TIME_BAND", "WARN", "150400", 2021, "HC17", 60.0)
    assert row[9] == "HC17 2021 = 60 is 1.5 times the mean 40 of 2018-2020, outside the band [26.8, 53.2]"


def test_a_jump_after_a_single_year_is_not_compared(checked):
    # B: HC38 2020 = 10, 2021 = 100 (×10) but only one preceding year (at least two are needed).
    assert _findings(checked, "region_code = '150400' and series = 'HC38'") == []


def test_a_raw_column_unit_error_takes_its_declared_severity(checked):
    # city_panel.population_year_end is declared WARN (a historical panel feeding no indicator):
    # 300,000,000 / mean(3,000,000, 3,100,000) = 98.36 → log10 1.9928 → ×100, WARN, with file and row.
    row = checked["con"].execute(
        "select rule_id, severity, message_en, source_file, source_row from marts.fct_data_quality_finding "
        "where series = 'city_panel.population_year_end'").fetchall()
    assert row == [("UNIT_ERROR", "WARN", "city_panel.population_year_end 2011 = 300000000 is 98.3607 times the "
                    "mean 3050000 of 2009-2010: probable unit error (×100)", "panel.xlsx", "panel.xlsx:4")]


def test_outlier_against_the_comparison_group(checked):
    # HC30 2020: 5.0 5.2 4.8 5.1 4.9 9.0 → median 5.05; |x − median| = 0.05 0.15 0.25 0.05 0.15 3.95
    # → MAD 0.15; M(9.0) = 0.6745 × 3.95 / 0.15 = 17.7618; range 5.05 ± 3.5 × 0.15 / 0.6745 = ±0.778354.
    rows = checked["con"].execute(
        "select region_code, year, value, expected_low, expected_high, message_en, source_file, source_row "
        "from marts.fct_data_quality_finding where rule_id = 'COMPARISON_GROUP'").fetchall()
    assert len(rows) == 1
    region, year, value, low, high, message, file, source_row = rows[0]
    assert (region, year, value) == ("150700", 2020, 9.0)
    assert (low, high) == (pytest.approx(5.05 - 0.778354, abs=1e-6), pytest.approx(5.05 + 0.778354, abs=1e-6))
    assert message == ("HC30 2020 = 9: modified z-score 17.7618 against 6 regions in the same year, outside "
                       "|M| <= 3.5, expected range [4.2716, 5.8284]")
    assert (file, source_row) == ("hr.csv", "hr.csv:4")  # the healthcare_resources row of 150700 2020


def test_outlier_against_the_regions_own_history(checked):
    # E: HC38 2015-2021 = 20 21 22 23 24 25 60 → median 23, MAD 2, M(60) = 0.6745 × 37 / 2 = 12.47825
    # (shown to 4 decimals as 12.4782: the binary double is just below the half),
    # range 23 ± 3.5 × 2 / 0.6745 = 23 ± 10.378058.
    (row,) = _findings(checked, "rule_id = 'OWN_HISTORY'")
    assert row[1:7] == ("OWN_HISTORY", "WARN", "150600", 2021, "HC38", 60.0)
    assert row[7:9] == (pytest.approx(23 - 10.378058, abs=1e-6), pytest.approx(23 + 10.378058, abs=1e-6))
    assert row[9] == ("HC38 2021 = 60: modified z-score 12.4782 against the region's own 7 years, outside "
                      "|M| <= 3.5, expected range [12.6219, 33.3781]")


@pytest.mark.parametrize("rule_id, region, severity, message, source_row", [
    ("MCH_MATERNAL_LE_BIRTHS", "150400", "ERROR", "maternal deaths 12 exceed live births 10 (150400 2020)", "mch.csv:3"),
    ("HR_GP_LE_DOCTORS", "150300", "ERROR", "general practitioners 1200 exceed licensed doctors 1000 (150300 2020)", "hr.csv:3"),
    ("POP_65_LE_60", "150500", "ERROR", "population aged 65+ 600 exceeds population aged 60+ 500 (150500 2020)", None),
    ("AQ_PM25_LE_PM10", "150400", "WARN", "station daily mean PM2.5 56 exceeds 110 % of PM10 50 (S2 2021-01-02)", None),
])
def test_each_rule_between_related_data_flags_its_violation_only(checked, rule_id, region, severity, message, source_row):
    rows = checked["con"].execute(
        "select region_code, severity, message_en, source_row from marts.fct_data_quality_finding "
        "where rule_id = ?", [rule_id]).fetchall()
    # the clean case of each rule is 150200's row (and S1's 55 = 50 × 1.1 day; its 19-hour day has no mean)
    assert rows == [(region, severity, message, source_row)]


def test_one_census_in_two_tables_must_give_the_same_age_shares(checked):
    # 150200 2020: 20.19 % and 547,023 / 2,709,378 = 20.19 %; 14.0 % and 379,313 / 2,709,378 = 14.0 %: clean.
    rows = checked["con"].execute(
        "select rule_id, severity, region_code, year, value, expected_high, message_en, source_row "
        "from marts.fct_data_quality_finding where rule_id like 'CENSUS_SHARE_%' order by region_code").fetchall()
    assert [r[:6] for r in rows] == [
        ("CENSUS_SHARE_65_CITY_LE_COUNTY", "WARN", "150400", 2010, 22.7, pytest.approx(11.08 * 1.25)),
        ("CENSUS_SHARE_65_CITY_GE_COUNTY", "WARN", "150700", 2010, 6.0, pytest.approx(10.0 * 0.75))]
    assert rows[0][6] == ("the prefecture census table's 65+ share 22.7 % exceeds the county table's prefecture "
                          "total 11.08 % by more than 25 % (150400 2010)")
    assert rows[1][6] == ("the prefecture census table's 65+ share 6 % is more than 25 % below the county "
                          "table's prefecture total 10 % (150700 2010)")
    assert set(rows[0][7].split("; ")) == {"census.csv:2", "county.csv:7"}


def test_rules_have_chinese_messages(checked):
    zh = checked["con"].execute("select message_zh from marts.fct_data_quality_finding "
                                "where rule_id = 'MCH_MATERNAL_LE_BIRTHS'").fetchone()[0]
    assert zh == "孕产妇死亡数 12 大于活产数 10（150400 2020）"


def test_two_feeds_disagreeing_on_the_region_list(checked):
    # 2020 (the only year both have): healthcare_resources {150200, 150300, 150700},
    # population_by_age {150200, 150300, 150600}.
    rows = checked["con"].execute(
        "select region_code, year, message_en from marts.fct_data_quality_finding "
        "where rule_id = 'REGIONS_BEDS_VS_POPULATION' order by region_code").fetchall()
    assert rows == [
        ("150600", 2020, "region 150600 appears only in stg_population_by_age for 2020: the two feeds disagree "
                         "on the region list (150600 2020)"),
        ("150700", 2020, "region 150700 appears only in stg_healthcare_resources for 2020: the two feeds disagree "
                         "on the region list (150700 2020)")]


def test_population_denominator_against_the_census(checked):
    # 150300: census 2010 2,000,000 and 2020 2,200,000 → 2016 on the line = 2,120,000; the feed's
    # 2,500,000 is +17.9245 % (> 10 %). 150200 2015: 1,060,000 vs 1,050,000 (+0.95 %) is not flagged.
    rows = checked["con"].execute(
        "select region_code, year, value, expected_low, expected_high, message_en, source_row "
        "from marts.fct_data_quality_finding where check_type = 'denominator'").fetchall()
    assert rows == [("150300", 2016, 2500000.0, pytest.approx(1908000.0), pytest.approx(2332000.0),
                     "population_by_age.resident_population reports a 2016 population of 2500000; the census-based "
                     "int_population (census_city 2010–2020 interpolated) gives 2120000 (17.9245 %)", "pop.csv:4")]


def test_summary_per_region_and_department(checked):
    rows = {(r[0], r[1]): r[2:] for r in checked["con"].execute(
        "select scope, scope_code, open_errors, open_warnings, open_findings from marts.fct_data_quality_summary "
        "where open_findings > 0").fetchall()}
    # 150300: HC17 unit error, GP rule (ERROR); denominator 2016 (WARN).
    assert rows[("region", "150300")] == (2, 3, 5)  # + the late and the missing report (below)
    assert ("region", CLEAN) not in rows
    # 卫生健康委员会 publishes healthcare_resources (load L_HR): the GP rule (ERROR); the HC30 outlier,
    # the HC38 own-history outlier, HC38 2021 beyond the band (60 / mean(23, 24, 25) = 2.5) and
    # 150700 missing from the population feed, 150300's late and missing reports (WARN). 150600
    # missing from healthcare_resources is the population feed's (统计局) finding.
    assert rows[("department", "卫生健康委员会")] == (1, 6, 7)
    # 统计局 publishes population_by_age, an input of every HC17 value (loads L_PB;L_POP) and the
    # declared feed of the 65+ ≤ 60+ rule: ERROR HC17 ×1,000, HC17 denominator ×1/1,000, 65+ rule;
    # WARN HC17 band, 150600 missing from healthcare_resources, 150300's 2016 denominator.
    assert rows[("department", "统计局")] == (3, 3, 6)
    assert rows[("department", "民政局")] == (2, 1, 3)  # pension_beds (L_PB): the three HC17 findings


def test_error_findings_fail_the_error_severity_test_that_blocks_publishing(checked):
    checked["con"].close()  # dbt needs the write lock
    proc = _dbt(["test", "--select", "dq_no_error_findings", "dq_no_warn_findings"],
                checked["database"], checked["root"])
    checked["con"] = duckdb.connect(str(checked["database"]), read_only=True)
    assert proc.returncode == 1
    # 5 ERROR findings: HC17 ×1,000, HC17 denominator ×1/1,000, and three rules between related data.
    assert "Failure in test dq_no_error_findings" in proc.stdout
    assert "Got 5 results" in proc.stdout
    errors = [r[0] for r in checked["con"].execute(
        "select message_en from marts.fct_data_quality_finding where severity = 'ERROR' and rule_id = 'UNIT_ERROR' "
        "order by message_en").fetchall()]
    assert errors == ["HC17 2021 = 42000 is 1000 times the mean 42 of 2018-2020: probable unit error (×1,000)",
                      "HC17 denominator 2021 = 520 is 0.001 times the mean 510000 of 2018-2020: probable unit error (×1/1,000)"]


def test_the_error_test_is_among_the_checks_the_publish_audit_reads(defs):
    import dagster as dg

    from dagster_project.publish import published_check_keys

    keys = set(published_check_keys())
    finding = dg.AssetKey(["marts", "fct_data_quality_finding"])
    assert dg.AssetCheckKey(finding, "dq_no_error_findings") in keys
    assert dg.AssetCheckKey(finding, "dq_no_warn_findings") in keys



def test_completeness_and_timeliness_of_reports(checked):
    rows = checked["con"].execute(
        "select feed, region_code, year, due_date, status, status_zh, days_late, publisher_zh "
        "from marts.fct_report_completeness order by feed, region_code, year").fetchall()
    assert [(r[0], r[1], r[2], str(r[3]), r[4], r[5], r[6], r[7]) for r in rows] == [
        ("healthcare_resources", "150200", 2020, "2021-03-31", "on_time", "按时", 0, "卫生健康委员会"),
        ("healthcare_resources", "150300", 2020, "2021-03-31", "late", "逾期", 40, "卫生健康委员会"),
        ("healthcare_resources", "150300", 2021, "2022-03-31", "missing", "未报", 30, "卫生健康委员会"),
        ("healthcare_resources", "150700", 2020, "2021-03-31", "on_time", "按时", 0, "卫生健康委员会"),
        ("pension_beds", "150200", 2022, "2023-03-31", "not_due", "未到期", None, "民政局"),
    ]


def test_missing_and_late_reports_are_findings_naming_the_department(checked):
    rows = checked["con"].execute(
        "select check_type, rule_id, severity, region_code, year, message_zh, message_en "
        "from marts.fct_data_quality_finding where check_type in ('completeness', 'timeliness') order by year").fetchall()
    # the late 2020 report is 395 days past its due date on 2022-04-30: within the 400-day alert window
    assert rows == [
        ("timeliness", "LATE_REPORT", "WARN", "150300", 2020,
         "卫生健康委员会：乌海市 2020 年 healthcare_resources 报表逾期 40 天报送（截止 2021-03-31，收到 2021-05-10）",
         "Health Commission: the 2020 healthcare_resources report of 150300 arrived 40 days late "
         "(due 2021-03-31, received 2021-05-10)"),
        ("completeness", "MISSING_REPORT", "WARN", "150300", 2021,
         "卫生健康委员会：乌海市 2021 年 healthcare_resources 报表未报送，截止日期 2022-03-31，已过 30 天",
         "Health Commission: the 2021 healthcare_resources report of 150300 has not been received; "
         "due 2022-03-31, 30 days ago")]


def test_summary_rates_of_reporting(checked):
    rows = {(r[0], r[1]): r[2:] for r in checked["con"].execute(
        "select scope, scope_code, reports_due, reports_received, reports_on_time, completeness_pct, timeliness_pct "
        "from marts.fct_data_quality_summary").fetchall()}
    assert rows[("region", "150300")] == (2, 1, 0, 50.0, 0.0)
    assert rows[("region", CLEAN)] == (1, 1, 1, 100.0, 100.0)  # its 2022 pension-bed report is not due yet
    assert rows[("department", "卫生健康委员会")] == (4, 3, 2, 75.0, 50.0)


def test_the_offline_report_shows_the_summary_and_the_error_findings(checked):
    from dagster_project.quality import report, store

    checked["con"].close()  # the report store writes raw._check_results
    try:
        store.record_freshness_result(checked["database"], "run-dq", "raw_healthcare_resources_fresh",
                                      "raw/healthcare_resources", True, "", "", "")
        page = report.render_report(checked["database"], "run-dq")
    finally:
        checked["con"] = duckdb.connect(str(checked["database"]), read_only=True)
    row = next(line for line in page.splitlines() if "<td>部门 department</td><td>卫生健康委员会 " in line)
    # 1 ERROR, 6 WARN; 3 of 4 reports received (75.0 %), 2 on time (50.0 %)
    assert ('<td class="num">1</td><td class="num">6</td><td class="num">4</td><td class="num">3</td>'
            '<td class="num">2</td><td class="num">75.0</td><td class="num">50.0</td>') in row
    assert "可能的单位错误（×1,000）" in page and "probable unit error (×1,000)" in page

# --- shared warehouse: the bundled data and the real dirty city panel ------------------------


def test_bundled_data_produce_no_error_finding_and_the_census_error_is_acknowledged(warehouse):
    with duck(warehouse["warehouse"]) as con:
        assert con.execute("select count(*) from marts.fct_data_quality_finding where severity = 'ERROR'").fetchone() == (0,)
        rows = con.execute(
            "select year, severity, rule_severity, source_row from marts.fct_data_quality_finding "
            "where rule_id = 'POP_65_LE_60' order by year").fetchall()
    # census_city_2010-2020_v1.csv row 188 (湘潭市): age_65_2010 = 22.7 % > age_60_2010 = 16.77 %, an
    # error of the published census table; the 2011-2015 interpolated years inherit it (from 2016
    # the straight line has 65+ below 60+ again). Confirmed in dq_acknowledged_findings: WARN.
    assert [r[0] for r in rows] == [2010, 2011, 2012, 2013, 2014, 2015]
    assert {r[1:3] for r in rows} == {("WARN", "ERROR")}
    assert rows[0][3] == "census_city_2010-2020_v1.csv:188"


def test_the_two_real_census_tables_disagree_where_a_plain_reading_of_the_files_says(warehouse):
    """Oracle: the bundled files read with the csv module, shares compared in Python."""
    import csv

    data = settings.PROJECT_ROOT / "sources" / "data"
    with open(data / "census_county" / "census_county_2010_2020.csv", encoding="utf-8", newline="") as fh:
        county = {(r["区划代码"], int(r["普查年份"])): r for r in csv.DictReader(fh)}
    expected = set()
    with open(data / "census_city" / "census_city_2010-2020_v1.csv", encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            for year in (2010, 2020):
                k = county.get((r["city_code"], year))
                for age in ("60", "65"):
                    if not k or not r[f"age_{age}_{year}"] or not k["常住人口"]:
                        continue
                    city = float(r[f"age_{age}_{year}"])
                    other = round(100 * float(k[f"{age}岁及以上人口"]) / float(k["常住人口"]), 2)
                    if city > other * 1.25:
                        expected.add((f"CENSUS_SHARE_{age}_CITY_LE_COUNTY", r["city_code"], year))
                    elif city < other * 0.75:
                        expected.add((f"CENSUS_SHARE_{age}_CITY_GE_COUNTY", r["city_code"], year))
    with duck(warehouse["warehouse"]) as con:
        found = set(con.execute("select rule_id, region_code, year from marts.fct_data_quality_finding "
                                "where rule_id like 'CENSUS_SHARE_%'").fetchall())
        xiangtan = con.execute("select value, message_zh from marts.fct_data_quality_finding "
                               "where rule_id = 'CENSUS_SHARE_65_CITY_LE_COUNTY' and region_code = '430300'").fetchall()
    assert found == expected
    assert len(found) == 6  # 连云港 2010 ×2, 湘潭 2010, 陵水 2020 ×2, 攀枝花 2010
    # 湘潭市 2010: 65+ = 305,042 of 2,752,171 = 11.08 % in the county table, 22.7 % in the prefecture table.
    assert xiangtan == [(22.7, "地级普查表65岁及以上人口占比 22.7% 比区县普查表的地级合计 11.08% 高出25%以上（430300 2010）")]


def test_feed_population_aged_60_plus_is_checked_against_the_census_based_denominator(warehouse):
    # HC17 divides by int_population.population_60_plus; the feed's own 60+ figure is checked against it.
    # 稀土高新区 2020: population_by_age_2016_2024.csv line 15 gives 21,302; census_county_2010_2020.csv
    # (150271, 2020) 28,612 → 21,302 / 28,612 − 1 = −25.5487 %. 山亭区 (census_county 370406: 2010 66,944,
    # 2020 88,941; on the line 2016 80,142.2, 2017 82,341.9, 2018 84,541.6, 2019 86,741.3) against the feed's
    # 70,927, 73,429, 75,669, 78,144: −11.4986 %, −10.8243 %, −10.4950 % (flagged), −9.9114 % (within 10 %);
    # 2020 80,453 / 88,941 − 1 = −9.5434 % (within). 包头市 2016 +4.28 %, 赤峰市 2016 +6.88 %: within.
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute(
            "select region_code, year, severity, value, message_en from marts.fct_data_quality_finding "
            "where check_type = 'denominator' and series = 'population_by_age.population_60_plus' "
            "order by region_code, year").fetchall()
    assert [r[:4] for r in rows] == [("150271", 2020, "WARN", 21302.0), ("370406", 2016, "WARN", 70927.0),
                                     ("370406", 2017, "WARN", 73429.0), ("370406", 2018, "WARN", 75669.0)]
    assert rows[0][4] == ("population_by_age.population_60_plus reports a 2020 population of 21302; the census-based "
                          "int_population (census_county 2020) gives 28612 (-25.5487 %)")
    assert rows[1][4] == ("population_by_age.population_60_plus reports a 2016 population of 70927; the census-based "
                          "int_population (census_county 2010–2020 interpolated) gives 80142.2 (-11.4986 %)")


def test_real_city_panel_population_100_times_too_large_is_flagged_twice(warehouse):
    # 枣庄市 2011 年末总人口 6,861.4 万 (row 1817). 2008-2010: 3,832,400, 3,867,900, 3,910,300 → mean
    # 3,870,200, ratio 17.7288 (log10 1.249: not near a power of ten → beyond the band, WARN).
    # Census 2010 3,729,140 and 2020 3,855,601 → 2011 on the line 3,741,786.1; +1,733.7232 %.
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute(
            "select check_type, severity, message_en, source_row from marts.fct_data_quality_finding "
            "where region_code = '370400' and year = 2011 and series = 'city_panel.population_year_end' "
            "order by check_type").fetchall()
    assert rows == [
        ("consistency_over_time", "WARN", "city_panel.population_year_end 2011 = 68614000 is 17.7288 times the mean "
         "3870200 of 2008-2010, outside the band [2593034, 5147366]", "1999-2018 Cities data.xlsx:1817"),
        ("denominator", "WARN", "city_panel.population_year_end reports a 2011 population of 68614000; the census-based "
         "int_population (census_city 2010–2020 interpolated) gives 3741786.1 (1733.7232 %)",
         "1999-2018 Cities data.xlsx:1817")]


def test_findings_and_summary_are_in_the_published_snapshot(warehouse):
    with duck(settings.published_path()) as con:
        findings = con.execute("select count(*) from marts.fct_data_quality_finding").fetchone()[0]
        departments = con.execute("select count(*) from marts.fct_data_quality_summary where scope = 'department'").fetchone()[0]
    assert findings > 0 and departments > 0


def test_publisher_seed_repeats_the_feed_declarations():
    import csv

    import yaml

    declared = {}
    for path in sorted((settings.PROJECT_ROOT / "sources" / "feeds").glob("*.yml")):
        feed = yaml.safe_load(path.read_text(encoding="utf-8"))
        declared[feed["name"]] = (feed["publisher_zh"], feed["publisher_en"])
    with open(settings.DBT_PROJECT_DIR / "seeds" / "dq_feed_publishers.csv", encoding="utf-8", newline="") as fh:
        seeded = {r["feed"]: (r["publisher_zh"], r["publisher_en"]) for r in csv.DictReader(fh)}
    assert seeded == declared, "regenerate dbt/seeds/dq_feed_publishers.csv from sources/feeds/*.yml"


def test_a_1000_fold_population_file_stops_publishing_with_the_unit_named(warehouse, defs, tmp_path, monkeypatch):
    """End to end: a revised population file whose 2024 figure for 包头市 is in the wrong unit
    (×1,000) arrives; the nightly run finds the unit error, the ERROR check fails, the published
    snapshot stays as it was, and the publish audit refuses on its own too."""
    import hashlib
    import shutil

    import dagster as dg

    from dagster_project.publish import failed_error_checks, published_check_keys
    from tests.conftest import run_nightly

    shutil.copytree(warehouse["warehouse"].parent, tmp_path / "warehouse")
    database = tmp_path / "warehouse" / settings.WAREHOUSE_FILE_NAME
    published = database.parent / "published" / settings.WAREHOUSE_FILE_NAME
    monkeypatch.setenv("HCW_WAREHOUSE", str(database))
    monkeypatch.setenv("HCW_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("HCW_ARCHIVE_DIR", str(database.parent / "archive"))
    monkeypatch.delenv("HCW_PUBLISHED", raising=False)
    revision = tmp_path / "landing" / "population_by_age" / "population_by_age_2024_revision.csv"
    revision.parent.mkdir(parents=True)
    revision.write_text("行政区划代码,地区名称,年份,常住人口(人),60岁及以上人口(人)\n"
                        "150200,包头市,2024,2731322000,611543\n", encoding="utf-8")
    before = hashlib.sha256(published.read_bytes()).hexdigest()

    instance = dg.DagsterInstance.ephemeral()
    result = run_nightly(defs, instance=instance)

    assert not result.success
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert "published/healthy_city" not in {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    evaluations = {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    check = evaluations["dq_no_error_findings"]
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert "marts/fct_data_quality_finding:dq_no_error_findings" in failed_error_checks(instance, published_check_keys())
    # 2021-2023 from the bundled file: 2,714,727, 2,720,276, 2,725,929 → mean 2,720,310.667;
    # 2,731,322,000 / 2,720,310.667 = 1,004.0478 → log10 3.0017 → ×1,000.
    with duck(database) as con:
        rows = con.execute("select severity, message_en, source_row from marts.fct_data_quality_finding "
                           "where series = 'population_by_age.resident_population' and rule_id = 'UNIT_ERROR'").fetchall()
    assert rows == [("ERROR", "population_by_age.resident_population 2024 = 2731322000 is 1004.0478 times the mean "
                     "2720310.6667 of 2021-2023: probable unit error (×1,000)",
                     "population_by_age_2024_revision.csv:2")]
