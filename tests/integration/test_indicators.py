"""Indicators on the bundled SAMPLE DATA: hand-computed values, missing inputs, feed wiring.

Every expected value below is worked out from the numbers in sources/data/<feed>/*.csv
(the arithmetic is in the comment), never from the SQL under test.
"""

from __future__ import annotations

import csv

import pytest
import yaml

from dagster_project import settings
from tests.conftest import duck

REPO = settings.PROJECT_ROOT
BAOTOU, RARE_EARTH_ZONE, SHANTING, YUHANG = "150200", "150271", "370406", "330110"

# (indicator, region, year, numerator, denominator, value), arithmetic from the bundled CSVs.
HAND_COMPUTED = [
    # Per-capita denominators are int_population's: in 2020 the 七普 census. 包头市: census_city_2010-2020_v1.csv
    # popu_2020 2,709,378 (the population_by_age feed's 2,709,493 is not used); 山亭区: census_county_2010_2020.csv
    # 370406 2020 常住人口 406,722 (feed: 406,327).
    # healthcare_resources 包头市 2020: 701 GPs / 2,709,378 × 10,000 = 2.587309…
    ("HC24", BAOTOU, 2020, 701, 2_709_378, 2.587309),
    # 山亭区 2020: 2,437 beds / 406,722 residents × 1,000 = 5.991807…
    ("HC26", SHANTING, 2020, 2_437, 406_722, 5.991807),
    # 包头市 2015, between the censuses: 2,650,364 + (2,709,378 − 2,650,364) × 5 / 10 = 2,679,871;
    # 13,646 beds / 2,679,871 × 1,000 = 5.092036… (the population feed starts in 2016)
    ("HC26", BAOTOU, 2015, 13_646, 2_679_871, 5.092036),
    # 包头市 2020, the four types HC27 names (TCM / all): 社区卫生服务中心 31/32, 站 63/70, 乡镇卫生院 35/36,
    # 村卫生室 368/536 → 497 / 674 × 100 = 73.738872… (门诊部 and 诊所 of the 1,882 institutions stay out)
    ("HC27", BAOTOU, 2020, 497, 674, 73.738872),
    # fiscal_expenditure 包头市 2020 (万元): 275,273.21 / 3,668,318.73 × 100 = 7.504070…
    ("HC28", BAOTOU, 2020, 275_273.21, 3_668_318.73, 7.504070),
    # maternal_child_health 包头市 2020: 110 infant deaths / 21,367 live births × 1,000 = 5.148126…
    ("HC30", BAOTOU, 2020, 110, 21_367, 5.148126),
    # 山亭区 2020: 0 maternal deaths / 3,205 live births: a real zero is kept (0 per 100,000).
    ("HC32", SHANTING, 2020, 0, 3_205, 0.0),
    # urban_construction 包头市 2020: 802 public toilets / 193.01 km² built-up area = 4.155225…
    ("HC06", BAOTOU, 2020, 802, 193.01, 4.155225),
    # 公园绿地 2,540.26 公顷 = 25,402,600 m²; 城区人口 167.99 万 + 暂住 20.05 万 = 1,679,900 + 200,500
    # = 1,880,400 persons; 25,402,600 / 1,880,400 = 13.509147… m² per person.
    ("HC08", BAOTOU, 2020, 25_402_600, 1_880_400, 13.509147),
    # 59.33 万吨 of 60.31 万吨 treated harmlessly: 593,300 / 603,100 × 100 = 98.375062…
    ("HC05", BAOTOU, 2020, 593_300, 603_100, 98.375062),
    # 12,559.62 of 13,363.51 万m³ treated centrally: 125,596,200 / 133,635,100 × 100 = 93.984439…
    ("X_SEWAGE_TREATMENT_RATE", BAOTOU, 2020, 125_596_200, 133_635_100, 93.984439),
    # disease_control 包头市 2020: 4,951 class A/B cases / 2,709,378 residents × 100,000 = 182.735668…
    ("HC34", BAOTOU, 2020, 4_951, 2_709_378, 182.735668),
    # 山亭区 2020: 1,657 of 1,887 registered patients managed to standard: × 100 = 87.811341…
    ("HC21", SHANTING, 2020, 1_657, 1_887, 87.811341),
    # 包头市 2020: 8,106 physicians / 2,709,378 × 1,000 = 2.991830…; nurses 8,440 / 8,106 = 1.041204…
    ("X_DOCTORS_PER_1000", BAOTOU, 2020, 8_106, 2_709_378, 2.991830),
    ("X_DOCTOR_NURSE_RATIO", BAOTOU, 2020, 8_440, 8_106, 1.041204),
    # sports 包头市 2020: 1,221 of 1,344 tested residents pass: × 100 = 90.848214…
    ("HC33", BAOTOU, 2020, 1_221, 1_344, 90.848214),
]


@pytest.mark.parametrize(("code", "region", "year", "numerator", "denominator", "value"), HAND_COMPUTED,
                         ids=[f"{c}-{r}-{y}" for c, r, y, *_ in HAND_COMPUTED])
def test_indicator_equals_hand_computed_value(warehouse, code, region, year, numerator, denominator, value):
    with duck(warehouse["warehouse"]) as con:
        row = con.execute(
            "select numerator, denominator, value from marts.fct_indicator_value "
            "where indicator_code = ? and region_code = ? and year = ?", [code, region, year]).fetchone()
    assert row is not None, f"no {code} value for {region} {year}"
    assert row[0] == pytest.approx(numerator, rel=1e-9)
    assert row[1] == pytest.approx(denominator, rel=1e-9)
    assert row[2] == pytest.approx(value, abs=1e-6)


def _value_exists(con, code: str, region: str, year: int) -> bool:
    return con.execute(
        "select count(*) from marts.fct_indicator_value where indicator_code = ? and region_code = ? and year = ?",
        [code, region, year]).fetchone()[0] == 1


def test_a_missing_input_gives_no_row_never_a_zero(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # healthcare_resources 稀土高新区 2019 publishes 全科医生数 as "—": no HC24, but HC26 from the same row.
        assert not _value_exists(con, "HC24", RARE_EARTH_ZONE, 2019)
        assert _value_exists(con, "HC26", RARE_EARTH_ZONE, 2019)
        # maternal_child_health 山亭区 2015: 孕产妇死亡数 "—" -> no HC32; HC30 from the same row is there.
        assert not _value_exists(con, "HC32", SHANTING, 2015)
        assert _value_exists(con, "HC30", SHANTING, 2015)
        # urban_construction 稀土高新区 2021: 公园绿地面积 "—" -> no HC08.
        assert not _value_exists(con, "HC08", RARE_EARTH_ZONE, 2021)
        # Per-capita rates divide by int_population: census 2010 and 2020, the straight line between.
        # 稀土高新区 is in neither the 2010 census nor (before 2016) the population feed: no HC26 in 2015,
        # while 包头市 has one (HAND_COMPUTED above).
        assert not _value_exists(con, "HC26", RARE_EARTH_ZONE, 2015)
        # 余杭区 has no population feed row at all: its per-capita rates exist in the census years and
        # between them (2015-2020 of healthcare_resources), none after 2020 (nothing is extrapolated).
        assert con.execute("select year from marts.fct_indicator_value where indicator_code = 'HC24' "
                           "and region_code = ? order by year", [YUHANG]).fetchall() == [
            (y,) for y in range(2015, 2021)]
        assert _value_exists(con, "HC27", YUHANG, 2020)
        # No computed value anywhere is a zero standing in for a missing denominator (a published
        # value has no counts: value_source 'published', tests/integration/test_published_values.py).
        assert con.execute("select count(*) from marts.fct_indicator_value where value is null or "
                           "(value_source = 'computed' and (denominator is null or denominator = 0))").fetchone()[0] == 0


def test_every_computed_indicator_in_dim_indicator_has_values(warehouse):
    with duck(warehouse["warehouse"]) as con:
        computed = {r[0] for r in con.execute(
            "select indicator_code from reference.dim_indicator where status = 'computed'").fetchall()}
        with_values = {r[0] for r in con.execute(
            "select distinct indicator_code from marts.fct_indicator_value").fetchall()}
        planned = {r[0] for r in con.execute(
            "select indicator_code from reference.dim_indicator where status = 'planned'").fetchall()}
        national = con.execute("select count(*) from reference.dim_indicator where is_national_2018").fetchone()[0]
    assert national == 42
    assert computed - with_values == set()
    assert with_values - computed - planned == set(), "a model computes an indicator dim_indicator calls not computed"


def _feed_names() -> set[str]:
    return {p.stem for p in (REPO / "sources" / "feeds").glob("*.yml")}


# Known gaps, reported to the feed's owner: remove the entry when its source is declared
# (the test fails if a listed feed gains a source, so this list cannot go stale silently).
FEEDS_KNOWN_WITHOUT_DBT_SOURCE: dict[str, str] = {}


def test_every_feed_yaml_has_a_dbt_source_entry():
    sources = yaml.safe_load((REPO / "dbt" / "models" / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    raw = next(s for s in sources["sources"] if s["name"] == "raw")
    tables = {t["name"] for t in raw["tables"]}
    known = set(FEEDS_KNOWN_WITHOUT_DBT_SOURCE) & _feed_names()
    assert _feed_names() - tables - known == set()
    assert known & tables == set(), "declared now: remove it from FEEDS_KNOWN_WITHOUT_DBT_SOURCE"


def test_every_indicator_feed_has_a_raw_suite_a_staging_model_and_sample_label():
    from scripts.generate_sample_feeds import FEEDS

    for feed in FEEDS:
        assert (REPO / "expectations" / f"raw_{feed}.json").exists(), feed
        assert (REPO / "dbt" / "models" / "staging" / f"stg_{feed}.sql").exists(), feed
        declaration = yaml.safe_load((REPO / "sources" / "feeds" / f"{feed}.yml").read_text(encoding="utf-8"))
        assert declaration["sample_data"] is True, feed


def test_indicator_feed_suites_ran_and_passed(warehouse):
    from scripts.generate_sample_feeds import FEEDS

    evaluations = [e.event_specific_data for e in warehouse["result"].all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    outcome = {e.check_name: e.passed for e in evaluations}
    assert {f"raw_{feed}_gx": True for feed in FEEDS}.items() <= outcome.items()


def test_sample_csv_numbers_used_above_are_the_bundled_ones():
    # Guards the hand computation: the CSV row it starts from is really in the bundled file.
    path = REPO / "sources" / "data" / "healthcare_resources" / "healthcare_resources_2015_2024.csv"
    with path.open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["行政区划代码"] == BAOTOU and r["年份"] == "2020")
    assert row["全科医生数(人)"] == "701"
    assert row["执业(助理)医师数(人)"] == "8106"


def test_bundled_sample_values_are_within_plausible_bounds(warehouse):
    # The sample data is meant to be plausible: no value outside dim_indicator's soft bounds
    # (fct_indicator_value_gx would WARN on it).
    with duck(warehouse["warehouse"]) as con:
        outside = con.execute(
            "select f.indicator_code, f.region_code, f.year, f.value from marts.fct_indicator_value f "
            "join reference.dim_indicator d using (indicator_code) "
            "where d.source_feeds not like '%air_quality%' and d.indicator_code <> 'HC17' "
            "and (f.value < d.soft_min or f.value > d.soft_max)").fetchall()
    assert outside == []
