"""Published indicator values (the real 166-city snapshot) in marts.fct_indicator_value.

Expected values come from the bundled CSVs, read here with csv (the published rates) or worked out
by hand in the comments (the computed ones), never from the SQL under test.
"""

from __future__ import annotations

import csv
import re

import dagster as dg
import pytest
import yaml

from dagster_project import settings
from tests.conftest import duck

REPO = settings.PROJECT_ROOT
SNAPSHOT = REPO / "sources" / "data" / "city_health_snapshot" / "snapshot_data.csv"
# pinyin in the file -> the code checked by hand (tests/unit/test_regions_resolve.py)
CITY = {"Haerbin": "230100", "Shamen": "350200", "Zhongqing": "500000", "Huhehaote": "150100",
        "Baotou": "150200", "Zaozhuang": "370400"}


@pytest.fixture(scope="module")
def snapshot():
    with SNAPSHOT.open(encoding="utf-8-sig", newline="") as fh:
        return {r["City"]: r for r in csv.DictReader(fh)}


def test_published_list_matches_the_feed_declarations():
    declared = set()
    for path in sorted((REPO / "sources" / "feeds").glob("*.yml")):
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
        declared |= {(cfg["name"], c["name"], c["indicator"]) for c in cfg["columns"] if c.get("indicator")}
    model = (REPO / "dbt" / "models" / "intermediate" / "int_indicator_published.sql").read_text(encoding="utf-8")
    listed = set(re.findall(r"\('(\w+)', '(\w+)', '(\w+)'\)", model))
    assert listed == declared
    assert ("city_health_snapshot", "beds_per_1000", "HC26") in declared


def test_snapshot_loads_160_cities_and_quarantines_the_six_ambiguous(warehouse):
    with duck(warehouse["warehouse"]) as con:
        assert con.execute("select count(*), count(distinct region_code) from raw.city_health_snapshot "
                           "where _superseded_by_load_id is null").fetchall() == [(160, 160)]
        rows = con.execute("select row_number, raw_value, reason from raw._quarantine "
                           "where feed = 'city_health_snapshot' order by row_number").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(9, "Fuzhou"), (82, "Suzhou"), (89, "Taizhou"), (99, "Taizhou"),
                                            (112, "Suzhou"), (151, "Yichun")]
    assert rows[2][2] == ("ambiguous region name 'Taizhou' matches 2 codes (321200, 331000): 321200 泰州市 (江苏省), "
                          "331000 台州市 (浙江省); a province column or the 6-digit code tells them apart")


def fct(con, region, indicator, year=2019):
    return con.execute(
        "select value, numerator, denominator, value_source, published_value from marts.fct_indicator_value "
        "where region_code = ? and indicator_code = ? and year = ?", [region, indicator, year]).fetchall()


def test_published_value_where_no_counts_exist(warehouse, snapshot):
    with duck(warehouse["warehouse"]) as con:
        for city in ("Haerbin", "Shamen", "Zhongqing", "Huhehaote"):
            code = CITY[city]
            for column, indicator in (("BED", "HC26"), ("DOC", "X_DOCTORS_PER_1000"), ("NRS", "X_NURSES_PER_1000")):
                published = float(snapshot[city][column])
                assert fct(con, code, indicator) == [(pytest.approx(published, abs=1e-9), None, None, "published",
                                                      pytest.approx(published, abs=1e-9))], (city, indicator)
        # every resolved city has its three published values for 2019; no published value in other years
        assert con.execute("select indicator_code, count(*) from marts.fct_indicator_value "
                           "where value_source = 'published' group by all order by 1").fetchall() == [
            ("HC26", 158), ("X_DOCTORS_PER_1000", 158), ("X_NURSES_PER_1000", 158)]
        assert con.execute("select distinct year from marts.fct_indicator_value "
                           "where value_source = 'published'").fetchall() == [(2019,)]
        # values from counts stay computed in every other row, except HC36, a survey's published estimate
        assert con.execute("select count(*) from marts.fct_indicator_value where value_source is null "
                           "or value_source not in ('computed', 'published', 'survey_estimate')").fetchall() == [(0,)]
        assert con.execute("select distinct indicator_code from marts.fct_indicator_value "
                           "where value_source = 'survey_estimate'").fetchall() == [("HC36",)]


def test_computed_value_wins_and_keeps_the_published_one_beside_it(warehouse, snapshot):
    # healthcare_resources 包头市 2019: 16,309 beds. Population (int_population, census_city_2010-2020_v1.csv
    # 包头市 popu_2010 2,650,364, popu_2020 2,709,378) on the straight line in 2019:
    # 2,650,364 + (2,709,378 − 2,650,364) × 9 / 10 = 2,650,364 + 53,112.6 = 2,703,476.6
    # 16,309 / 2,703,476.6 × 1,000 = 6.032602…  (published BED 6.921297894)
    with duck(warehouse["warehouse"]) as con:
        assert fct(con, "150200", "HC26") == [(pytest.approx(6.032602, abs=1e-6), 16309,
                                               pytest.approx(2_703_476.6, rel=1e-12), "computed",
                                               pytest.approx(float(snapshot["Baotou"]["BED"]), abs=1e-9))]
        # 枣庄市 2019: 3,729,140 + (3,855,601 − 3,729,140) × 9 / 10 = 3,729,140 + 113,814.9 = 3,842,954.9;
        # 10,822 physicians / 3,842,954.9 × 1,000 = 2.816062… (published DOC 2.823798627)
        assert fct(con, "370400", "X_DOCTORS_PER_1000") == [(
            pytest.approx(2.816062, abs=1e-6), 10822, pytest.approx(3_842_954.9, rel=1e-12), "computed",
            pytest.approx(float(snapshot["Zaozhuang"]["DOC"]), abs=1e-9))]


def test_warn_check_names_both_values_where_they_differ_by_more_than_one_percent(warehouse):
    # Hand-computed from the sample counts (2019) over the census-based population of 2019 (the straight
    # line between the censuses, above: 包头市 2,703,476.6, 枣庄市 3,842,954.9) against the snapshot:
    #   150200 HC26   16,309 / 2,703,476.6 × 1000 = 6.0326 vs 6.9213: -12.84 %
    #   150200 DOC     7,743 / 2,703,476.6 × 1000 = 2.8641 vs 3.0495:  -6.08 %
    #   150200 NRS     8,248 / 2,703,476.6 × 1000 = 3.0509 vs 3.9270: -22.31 %
    #   370400 HC26   23,164 / 3,842,954.9 × 1000 = 6.0277 vs 6.0974:  -1.14 %
    #   370400 DOC    10,822 / 3,842,954.9 × 1000 = 2.8161 vs 2.8238:  -0.27 %  (within 1 %: no warning)
    #   370400 NRS    11,703 / 3,842,954.9 × 1000 = 3.0453 vs 3.4907: -12.76 %
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select message from dbt_test__audit.published_value_agrees_fct_indicator_value "
                           "order by region_code, indicator_code").fetchall()
    assert [r[0] for r in rows] == [
        "HC26 150200 2019: computed 6.0326 vs published 6.9213 (differs by -12.8 %)",
        "X_DOCTORS_PER_1000 150200 2019: computed 2.8641 vs published 3.0495 (differs by -6.1 %)",
        "X_NURSES_PER_1000 150200 2019: computed 3.0509 vs published 3.9270 (differs by -22.3 %)",
        "HC26 370400 2019: computed 6.0277 vs published 6.0974 (differs by -1.1 %)",
        "X_NURSES_PER_1000 370400 2019: computed 3.0453 vs published 3.4907 (differs by -12.8 %)",
    ]
    evaluations = [e.event_specific_data for e in warehouse["result"].all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION"
                   and e.event_specific_data.check_name.startswith("published_value_agrees")]
    assert [(e.passed, e.severity) for e in evaluations] == [(False, dg.AssetCheckSeverity.WARN)]
    assert evaluations[0].metadata["dagster_dbt/failed_row_count"].value == 5
