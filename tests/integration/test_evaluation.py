"""Plan targets, attainment and the Healthy City Index (docs/evaluation.md).

Two kinds of test:
- on the shared warehouse (bundled data): real seed targets against hand-computed values;
- on a fixture warehouse: the real dbt evaluation models run (`dbt run --select`) over parent
  tables written by the test, so the index can be checked against the worked example of
  ../shared/reference/index_method.md and the attainment rules against hand-made series.
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

EVALUATION_MODELS = [
    "int_index_values", "int_index_live_parameters", "fct_index_round_parameters",
    "int_indicator_scores", "fct_indicator_weight", "int_region_comparison_group",
    "fct_healthy_city_index", "fct_target_attainment",
]

# --- shared warehouse: the real seed targets ------------------------------------------------


def test_plan_targets_hold_every_evaluable_target_of_the_five_plans(warehouse):
    with duck(warehouse["warehouse"]) as con:
        total, regions, plans = con.execute(
            "select count(*), count(distinct region_code), count(distinct plan_document) from reference.plan_targets").fetchone()
        by_region = dict(con.execute("select region_code, count(*) from reference.plan_targets group by 1").fetchall())
    assert (total, regions, plans) == (227, 5, 5)
    # 220 with a value and 7 that state a direction (包头 5, 赤峰 2)
    assert by_region == {"150200": 74, "150271": 58, "150400": 48, "330110": 27, "370406": 20}


def test_baotou_elderly_beds_target_2020_is_met_by_hand(warehouse):
    # T000_014 每千名老年人拥有养老床位数达到60张以上 (2020). Bundled 2020 value, every elderly-care bed:
    # (26,458 institution + 7,107 community) / 547,023.4182 aged 60+ (2020 census: 2,709,378 × 20.19 %)
    # × 1,000 = 61.359347 → gap +1.359347 → met.
    # (Institution beds alone gave 48.367216: judged on them, the target looked missed.)
    with duck(warehouse["warehouse"]) as con:
        row = con.execute(
            "select comparator, target_value, value_in_target_year, gap_to_target, status, latest_year, "
            "trend_years_used, trend_first_year, trend_last_year "
            "from marts.fct_target_attainment where target_id = 'T000_014'").fetchone()
    assert row[0:2] == (">=", 60.0)
    assert row[2] == pytest.approx(61.359347, abs=1e-6)
    assert row[3] == pytest.approx(1.359347, abs=1e-6)
    assert row[4] == "met"
    # The trend of a past-due target ends in its target year: the five years 2016-2020, not 2020-2024.
    assert row[5:] == (2024, 5, 2016, 2020)


def test_plan_units_are_converted_or_marked_not_comparable(warehouse):
    # CDC and inspection staff per 10,000 (T003_052/053) are components of HC25, not HC25.
    with duck(warehouse["warehouse"]) as con:
        components = con.execute(
            "select status, not_comparable_reason from marts.fct_target_attainment "
            "where target_id in ('T003_052', 'T003_053') order by target_id").fetchall()
    assert [c[0] for c in components] == ["not comparable", "not comparable"]
    assert "Component of HC25 (CDC staff only)" in components[0][1]
    with duck(warehouse["warehouse"]) as con:
        rows = dict(con.execute(
            "select target_id, (target_value, is_comparable, status) from marts.fct_target_attainment "
            "where target_id in ('T001_019', 'T000_025')").fetchall())
    # 每百名老人 4.5 张 = 45 per 1,000 (HC17's unit), but 机构养老床位 only: an approximate mapping
    # (HC17 counts every pension bed), shown converted and judged not comparable.
    assert rows["T001_019"] == (45.0, False, "not comparable")
    # 社会体育指导员 ≥ 10,000 people is a head count, not HC13's per-1,000 rate.
    assert rows["T000_025"] == (None, False, "not comparable")


# --- fixture warehouse: the worked example and attainment rules -----------------------------

WORKED_EXAMPLE = {  # index_method.md: 4 cities, 3 indicators in three dimensions
    "150200": {"HC01": 80, "HC30": 4.0, "HC38": 20},  # A
    "150400": {"HC01": 78, "HC30": 6.0, "HC38": 22},  # B
    "150300": {"HC01": 90, "HC30": 3.0, "HC38": 30},  # C
    "150500": {"HC01": 79, "HC30": 5.0, "HC38": 21},  # D
}
# 2021: P better than Q on every indicator; R best on two and missing HC38.
PROPERTIES_2021 = {
    "150200": {"HC01": 85, "HC30": 3.0, "HC38": 25},  # P
    "150400": {"HC01": 70, "HC30": 6.0, "HC38": 15},  # Q
    "150300": {"HC01": 90, "HC30": 2.0},              # R
}
HC17_SERIES = {2016: 30.0, 2020: 40.0, 2021: 42.0, 2022: 44.0, 2023: 46.0, 2024: 48.0}
# A district (not a national evaluation unit): scored against the cities' benchmarks, never ranked.
DISTRICT_2020 = {"HC01": 95.0, "HC30": 3.5, "HC38": 25.0}
# 2022: both cities report the same HC01 (no information) and different HC30.
EQUAL_2022 = {"150200": {"HC01": 80.0, "HC30": 4.0}, "150400": {"HC01": 80.0, "HC30": 6.0}}
TARGETS = [  # id, indicator, year, comparator, value, value_max, comparable
    ("F_DUE_2030", "HC17", 2030, ">=", 59.0, None, True),
    ("F_NOT_MET", "HC17", 2022, ">=", 45.0, None, True),
    ("F_MET_CEILING", "HC17", 2023, "<=", 50.0, None, True),
    ("F_NO_DATA_2025", "HC17", 2025, ">=", 45.0, None, True),
    ("F_NO_INDICATOR", "X_NOTHING", 2020, ">=", 1.0, None, True),
    ("F_HEADCOUNT", "HC17", 2020, ">=", 10000.0, None, False),
    ("F_RANGE", "HC17", 2021, "range", 40.0, 43.0, True),
    ("F_ABOUT", "HC17", 2022, "≈", 46.0, None, True),
    # id, indicator, year, comparator, value, value_max, comparable, mapping quality, note
    ("F_APPROX", "HC17", 2022, ">=", 40.0, None, True, "approx", "institutional beds only"),
    ("F_APPROX_CONVERTED", "HC17", 2022, ">=", 40.0, None, True, "approx", "older name"),
    ("F_PAST_DUE_LATEST_MEETS", "HC17", 2021, ">=", 47.0, None, True),  # 2021: 42 (latest 2024: 48)
    ("F_CLIPPED_2040", "HC17", 2040, ">=", 59.0, None, True),
    ("F_OFF_TRACK_2030", "HC17", 2030, ">=", 100.0, None, True),
    ("F_DECREASE_2020", "HC34", 2020, "decrease", None, None, True),
    ("F_DECREASE_2030", "HC34", 2030, "decrease", None, None, True),
]
# 甲乙类传染病发病率 falls until 2020, then rises: a 2020 "稳步下降" target was met, a 2030 one is off track.
HC34_SERIES = {2016: 200.0, 2017: 190.0, 2018: 185.0, 2019: 170.0, 2020: 160.0, 2021: 165.0, 2022: 175.0,
               2023: 180.0, 2024: 190.0}


def _write_parents(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema reference")
    con.execute("""create table reference.dim_indicator as select * from (values
        ('HC01', '健康环境', 'higher_is_better', '优良天数占比', 0.0, 100.0),
        ('HC30', '健康人群', 'lower_is_better', '婴儿死亡率', 0.0, 1000.0),
        ('HC38', '健康文化', 'higher_is_better', '健康素养水平', 0.0, 100.0),
        ('HC17', '健康社会', 'higher_is_better', '养老床位', 0.0, 60.0),
        ('HC34', '健康人群', 'lower_is_better', '甲乙类传染病发病率', 0.0, 100000.0)
        ) t(indicator_code, level1_zh, direction, indicator_name_zh, hard_min, hard_max)""")
    con.execute("""create table reference.target_measure_conversions as select * from (values
        ('F_APPROX_CONVERTED', '同一口径', 'same measure')) t(target_id, reason_zh, reason_en)""")
    # Expert weights wS = (0.3, 0.4, 0.3); HC17 not scored so the attainment series stays out of the index.
    con.execute("""create table reference.indicator_weights as select * from (values
        ('HC01', 0.3, true), ('HC30', 0.4, true), ('HC38', 0.3, true), ('HC17', 0.0, false)
        ) t(indicator_code, expert_weight, is_scored)""")
    con.execute(f"create table reference.region_of_china as select * from read_csv('{settings.DBT_PROJECT_DIR / 'seeds' / 'region_of_china.csv'}')")
    con.execute("""create table marts.dim_region as select * from (values
        ('150200', '包头市'), ('150400', '赤峰市'), ('150300', '乌海市'), ('150500', '通辽市'),
        ('370406', '山亭区'), ('150600', '鄂尔多斯市')
        ) t(region_code, region_name_zh)""")
    # 2020 is a closed round, 2021 and 2022 are open.
    con.execute("""create table reference.evaluation_rounds as select * from (values
        (2020, '2020年度评价', '2021-12-31', 'fixture')) t(year, round_name_zh, closed_on, note)""")
    values = [(r, 2020, code, float(v)) for r, vals in WORKED_EXAMPLE.items() for code, v in vals.items()]
    values += [(r, 2021, code, float(v)) for r, vals in PROPERTIES_2021.items() for code, v in vals.items()]
    values += [("150200", y, "HC17", v) for y, v in HC17_SERIES.items()]
    values += [("370406", 2020, code, v) for code, v in DISTRICT_2020.items()]
    values += [(r, 2022, code, v) for r, vals in EQUAL_2022.items() for code, v in vals.items()]
    values += [("150200", y, "HC34", v) for y, v in HC34_SERIES.items()]
    con.execute("create table marts.fct_indicator_value (region_code varchar, year integer, indicator_code varchar, value double, "
                "is_complete_year boolean default true)")
    con.executemany("insert into marts.fct_indicator_value (region_code, year, indicator_code, value) values (?, ?, ?, ?)", values)
    con.execute("""create table reference.plan_targets (target_id varchar, region_code varchar, region_name_zh varchar,
        plan_document varchar, indicator_code varchar, indicator_text_zh varchar, mapping_quality varchar,
        target_year integer, comparator varchar, comparator_as_written varchar, comparator_note varchar,
        target_value double, target_value_max double, unit_as_written varchar, is_comparable boolean,
        source_quote varchar, notes varchar)""")
    con.executemany(
        "insert into reference.plan_targets values (?, '150200', '包头市', 'fixture', ?, '', ?, ?, ?, ?, '', ?, ?, '', ?, '', ?)",
        [[t[0], t[1], *(t[7:8] or ["exact"]), t[2], t[3], t[3], t[4], t[5], t[6], t[8] if len(t) > 8 else None]
         for t in TARGETS])
    con.close()


def _evaluate(root: Path, dbt_vars: str = "{evaluation_year: 2026}", write: bool = True) -> Path:
    """Write the parent tables (once) and run the real evaluation models over them with dbt."""
    database = root / settings.WAREHOUSE_FILE_NAME
    if write:
        _write_parents(database)
    env = {**os.environ, "HCW_WAREHOUSE": str(database), "DBT_TARGET_PATH": str(root / "dbt_target")}
    dbt = str(Path(sys.executable).with_name("dbt"))
    proc = subprocess.run(
        [dbt, "run", "--project-dir", str(settings.DBT_PROJECT_DIR), "--profiles-dir", str(settings.DBT_PROJECT_DIR),
         "--select", *EVALUATION_MODELS, "--vars", dbt_vars],
        env=env, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return database


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, dbt_manifest):
    database = _evaluate(tmp_path_factory.mktemp("evaluation"))
    con = duckdb.connect(str(database), read_only=True)
    yield con
    con.close()


def test_entropy_and_combined_weights_match_the_worked_example(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select indicator_code, entropy, entropy_weight, expert_weight, combined_weight "
        "from marts.fct_indicator_weight where year = 2020").fetchall()}
    # index_method.md: e = (0.4528, 0.7296, 0.4956), wE = (0.4139, 0.2046, 0.3815), w = (0.3570, 0.3023, 0.3408)
    assert rows["HC01"] == pytest.approx((0.452794, 0.413923, 0.3, 0.356962), abs=1e-5)
    assert rows["HC30"] == pytest.approx((0.729574, 0.204558, 0.4, 0.302279), abs=1e-5)
    assert rows["HC38"] == pytest.approx((0.495632, 0.381519, 0.3, 0.340759), abs=1e-5)


def test_weights_sum_to_one_every_year(evaluated):
    sums = evaluated.execute(
        "select year, sum(entropy_weight), sum(expert_weight), sum(combined_weight) "
        "from marts.fct_indicator_weight group by year order by year").fetchall()
    assert [s[0] for s in sums] == [2020, 2021, 2022]
    for _, entropy, expert, combined in sums:
        assert (entropy, expert, combined) == pytest.approx((1.0, 1.0, 1.0), abs=1e-12)


def test_index_matches_the_worked_example_and_ranks_within_the_group(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select region_code, healthy_city_index, index_healthy_environment, rank_in_group, comparison_group "
        "from marts.fct_healthy_city_index where year = 2020").fetchall()}
    # HCI = A 26.10, B 6.82, C 100.00, D 16.46; each sub-index is that dimension's indicator score.
    assert rows["150200"][0] == pytest.approx(26.1013, abs=1e-3)
    assert rows["150400"][0] == pytest.approx(6.8152, abs=1e-3)
    assert rows["150300"][0] == pytest.approx(100.0, abs=1e-9)
    assert rows["150500"][0] == pytest.approx(16.4582, abs=1e-3)
    assert rows["150200"][1] == pytest.approx(100 * 2 / 12, abs=1e-9)  # HC01 (80−78)/(90−78)
    # the district 370406 is in the table but not ranked (its own test below)
    assert {code: r[2] for code, r in rows.items()} == {"150300": 1, "150200": 2, "150500": 3, "150400": 4,
                                                        "370406": None}
    assert {r[3] for code, r in rows.items() if code != "370406"} == {"西部·地级及以上市"}


def test_better_on_every_indicator_ranks_higher_and_direction_is_respected(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select region_code, healthy_city_index, index_healthy_population, rank_in_group "
        "from marts.fct_healthy_city_index where year = 2021").fetchall()}
    p, q = rows["150200"], rows["150400"]
    assert p[0] > q[0] and p[2] < q[2]
    # 婴儿死亡率 is lower-is-better: P's 3.0‰ scores (6−2)/... → (6−3)/(6−2) = 0.75, Q's 6.0‰ scores 0.
    assert p[1] == pytest.approx(75.0) and q[1] == pytest.approx(0.0)


def test_a_missing_indicator_is_reweighted_not_counted_as_zero(evaluated):
    index, coverage, n_indicators = evaluated.execute(
        "select healthy_city_index, weight_coverage, n_indicators from marts.fct_healthy_city_index "
        "where year = 2021 and region_code = '150300'").fetchone()
    hc38_weight = evaluated.execute(
        "select combined_weight from marts.fct_indicator_weight where year = 2021 and indicator_code = 'HC38'").fetchone()[0]
    # R is best on HC01 and HC30 (score 100 each) and has no HC38: the index over what exists is 100;
    # had the missing HC38 counted as 0 it would be 100 × (1 − w_HC38). Coverage is the share of the
    # scored system's expert weights present: (0.3 + 0.4) / (0.3 + 0.4 + 0.3) = 0.7.
    assert index == pytest.approx(100.0)
    assert n_indicators == 2
    assert coverage == pytest.approx(0.7)
    assert 0 < hc38_weight < 1


def test_a_district_is_scored_against_the_cities_but_not_ranked(evaluated):
    index, ranked, reason, rank, env = evaluated.execute(
        "select healthy_city_index, is_rankable, not_ranked_reason, rank_in_group, index_healthy_environment "
        "from marts.fct_healthy_city_index where year = 2020 and region_code = '370406'").fetchone()
    # Benchmarks come from the four cities only (the worked example's numbers are unchanged above).
    # HC01 95 > max 90 → clipped to 100; HC30 (6 − 3.5)/(6 − 3) = 83.33; HC38 (25 − 20)/(30 − 20) = 50.
    # Index = 0.356962 × 100 + 0.302279 × 83.333 + 0.340759 × 50 = 77.924.
    assert env == pytest.approx(100.0)
    assert index == pytest.approx(77.924, abs=1e-3)
    assert (ranked, rank) == (False, None)
    assert reason.startswith("非国家评价单元")


def test_an_indicator_without_information_gives_no_points_and_low_coverage_is_not_ranked(evaluated):
    weights = {r[0]: r[1:] for r in evaluated.execute(
        "select indicator_code, is_informative, combined_weight from marts.fct_indicator_weight where year = 2022").fetchall()}
    assert weights["HC01"] == (False, 0.0)  # both cities at 80: nobody gets points for it
    assert weights["HC30"] == (True, 1.0)
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select region_code, healthy_city_index, n_indicators, weight_coverage, is_rankable, rank_in_group, "
        "is_above_pass_mark from marts.fct_healthy_city_index where year = 2022").fetchall()}
    # 包头 is best on HC30 alone: 100 points from one indicator carrying 0.4 of the system: not ranked,
    # and no pass mark (the national method defines none).
    assert rows["150200"] == (pytest.approx(100.0), 1, pytest.approx(0.4), False, None, None)
    assert rows["150400"][0] == pytest.approx(0.0)


def test_attainment_statuses_gaps_and_projection(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select target_id, status, value_in_target_year, gap_to_target, latest_value, projected_value, "
        "is_projected_to_meet_target, trend_years_used, trend_first_year, trend_last_year "
        "from marts.fct_target_attainment").fetchall()}
    # 2030 ≥ 59: due after the evaluation year 2026. Last five years 2020-2024 rise 2 a year
    # (the 2016 value is outside the window): 48 + 2 × 6 = 60 in 2030 → projected to meet.
    due = rows["F_DUE_2030"]
    assert due[0] == "on track"
    assert due[3] == 48.0 and due[4] == pytest.approx(60.0, abs=1e-9) and due[5] is True
    assert due[6:] == (5, 2020, 2024)
    # 2022 value 44 against ≥ 45: gap −1, not met.
    assert rows["F_NOT_MET"][0:3] == ("not met", 44.0, pytest.approx(-1.0))
    # 2023 value 46 against a ceiling ≤ 50: met, gap −4.
    assert rows["F_MET_CEILING"][0:3] == ("met", 46.0, pytest.approx(-4.0))
    # 2025 is due in 2026 but has no value: no data (the latest value, 2024's 48, is still shown).
    assert rows["F_NO_DATA_2025"][0:2] == ("no data", None) and rows["F_NO_DATA_2025"][3] == 48.0
    assert rows["F_NO_INDICATOR"][0] == "no data"
    assert rows["F_HEADCOUNT"][0] == "not comparable"
    assert rows["F_RANGE"][0:2] == ("met", 42.0)   # 40 ≤ 42 ≤ 43
    assert rows["F_ABOUT"][0:2] == ("met", 44.0)   # |44 − 46| = 2 ≤ 5% × 46 = 2.3


def test_targets_are_judged_on_the_measure_they_name(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select target_id, status, status_zh, is_comparable, not_comparable_reason, measure_conversion "
        "from marts.fct_target_attainment where target_id like 'F_APPROX%'").fetchall()}
    # An approximate mapping is shown but not judged, with the reason; a documented conversion is judged.
    assert rows["F_APPROX"][0:3] == ("not comparable", "不可比", False)
    assert rows["F_APPROX"][3].endswith("approximate mapping, a different measure: institutional beds only")
    assert rows["F_APPROX_CONVERTED"] == ("met", "达成", True, None, "same measure")  # 2022: 44 ≥ 40


def test_status_year_and_value_come_from_the_same_row(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select target_id, status, status_year, status_value, latest_year, latest_value, projected_value "
        "from marts.fct_target_attainment").fetchall()}
    # Past due in 2021 (value 42 < 47) although the latest value (2024: 48) would meet it: not met,
    # judged on 2021's 42, and no projection for a target whose year has passed.
    assert rows["F_PAST_DUE_LATEST_MEETS"] == ("not met", 2021, 42.0, 2024, 48.0, None)
    # Not yet due: judged on the latest value with the projection (48 + 2 × 6 = 60 < 100).
    assert rows["F_OFF_TRACK_2030"][0:3] == ("off track", 2024, 48.0)


def test_projection_is_clipped_to_the_possible_range_with_an_interval(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select target_id, projected_value, projection_low, projection_high, projection_confidence, status "
        "from marts.fct_target_attainment").fetchall()}
    # The line reaches 48 + 2 × 16 = 80 in 2040, but the fixture caps HC17 at 60.
    assert rows["F_CLIPPED_2040"] == (60.0, 60.0, 60.0, "high", "on track")
    # HC34 2020-2024 = 160, 165, 175, 180, 190: slope 75/10 = 7.5, line(2030) = 174 + 7.5 × 8 = 234;
    # RSS 7.5, s = √(7.5/3); 95 % PI half-width = t(0.975, 3) 3.182 × s × √(1 + 1/5 + 8²/10) = 13.870.
    projected, low, high, confidence, _ = rows["F_DECREASE_2030"]
    assert projected == pytest.approx(234.0)
    assert (low, high) == (pytest.approx(234.0 - 13.8701, abs=1e-3), pytest.approx(234.0 + 13.8701, abs=1e-3))
    assert confidence == "high"  # 5 points, r² = 75² / (10 × 570) = 0.987


def test_directional_targets_are_judged_on_the_trend(evaluated):
    rows = {r[0]: r[1:] for r in evaluated.execute(
        "select target_id, status, status_year, status_value, is_moving_as_planned, trend_first_year, trend_last_year "
        "from marts.fct_target_attainment where comparator = 'decrease'").fetchall()}
    # 稳步下降 by 2020: 2016-2020 = 200 → 160, slope < 0 and last < first: met, judged on 2020's 160.
    assert rows["F_DECREASE_2020"] == ("met", 2020, 160.0, True, 2016, 2020)
    # 稳步下降 by 2030: 2020-2024 rises 160 → 190: off track.
    assert rows["F_DECREASE_2030"] == ("off track", 2024, 190.0, False, 2020, 2024)


def test_a_closed_round_is_reproduced_byte_for_byte_after_a_region_is_added(tmp_path, dbt_manifest):
    query = "select * from marts.fct_healthy_city_index where year = {} order by region_code"

    def run_and_read(year: int, write: bool = False) -> list[tuple]:
        database = _evaluate(tmp_path, write=write)
        with duckdb.connect(str(database), read_only=True) as con:
            return con.execute(query.format(year)).fetchall()

    database = tmp_path / settings.WAREHOUSE_FILE_NAME
    closed_before, open_before = run_and_read(2020, write=True), run_and_read(2021)
    # A new city reports 2020 and 2021 values better than everyone's.
    with duckdb.connect(str(database)) as con:
        con.executemany("insert into marts.fct_indicator_value (region_code, year, indicator_code, value) "
                        "values ('150600', ?, ?, ?)",
                        [(2020, "HC01", 99.0), (2020, "HC30", 1.0), (2020, "HC38", 40.0),
                         (2021, "HC01", 99.0), (2021, "HC30", 1.0), (2021, "HC38", 40.0)])
    closed_after = run_and_read(2020)
    open_after = run_and_read(2021)
    # The closed round keeps every stored row exactly; the newcomer is scored on the frozen benchmarks
    # (HC01 99 > 90 → 100, HC30 1 < 3 → 100, HC38 40 > 30 → 100) and not ranked.
    assert [r for r in closed_after if r[0] != "150600"] == closed_before
    newcomer = next(r for r in closed_after if r[0] == "150600")
    with duckdb.connect(str(database), read_only=True) as con:
        columns = [c[0] for c in con.execute("describe marts.fct_healthy_city_index").fetchall()]
    row = dict(zip(columns, newcomer))
    assert row["healthy_city_index"] == pytest.approx(100.0)
    assert (row["is_added_after_round_closed"], row["is_rankable"], row["rank_in_group"]) == (True, False, None)
    # The open round is recomputed: the newcomer moves the benchmarks and takes rank 1.
    assert open_after != open_before
    assert dict(zip(columns, next(r for r in open_after if r[0] == "150600")))["rank_in_group"] == 1


def test_base_year_benchmarks_move_a_score_only_when_its_value_moves(tmp_path, dbt_manifest):
    database = _evaluate(tmp_path, "{evaluation_year: 2026, index_benchmark_year: 2020}")
    with duckdb.connect(str(database), read_only=True) as con:
        bounds = con.execute("select min_value, max_value, benchmark_year from marts.fct_indicator_weight "
                             "where year = 2021 and indicator_code = 'HC01'").fetchone()
        score = con.execute("select 100 * normalised_value from intermediate.int_indicator_scores "
                            "where year = 2021 and region_code = '150200' and indicator_code = 'HC01'").fetchone()[0]
    # 2021 is scored on 2020's HC01 range 78-90 (not 2021's own 70-90): P's 85 → (85 − 78) / (90 − 78) = 58.33.
    assert bounds == (78.0, 90.0, 2020)
    assert score == pytest.approx(700 / 12)


def test_dbt_docs_generate_works_offline_with_bilingual_column_docs(warehouse, tmp_path):
    import json

    env = {**os.environ, "HCW_WAREHOUSE": str(warehouse["warehouse"]), "DBT_TARGET_PATH": str(tmp_path / "docs_target")}
    dbt = str(Path(sys.executable).with_name("dbt"))
    proc = subprocess.run(
        [dbt, "docs", "generate", "--project-dir", str(settings.DBT_PROJECT_DIR),
         "--profiles-dir", str(settings.DBT_PROJECT_DIR)],
        env=env, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    assert proc.returncode == 0, proc.stdout[-3000:]
    target = tmp_path / "docs_target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.healthy_city.fct_target_attainment" in catalog["nodes"]
    manifest = json.loads((target / "manifest.json").read_text())
    columns = manifest["nodes"]["model.healthy_city.fct_target_attainment"]["columns"]
    assert columns["status"]["description"].startswith("状态 / met 达成")
    # every column of the evaluation marts has a zh / en description
    for model in ("fct_target_attainment", "fct_healthy_city_index", "fct_indicator_weight",
                  "fct_index_round_parameters", "fct_indicator_value_rollup"):
        node = manifest["nodes"][f"model.healthy_city.{model}"]
        documented = {name for name, col in node["columns"].items() if " / " in col["description"]}
        built = {c.lower() for c in catalog["nodes"][f"model.healthy_city.{model}"]["columns"]}
        assert built == documented, model
