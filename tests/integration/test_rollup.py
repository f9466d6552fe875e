"""County -> prefecture -> province roll-ups (marts.fct_indicator_value_rollup, docs/evaluation.md).

The real dbt model runs (`dbt run --select`) over parent tables written by the test, so every
roll-up can be checked against sums worked out by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from tests.conftest import duck

REGIONS = [  # code, name, level_rank, prefecture, province, is_statistical_zone, has_gbt2260_code
    ("370000", "山东省", 1, None, "370000", False, True),
    ("370100", "济南市", 2, "370100", "370000", False, True),
    ("370400", "枣庄市", 2, "370400", "370000", False, True),
    ("370402", "市中区", 3, "370400", "370000", False, True),
    ("370403", "薛城区", 3, "370400", "370000", False, True),
    ("370404", "峄城区", 3, "370400", "370000", False, True),
    ("370406", "山亭区", 3, "370400", "370000", False, True),
    ("370471", "枣庄高新区", 3, "370400", "370000", True, False),
]
POPULATION = {"370400": 3_855_601, "370402": 400_000, "370403": 500_000, "370406": 406_722, "370100": 9_000_000}
VALUES = [  # region, indicator, numerator, denominator (HC26: beds / residents × 1000)
    ("370402", "HC26", 2_000, 400_000),
    ("370403", "HC26", 3_000, 500_000),
    ("370406", "HC26", 1_000, 406_722),
    ("370471", "HC26", 900, 90_000),       # a development zone: its people are inside the districts
    ("370100", "HC26", 50_000, 9_000_000),  # 济南 reports itself, with no county rows
    ("370402", "HC01", 300, 365),           # air-quality days do not add up
    ("370403", "HC01", 310, 365),
]


@pytest.fixture(scope="module")
def rolled_up(tmp_path_factory, dbt_manifest):
    root = tmp_path_factory.mktemp("rollup")
    database = root / settings.WAREHOUSE_FILE_NAME
    con = duckdb.connect(str(database))
    con.execute("create schema marts; create schema reference; create schema intermediate")
    seeds = settings.DBT_PROJECT_DIR / "seeds"
    con.execute(f"create table reference.indicator_aggregation as select * from read_csv('{seeds / 'indicator_aggregation.csv'}')")
    con.execute("""create table reference.dim_indicator as select * from (values
        ('HC26', '每千人口医疗卫生机构床位数', '张/千人'), ('HC01', '环境空气质量优良天数占比', '%')
        ) t(indicator_code, indicator_name_zh, unit)""")
    con.execute("""create table marts.dim_region (region_code varchar, region_name_zh varchar, level_rank integer,
        prefecture_code varchar, province_code varchar, is_statistical_zone boolean, has_gbt2260_code boolean,
        is_current boolean)""")
    con.executemany("insert into marts.dim_region values (?, ?, ?, ?, ?, ?, ?, true)", REGIONS)
    con.execute("create table intermediate.int_population (region_code varchar, year integer, population double)")
    con.executemany("insert into intermediate.int_population values (?, 2020, ?)", list(POPULATION.items()))
    con.execute("""create table marts.fct_indicator_value (region_code varchar, year integer, indicator_code varchar,
        value double, numerator double, denominator double)""")
    multiplier = {"HC26": 1000, "HC01": 100}
    con.executemany("insert into marts.fct_indicator_value values (?, 2020, ?, ?, ?, ?)",
                    [(r, i, n / d * multiplier[i], n, d) for r, i, n, d in VALUES])
    con.close()
    env = {**os.environ, "HCW_WAREHOUSE": str(database), "DBT_TARGET_PATH": str(root / "dbt_target")}
    dbt = str(Path(sys.executable).with_name("dbt"))
    proc = subprocess.run(
        [dbt, "run", "--project-dir", str(settings.DBT_PROJECT_DIR), "--profiles-dir", str(settings.DBT_PROJECT_DIR),
         "--select", "fct_indicator_value_rollup"],
        env=env, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    con = duckdb.connect(str(database), read_only=True)
    yield {r[0]: r[1:] for r in con.execute(
        "select region_code || ' ' || indicator_code, value, numerator, denominator, aggregated_from, "
        "n_reporting_units, n_units_expected, population_coverage, reported_value "
        "from marts.fct_indicator_value_rollup").fetchall()}
    con.close()


def test_prefecture_is_summed_counts_of_its_counties_not_averaged_rates(rolled_up):
    value, numerator, denominator, source, n, expected, coverage, reported = rolled_up["370400 HC26"]
    # (2,000 + 3,000 + 1,000) beds / (400,000 + 500,000 + 406,722) residents × 1000 = 4.591642;
    # the zone's 900 / 90,000 is left out; the mean of the three rates (5, 6, 2.4587) would be 4.4862.
    assert (numerator, denominator) == (6_000, 1_306_722)
    assert value == pytest.approx(4.591642, abs=1e-6)
    assert (source, n, expected) == ("county", 3, 4)
    assert coverage == pytest.approx(1_306_722 / 3_855_601)  # 0.3389
    assert reported is None


def test_province_takes_each_prefecture_once(rolled_up):
    value, numerator, denominator, source, n, expected, coverage, _ = rolled_up["370000 HC26"]
    # 济南 reports itself (50,000 / 9,000,000); 枣庄 enters through its counties (6,000 / 1,306,722).
    assert (numerator, denominator) == (56_000, 10_306_722)
    assert value == pytest.approx(5.433347, abs=1e-6)  # 56,000 / 10,306,722 × 1000
    assert (source, n, expected) == ("prefecture", 2, 2)


def test_indicators_that_do_not_add_up_are_not_rolled_up(rolled_up):
    assert not [k for k in rolled_up if k.endswith("HC01")]


def test_bundled_shanting_rolls_up_into_zaozhuang(warehouse):
    with duck(warehouse["warehouse"]) as con:
        row = con.execute(
            "select r.numerator, r.denominator, r.n_reporting_units, r.value, v.numerator, v.denominator "
            "from marts.fct_indicator_value_rollup r join marts.fct_indicator_value v "
            "on v.region_code = '370406' and v.year = r.year and v.indicator_code = r.indicator_code "
            "where r.region_code = '370400' and r.indicator_code = 'HC26' and r.year = 2020").fetchone()
    # Only 山亭区 reports among 枣庄's counties in the bundled data: the roll-up is its own counts.
    assert row[2] == 1 and (row[0], row[1]) == (row[4], row[5])
    assert row[3] == pytest.approx(row[4] / row[5] * 1000)
