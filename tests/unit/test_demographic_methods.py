"""Life table (HC29), 30-70 NCD probability (HC35) and direct age standardisation (HC37) against
PUBLISHED worked examples: each dbt model's own SQL, rendered with its ref()s pointing at tables
that hold the published inputs, runs on an in-memory DuckDB; the outputs are compared with the
printed outputs.

Sources:
- Preston, Heuveline & Guillot (2001), Demography: Measuring and Modeling Population Processes,
  the worked abridged life table on p. 49, Austria, males, 1992 (data: United Nations 1994). Inputs
  (deaths, population, nax) and outputs (lx, nLx) as printed, transcribed in
  ihmeuw-demographics/demCore data-raw/austria_1992_lt.R; ex = Tx / lx from the printed columns.
- Coale-Demeny a0 and 4a1 rule: the same book, Table 3.3 (the printed a0 = 0.068 and 4a1 = 1.626 of
  the p. 49 table come from it).
- Direct standardisation: stomach cancer, Denmark, males 1988-92, Segi world standard population,
  ASR 9.03 per 100,000 (table "Computation of age-standardized incidence rates", CAPP, WHO
  Collaborating Centre, Malmö University: www.mah.se/CAPP/Methods-and-Indices/Calculation-of-Incidence-Rate-of-Cancer/).
- Standard error of ex (Chiang's variance with the open interval's term of Silcocks et al. 2001):
  the PHE life expectancy calculator's worked area as fixed in the tests of the PHEindicatormethods R
  package (UK Health Security Agency, tests/testthat/testdata_LifeExpectancy.R: df1 and answer1,
  e_x and its 95 % confidence limits for every age, 0, 1-4, ..., 85-89, 90+).
- China 2000 standard population (中标率): no worked example with printed inputs was found; the
  standardisation on it is checked by hand, the seed against the census total.
- SDG 3.4.1 formula (5qx = 5·5Mx / (1 + 2.5·5Mx), 30q70 = 1 - Π(1 - 5qx)): WHO Global Monitoring
  Framework indicator definitions (2014) and the SDG metadata 03-04-01. No published worked example
  with its printed inputs was found, so the method is checked against the published Austria life
  table (the probability of dying 30-70 is 1 - l70 / l30 there) and against hand arithmetic.
"""

from __future__ import annotations

import csv
import math
from types import SimpleNamespace

import duckdb
import jinja2
import pandas as pd
import pytest

from dagster_project import settings

MODELS = settings.DBT_PROJECT_DIR / "models" / "intermediate"
SEEDS = settings.DBT_PROJECT_DIR / "seeds"
MACROS = settings.DBT_PROJECT_DIR / "macros"
# The project macros the rendered models call (plain Jinja: the macro file is put before the model).
MODEL_MACROS = ["sex_age_counts.sql"]

AGE_GROUPS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 85, 5)] + ["85+"]
AGE_START = [0, 1] + list(range(5, 90, 5))
AGE_WIDTH = [1, 4] + [5] * 16 + [None]

# Preston et al. 2001, p. 49: Austria, males, 1992.
AUSTRIA_POPULATION = [47925, 189127, 234793, 238790, 254996, 326831, 355086, 324222, 269963, 261971,
                      238011, 261612, 181385, 187962, 153832, 105169, 73694, 57512, 32248]
AUSTRIA_DEATHS = [419, 70, 36, 46, 249, 420, 403, 441, 508, 769, 1154, 1866, 2043, 3496, 4366, 4337,
                  5279, 6460, 6146]
AUSTRIA_AX = [0.068, 1.626, 2.5, 3.143, 2.724, 2.520, 2.481, 2.601, 2.701, 2.663, 2.698, 2.676, 2.645,
              2.624, 2.619, 2.593, 2.518, 2.423, 5.247]
AUSTRIA_LX = [100000, 99133, 98986, 98910, 98815, 98334, 97704, 97151, 96492, 95588, 94195, 91937,
              88711, 83845, 76377, 66225, 53803, 37441, 21134]
AUSTRIA_NLX = [99192, 396183, 494741, 494375, 492980, 490106, 487127, 484175, 480384, 474686, 465777,
               452188, 432096, 401480, 357713, 301224, 228404, 145182, 110889]


def run_model(model: str, tables: dict[str, pd.DataFrame], variables: dict | None = None) -> pd.DataFrame:
    """The model's SQL with ref('x') -> table x (loaded from `tables` or the seed CSV) on DuckDB."""
    con = duckdb.connect()
    for name, frame in tables.items():
        con.register(f"{name}_frame", frame)
        con.execute(f"create table {name} as select * from {name}_frame")

    def ref(name: str) -> str:
        if name not in tables:
            con.execute(f"create table if not exists {name} as select * from read_csv('{SEEDS / (name + '.csv')}')")
        return name

    def var(name: str, default=None):
        return (variables or {}).get(name, default)

    def raise_compiler_error(message: str):
        raise ValueError(message)

    source = "".join((MACROS / m).read_text(encoding="utf-8") for m in MODEL_MACROS)
    source += (MODELS / f"{model}.sql").read_text(encoding="utf-8")
    sql = jinja2.Environment().from_string(source).render(
        ref=ref, var=var, exceptions=SimpleNamespace(raise_compiler_error=raise_compiler_error))
    return con.execute(sql).df()


def _austria_input() -> pd.DataFrame:
    return pd.DataFrame({
        "region_code": "AT", "year": 1992, "sex": "male", "age_group": AGE_GROUPS, "age_start": AGE_START,
        "age_width": pd.array(AGE_WIDTH, dtype="Int64"),
        "deaths": [float(d) for d in AUSTRIA_DEATHS], "population": [float(p) for p in AUSTRIA_POPULATION],
        "mx": [d / p for d, p in zip(AUSTRIA_DEATHS, AUSTRIA_POPULATION)], "ax": AUSTRIA_AX,
        "input_load_ids": "L1",
    })


def test_life_table_reproduces_preston_p49_austria_males_1992():
    table = run_model("int_life_table", {"int_life_table_input": _austria_input()}).sort_values("age_start")
    printed_tx = [sum(AUSTRIA_NLX[i:]) for i in range(19)]
    printed_ex = [t / lx for t, lx in zip(printed_tx, AUSTRIA_LX)]
    # The printed e0 is 72.889 (T0 7,288,943 / 100,000).
    assert printed_ex[0] == pytest.approx(72.889, abs=0.001)
    for row, lx, nlx, ex in zip(table.itertuples(), AUSTRIA_LX, AUSTRIA_NLX, printed_ex):
        assert abs(row.lx - lx) <= 1.5, (row.age_group, row.lx, lx)      # printed to the person
        assert abs(row.nlx - nlx) <= 3, (row.age_group, row.nlx, nlx)
        assert abs(row.ex - ex) < 0.05, (row.age_group, row.ex, ex)      # every ex within 0.05 years
    assert table["nqx"].iloc[-1] == 1.0
    assert not table["is_unstable"].any()


def test_life_table_flags_a_small_population():
    # The same rates in a population of 1/100 the size (~30,000 people, ~390 deaths): e0 unchanged,
    # but fewer deaths than the declared minimum of 500.
    small = _austria_input().assign(deaths=lambda f: f.deaths / 100, population=lambda f: f.population / 100)
    table = run_model("int_life_table", {"int_life_table_input": small})
    assert table.loc[table.age_start == 0, "ex"].item() == pytest.approx(72.89, abs=0.05)
    assert table["is_unstable"].all()
    assert set(table["unstable_reason"]) == {"fewer than 500 deaths"}


def _staging(sex: str, counts: list[int], column: str, extra: dict | None = None) -> pd.DataFrame:
    return pd.DataFrame({"region_code": "AT", "year": 1992, "sex": sex, "age_group": AGE_GROUPS,
                         column: counts, "load_id": "L1", **(extra or {})})


def test_coale_demeny_rule_gives_the_printed_a0_and_4a1():
    inputs = run_model("int_life_table_input", {
        "stg_deaths_by_cause": _staging("male", AUSTRIA_DEATHS, "deaths", {"cause_code": "A00-Y89"}),
        "stg_population_by_sex_age": _staging("male", AUSTRIA_POPULATION, "population"),
    }).set_index("age_group")
    # 1m0 = 419 / 47925 = 0.0087428; a0 = 0.045 + 2.684 × 0.0087428 = 0.06847 (printed 0.068);
    # 4a1 = 1.651 - 2.816 × 0.0087428 = 1.62638 (printed 1.626); a85+ = 1 / M85+ = 32248 / 6146 = 5.247.
    assert inputs.loc["0", "ax"] == pytest.approx(0.068, abs=0.0005)
    assert inputs.loc["1-4", "ax"] == pytest.approx(1.626, abs=0.0005)
    assert inputs.loc["85+", "ax"] == pytest.approx(5.247, abs=0.0005)
    assert inputs.loc["40-44", "ax"] == 2.5
    # Only one sex: no total table (both sexes are needed for it).
    assert set(inputs["sex"]) == {"male"}


def test_life_table_input_needs_every_age_group():
    deaths = _staging("male", AUSTRIA_DEATHS, "deaths", {"cause_code": "A00-Y89"})
    population = _staging("male", AUSTRIA_POPULATION, "population")
    inputs = run_model("int_life_table_input", {"stg_deaths_by_cause": deaths,
                                                "stg_population_by_sex_age": population[population.age_group != "50-54"]})
    assert inputs.empty


def _ncd_deaths(deaths_by_age: list[float]) -> pd.DataFrame:
    frames = [_staging("male", deaths_by_age if cause == "I00-I99" else [0] * 19, "deaths", {"cause_code": cause})
              for cause in ["I00-I99", "C00-C97", "J30-J98", "E10-E14"]]
    return pd.concat(frames, ignore_index=True)


def test_30_70_probability_matches_the_published_life_table():
    # All Austrian deaths 1992 put in one NCD group: the SDG 3.4.1 product over 30-34 ... 65-69 is
    # the life table's probability of dying 30-70, 1 - l70 / l30 = 1 - 66225 / 97151 = 0.318329 in
    # the printed table (which uses graduated nax of 2.42-2.70 years instead of WHO's 2.5).
    result = run_model("int_ncd_probability_30_70", {
        "stg_deaths_by_cause": _ncd_deaths(AUSTRIA_DEATHS),
        "stg_population_by_sex_age": _staging("male", AUSTRIA_POPULATION, "population"),
    })
    assert len(result) == 1
    assert result["probability_30_70"].item() == pytest.approx(1 - 66225 / 97151, abs=0.001)


def test_30_70_probability_by_hand():
    # 5Mx = 0.01 in every group 30-34 ... 65-69 (deaths 100 of 10,000): 5qx = 0.05 / 1.025 =
    # 0.0487805; 1 - (1 - 0.0487805)^8 = 1 - 0.9512195^8 = 1 - exp(8 × ln 0.9512195)
    # = 1 - exp(8 × -0.0500104) = 1 - 0.670264 = 0.329736.
    # Deaths outside 30-69 do not count.
    deaths = [500 if a < 30 or a >= 70 else 100 for a in AGE_START]
    result = run_model("int_ncd_probability_30_70", {
        "stg_deaths_by_cause": _ncd_deaths(deaths),
        "stg_population_by_sex_age": _staging("male", [10_000] * 19, "population"),
    })
    assert result["probability_30_70"].item() == pytest.approx(1 - (1 - 0.05 / 1.025) ** 8, abs=1e-12)
    assert result["probability_30_70"].item() == pytest.approx(0.329736, abs=1e-6)
    assert result["ncd_deaths_30_69"].item() == 800


# CAPP (Malmö), stomach cancer, Denmark, males 1988-92: cases and person-years by 5-year group
# (0-4 ... 85+); the age-standardised rate (Segi world standard) is printed as 9.03 per 100,000.
DENMARK_CASES = [0, 0, 0, 1, 2, 6, 4, 16, 34, 76, 97, 150, 187, 302, 315, 309, 247, 152]
DENMARK_PERSON_YEARS = [749800, 695500, 808900, 931100, 1017500, 1032700, 955800, 946500, 1025500,
                        926900, 718900, 626800, 590800, 553100, 449900, 337200, 196200, 115700]


def test_direct_standardisation_reproduces_the_published_asr():
    # The feed has 0 and 1-4; the standard has 0-4: split the 0-4 person-years 1:4 (the model pools them).
    cases = [0, 0] + DENMARK_CASES[1:]
    person_years = [149960, 599840] + DENMARK_PERSON_YEARS[1:]
    result = run_model("int_cancer_incidence_asr", {
        "stg_cancer_incidence": _staging("male", cases, "new_cases"),
        "stg_population_by_sex_age": _staging("male", person_years, "population"),
    })
    male = result[result.sex == "male"]
    assert male["asr_per_100k"].item() == pytest.approx(9.03, abs=0.01)
    assert male["new_cases"].item() == 1898
    # Crude rate 1,898 / 12,678,800 person-years × 100,000 = 14.97 (older than the world standard).
    assert male["crude_rate_per_100k"].item() == pytest.approx(14.97, abs=0.01)


def test_the_default_standard_is_segi_and_can_be_named():
    cases = [0, 0] + DENMARK_CASES[1:]
    person_years = [149960, 599840] + DENMARK_PERSON_YEARS[1:]
    tables = {"stg_cancer_incidence": _staging("male", cases, "new_cases"),
              "stg_population_by_sex_age": _staging("male", person_years, "population")}
    named = run_model("int_cancer_incidence_asr", tables, {"hc37_standard_population": "segi_world"})
    assert named["asr_per_100k"].item() == pytest.approx(9.03, abs=0.01)
    assert set(named["standard_population"]) == {"segi_world"}


def test_direct_standardisation_on_the_china_2000_standard_by_hand():
    # 100,000 people in each of the 19 groups; 50 cases aged 0 and 100 aged 85+, none elsewhere.
    # China 2000 (19 groups, 0 and 1-4 apart): ASR = (50/100,000 × 13,793,799 + 100/100,000 × 4,001,925)
    #   / 1,242,612,226 × 100,000 = (689,689,950 + 400,192,500) / 1,242,612,226 = 0.877090 per 100,000.
    # Segi world (0 and 1-4 pooled into 0-4: 50 / 200,000): ASR = (25 × 12,000 + 100 × 500) / 100,000 = 3.5.
    cases = [50] + [0] * 17 + [100]
    tables = {"stg_cancer_incidence": _staging("male", cases, "new_cases"),
              "stg_population_by_sex_age": _staging("male", [100_000] * 19, "population")}
    china = run_model("int_cancer_incidence_asr", tables, {"hc37_standard_population": "china_2000"})
    assert china["asr_per_100k"].item() == pytest.approx(1_089_882_450 / 1_242_612_226, abs=1e-9)
    assert china["asr_per_100k"].item() == pytest.approx(0.877090, abs=1e-6)
    assert set(china["standard_population"]) == {"china_2000"}
    assert run_model("int_cancer_incidence_asr", tables)["asr_per_100k"].item() == pytest.approx(3.5, abs=1e-9)
    # The crude rate does not depend on the standard: 150 / 1,900,000 × 100,000 = 7.894737.
    assert china["crude_rate_per_100k"].item() == pytest.approx(150 / 19, abs=1e-9)
    # Every one of the 19 groups is needed with China's standard: without 1-4 there is no row.
    population = tables["stg_population_by_sex_age"]
    partial = {**tables, "stg_population_by_sex_age": population[population.age_group != "1-4"]}
    assert run_model("int_cancer_incidence_asr", partial, {"hc37_standard_population": "china_2000"}).empty


def test_an_unknown_standard_population_is_refused():
    tables = {"stg_cancer_incidence": _staging("male", [1] * 19, "new_cases"),
              "stg_population_by_sex_age": _staging("male", [100] * 19, "population")}
    with pytest.raises(ValueError, match="hc37_standard_population is 'who_2000'"):
        run_model("int_cancer_incidence_asr", tables, {"hc37_standard_population": "who_2000"})


def test_the_china_2000_seed_adds_up_to_the_census():
    with (SEEDS / "standard_population_china_2000.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["standard_age_group"] for r in rows] == AGE_GROUPS
    # 第五次全国人口普查 (2000), the 31 provinces: 1,242,612,226 persons, 13,793,799 of them aged 0.
    assert sum(int(r["standard_population"]) for r in rows) == 1_242_612_226
    assert int(rows[0]["standard_population"]) == 13_793_799


# PHE life expectancy calculator, as fixed in the PHEindicatormethods tests (testdata_LifeExpectancy.R,
# df1 and answer1): deaths and population by age 0, 1-4, 5-9, ..., 85-89, 90+ (open) and the printed
# e_x with 95 % confidence limits, to 8 decimals. The calculator's a: 0.1 for age 0, 0.5 elsewhere.
PHE_POPULATION = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416,
                  46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]
PHE_DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]
PHE_EX = [80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088, 55.78835987,
          50.92752727, 46.06740425, 41.24505636, 36.49322717, 31.83343842, 27.26027992, 22.9719144,
          18.76856852, 14.95858336, 11.51684445, 8.618849241, 6.163942934, 6.16210635]
PHE_LOWER = [79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577, 55.53801579,
             50.68279939, 45.82666794, 41.00842831, 36.26223216, 31.60996318, 27.04337271, 22.76653134,
             18.57570352, 14.77985004, 11.34831778, 8.451134045, 5.978358351, 5.887683386]
PHE_UPPER = [80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436, 56.03870395,
             51.17225516, 46.30814055, 41.48168441, 36.72422219, 32.05691365, 27.47718713, 23.17729746,
             18.96143352, 15.13731667, 11.68537112, 8.786564437, 6.349527517, 6.436529314]


def test_life_expectancy_standard_error_reproduces_the_phe_calculator():
    starts = [0, 1] + list(range(5, 95, 5))
    widths = [1, 4] + [5] * 17 + [None]
    table_input = pd.DataFrame({
        "region_code": "PHE", "year": 2020, "sex": "total", "age_group": [str(a) for a in starts],
        "age_start": starts, "age_width": pd.array(widths, dtype="Int64"),
        "deaths": [float(d) for d in PHE_DEATHS], "population": [float(p) for p in PHE_POPULATION],
        "mx": [d / p for d, p in zip(PHE_DEATHS, PHE_POPULATION)],
        "ax": [0.1] + [0.5 * w for w in widths[1:-1]] + [0.0],     # open group: L = l / M, ax unused
        "input_load_ids": "L1",
    })
    table = run_model("int_life_table", {"int_life_table_input": table_input}).sort_values("age_start")
    for row, ex, lower, upper in zip(table.itertuples(), PHE_EX, PHE_LOWER, PHE_UPPER):
        assert row.ex == pytest.approx(ex, abs=1e-7), row.age_group
        # The printed limits are e_x ± 1.96 SE (the calculator's z): the SE they imply is ours.
        assert row.ex_se == pytest.approx((upper - lower) / (2 * 1.96), abs=1e-7), row.age_group
        # Our limits use z = 1.959964: they differ from the printed ones by ~5e-6 years only.
        assert row.ex_lower_95 == pytest.approx(lower, abs=1e-5), row.age_group
        assert row.ex_upper_95 == pytest.approx(upper, abs=1e-5), row.age_group
    # e0 = 80.17 years, SE 0.146 (95 % CI 79.88-80.46) for a population of 788,000 with 9,357 deaths.
    assert table["ex_se"].iloc[0] == pytest.approx(0.1464, abs=1e-4)


def test_life_expectancy_standard_error_of_the_open_interval_by_hand():
    # A table that is one open interval from age 0: 100 deaths among 1,000 people, M = 0.1, e0 = 1 / M
    # = 10 years. Var(e0) = l0² / (D · M²) / l0² = 1 / (100 × 0.01) = 1, so SE = 1 and the 95 % CI is
    # 10 ± 1.959964 = 8.040036 to 11.959964. (Chiang's variance alone, without this term, would be 0.)
    table_input = pd.DataFrame({
        "region_code": "R", "year": 2020, "sex": "total", "age_group": ["0+"], "age_start": [0],
        "age_width": pd.array([None], dtype="Int64"), "deaths": [100.0], "population": [1000.0],
        "mx": [0.1], "ax": [10.0], "input_load_ids": "L1"})
    row = run_model("int_life_table", {"int_life_table_input": table_input}).iloc[0]
    assert row["ex"] == pytest.approx(10.0, abs=1e-12)
    assert row["ex_se"] == pytest.approx(1.0, abs=1e-12)
    assert (row["ex_lower_95"], row["ex_upper_95"]) == pytest.approx((8.040036, 11.959964), abs=1e-6)


def test_the_standard_population_seed_is_segi_world():
    with (SEEDS / "standard_population_segi.csv").open(encoding="utf-8") as fh:
        weights = [int(r["standard_population"]) for r in csv.DictReader(fh)]
    assert weights == [12000, 10000, 9000, 9000, 8000, 8000, 6000, 6000, 6000, 6000, 5000, 4000, 4000,
                       3000, 2000, 1000, 500, 500]
    assert sum(weights) == 100_000


def test_hc37_change_against_the_previous_year_or_a_base_year():
    asr = pd.DataFrame({"region_code": "R", "year": [2019, 2020, 2021], "sex": "total",
                        "asr_per_100k": [200.0, 210.0, 189.0], "input_load_ids": ["a", "b", "c"]})
    previous = run_model("int_indicator_hc37", {"int_cancer_incidence_asr": asr}).set_index("year")
    # 2020: (210 - 200) / 200 × 100 = 5.0; 2021: (189 - 210) / 210 × 100 = -10.0; 2019 has no 2018.
    assert previous["value"].to_dict() == pytest.approx({2020: 5.0, 2021: -10.0})
    base = run_model("int_indicator_hc37", {"int_cancer_incidence_asr": asr},
                     {"hc37_reference_year": 2019}).set_index("year")
    # 2021 against 2019: (189 - 200) / 200 × 100 = -5.5.
    assert base["value"].to_dict() == pytest.approx({2020: 5.0, 2021: -5.5})
    assert math.isclose(base.loc[2021, "denominator"], 200.0)
