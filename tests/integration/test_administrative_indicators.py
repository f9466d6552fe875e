"""The administrative indicators (爱卫办, 医保局, 职业健康, 市场监管局, 慢病监测, 宣传部, 文明办) on the bundled
SAMPLE DATA, read from the one session warehouse.

Every expected value is worked out by hand from the rows of sources/data/<feed>/*.csv and the bundled
census (arithmetic in the comments), never from the SQL under test.
"""

from __future__ import annotations

import pytest

from tests.conftest import duck

BAOTOU, RARE_EARTH_ZONE = "150200", "150271"
# int_population, 包头市: census_city 2020 = 2,709,378; 2015 = (2,650,364 + 2,709,378) / 2 = 2,679,871.
BAOTOU_2020_CENSUS, BAOTOU_2015_INTERPOLATED = 2_709_378, 2_679_871

# (indicator, region, year, numerator, denominator, value)
HAND_COMPUTED = [
    # patriotic_health 包头市 2015: 鼠 不达标, 蚊 B, 蝇 不达标, 蟑螂 B -> 2 of 4 at C or better = 50 %.
    ("HC09", BAOTOU, 2015, 2, 4, 50.0),
    # 稀土高新区 2020: A, 不达标, C, B -> 3 / 4 × 100 = 75 %.
    ("HC09", RARE_EARTH_ZONE, 2020, 3, 4, 75.0),
    # 包头市 2020: 1 国家卫生县城 of 5 县城 + 3 国家卫生乡镇 of 41 乡镇 = 4 / 46 × 100 = 8.695652…
    ("HC10", BAOTOU, 2020, 4, 46, 8.695652),
    # 稀土高新区 2020: no 县城, 0 of 1 乡镇 titled: a real 0 %.
    ("HC10", RARE_EARTH_ZONE, 2020, 0, 1, 0.0),
    # medical_insurance 包头市 2020 (万元): 219,726.77 / 333,637.22 × 100 = 65.857991…
    ("HC11", BAOTOU, 2020, 219_726.77, 333_637.22, 65.857991),
    # occupational_health 包头市 2020: 47,951 examined of 54,374 due: × 100 = 88.187369…
    ("HC14", BAOTOU, 2020, 47_951, 54_374, 88.187369),
    # food_sampling 包头市 2020: 14,234 batches / 2,709,378 (census 2020) × 1,000 = 5.253604…
    ("HC15", BAOTOU, 2020, 14_234, BAOTOU_2020_CENSUS, 5.253604),
    # 2015 (before the population feed starts): 8,330 / 2,679,871 (interpolated) × 1,000 = 3.108359…
    ("HC15", BAOTOU, 2015, 8_330, BAOTOU_2015_INTERPOLATED, 3.108359),
    # patriotic_health 包头市 2020: 58 of 280 communities, 138 of 602 schools, 90 of 903 enterprises.
    ("HC18", BAOTOU, 2020, 58, 280, 20.714286),
    ("HC19", BAOTOU, 2020, 138, 602, 22.923588),
    ("HC20", BAOTOU, 2020, 90, 903, 9.966777),
    # media_health 包头市 2020: 10 outlets, 8 with a column, 6 regular; 21 accounts, 13 with a column.
    # Rubric 50/30/20: 50 × 8/10 + 30 × 6/10 + 20 × 13/21 = 40 + 18 + 12.380952 = 70.380952 of 100.
    ("HC41", BAOTOU, 2020, 70.380952, 100, 70.380952),
    # volunteers 包头市 2020: 353,818 / 2,709,378 × 100 = 13.059012…
    ("HC42", BAOTOU, 2020, 353_818, BAOTOU_2020_CENSUS, 13.059012),
    # healthcare_resources 包头市 2020, the four HC27 types (TCM of all): 社区卫生服务中心 31/32, 站 63/70,
    # 乡镇卫生院 35/36, 村卫生室 368/536 = 497 / 674 × 100 = 73.738872… (not 1,504 / 1,882 of every clinic)
    ("HC27", BAOTOU, 2020, 497, 674, 73.738872),
    # pension_beds 包头市 2020: 26,458 institution + 7,107 community beds = 33,565 / 547,023.4182 aged 60+
    # (2020 census: 2,709,378 × 20.19 / 100) × 1,000 = 61.359347… (institution beds alone: 48.367216)
    ("HC17", BAOTOU, 2020, 33_565, 547_023.4182, 61.359347),
]


@pytest.mark.parametrize(("code", "region", "year", "numerator", "denominator", "value"), HAND_COMPUTED,
                         ids=[f"{c}-{r}-{y}" for c, r, y, *_ in HAND_COMPUTED])
def test_indicator_equals_hand_computed_value(warehouse, code, region, year, numerator, denominator, value):
    with duck(warehouse["warehouse"]) as con:
        row = con.execute(
            "select numerator, denominator, value, value_source from marts.fct_indicator_value "
            "where indicator_code = ? and region_code = ? and year = ?", [code, region, year]).fetchone()
    assert row is not None, f"no {code} value for {region} {year}"
    assert row[0] == pytest.approx(numerator, abs=1e-6)
    assert row[1] == pytest.approx(denominator, rel=1e-9)
    assert row[2] == pytest.approx(value, abs=1e-6)
    assert row[3] == "computed"


def test_hypertension_is_the_survey_estimate_with_its_sample_size_and_interval(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # health_surveys 包头市 2018: 10.7 % (n = 2,046; 95 % CI 8.9-12.5), taken as published.
        mart = con.execute("select value, numerator, denominator, value_source from marts.fct_indicator_value "
                           "where indicator_code = 'HC36' and region_code = ? and year = 2018", [BAOTOU]).fetchone()
        detail = con.execute("select value, sample_size, ci_low, ci_high from intermediate.int_indicator_hc36 "
                             "where region_code = ? and year = 2018", [BAOTOU]).fetchone()
        # The survey runs in 2015, 2018, 2021 and 2024; other years are published as "—": no value.
        years = [r[0] for r in con.execute("select distinct year from marts.fct_indicator_value "
                                           "where indicator_code = 'HC36' order by 1").fetchall()]
    assert mart == (pytest.approx(10.7), None, None, "survey_estimate")
    assert detail == (pytest.approx(10.7), 2046, pytest.approx(8.9), pytest.approx(12.5))
    assert years == [2015, 2018, 2021, 2024]


def test_the_healthy_cells_have_values_but_are_not_scored(warehouse):
    with duck(warehouse["warehouse"]) as con:
        scored = dict(con.execute("select indicator_code, is_scored from reference.indicator_weights "
                                  "where indicator_code in ('HC18', 'HC19', 'HC20', 'HC09')").fetchall())
        in_index = {r[0] for r in con.execute("select distinct indicator_code from intermediate.int_index_values "
                                              "where indicator_code in ('HC18', 'HC19', 'HC20', 'HC09')").fetchall()}
    assert scored == {"HC18": False, "HC19": False, "HC20": False, "HC09": True}
    assert in_index == {"HC09"}


def test_the_hc41_rubric_is_declared_with_its_source(warehouse):
    with duck(warehouse["warehouse"]) as con:
        rubric = con.execute("select criterion, points, source_plan, source_quote from reference.hc41_media_rubric "
                             "order by criterion").fetchall()
    assert [(c, p) for c, p, *_ in rubric] == [("M1", 50.0), ("M2", 30.0), ("M3", 20.0)]
    assert all(plan and quote for _, _, plan, quote in rubric)
    assert "各级主流媒体均要设立国家健康城市建设专栏" in rubric[0][3]


def test_no_national_indicator_is_without_a_feed(warehouse):
    with duck(warehouse["warehouse"]) as con:
        no_feed = [r[0] for r in con.execute("select indicator_code from reference.dim_indicator "
                                             "where is_national_2018 and status = 'no_feed' order by 1").fetchall()]
        computed = {r[0] for r in con.execute("select indicator_code from reference.dim_indicator "
                                              "where is_national_2018 and status = 'computed'").fetchall()}
        with_values = {r[0] for r in con.execute("select distinct indicator_code from marts.fct_indicator_value").fetchall()}
    assert no_feed == []
    assert len(computed) == 42
    assert computed - with_values == set()
