"""Health outcomes on the bundled SAMPLE vital statistics (deaths by cause, population by sex and age,
cancer registry): the life tables, HC29, HC35 and HC37 reach the marts with plausible values, and the
three feeds are wired like every other (raw suite, staging model, sample label, suites pass).
The methods themselves are checked against published worked examples in
tests/unit/test_demographic_methods.py."""

from __future__ import annotations

import csv

import yaml

from dagster_project import settings
from scripts import generate_vital_statistics_sample as generator
from tests.conftest import duck

REPO = settings.PROJECT_ROOT
FEEDS = ["population_by_sex_age", "deaths_by_cause", "cancer_incidence"]
SAMPLE_REGIONS = {"150200", "150271", "150400", "370400", "370406"}
AGED_60_PLUS = {"60-64", "65-69", "70-74", "75-79", "80-84", "85+"}


def test_life_tables_of_the_sample_are_plausible(warehouse):
    with duck(warehouse["warehouse"]) as con:
        e0 = con.execute("select region_code, year, sex, ex from marts.fct_life_table where age_start = 0").fetchall()
        unstable = con.execute("select distinct region_code, sex, unstable_reason from marts.fct_life_table "
                               "where is_unstable").fetchall()
        hc29 = {(r, y): v for r, y, v in con.execute(
            "select region_code, year, value from marts.fct_indicator_value where indicator_code = 'HC29'").fetchall()}
    # 5 regions × 9 years × (male, female, total)
    assert len(e0) == 5 * 9 * 3
    assert {r for r, *_ in e0} == SAMPLE_REGIONS
    assert all(70 <= ex <= 85 for *_, ex in e0), [row for row in e0 if not 70 <= row[3] <= 85]
    by_key = {(r, y, s): ex for r, y, s, ex in e0}
    for region, year in {(r, y) for r, y, _s, _e in e0}:
        # Women outlive men; both sexes lie between them; HC29 is the both-sexes e0.
        assert by_key[(region, year, "female")] > by_key[(region, year, "total")] > by_key[(region, year, "male")]
        assert abs(hc29[(region, year)] - by_key[(region, year, "total")]) < 1e-9
    # 稀土高新区 (~170,000 residents) has fewer than 500 deaths a year per sex: flagged; its
    # both-sexes table (about 870 deaths) is not, and the other regions never are.
    assert {(r, s) for r, s, _ in unstable} == {("150271", "male"), ("150271", "female")}
    assert {reason for *_, reason in unstable} == {"fewer than 500 deaths"}


def test_life_expectancy_carries_its_standard_error(warehouse):
    with duck(warehouse["warehouse"]) as con:
        rows = con.execute("select region_code, sex, ex, ex_se, ex_lower_95, ex_upper_95, table_deaths "
                           "from marts.fct_life_table where age_start = 0").fetchall()
    assert len(rows) == 5 * 9 * 3
    for region, sex, ex, se, lower, upper, deaths in rows:
        assert se > 0 and abs((upper - lower) / 2 - 1.959964 * se) < 1e-5, (region, sex)
        assert lower < ex < upper
    by_region = {}
    for region, _sex, _ex, se, *_ in rows:
        by_region.setdefault(region, []).append(se)
    # Sampling error falls with size: the cities (10,000-36,000 deaths a year) have SE(e0) below
    # 0.15 years; 稀土高新区 (a few hundred deaths per sex) at least 0.35.
    assert all(max(by_region[r]) < 0.15 for r in ("150200", "150400", "370400"))
    assert min(by_region["150271"]) > 0.35


def test_hc37_standardises_on_segi_by_default(warehouse):
    with duck(warehouse["warehouse"]) as con:
        standards = con.execute("select distinct standard_population from intermediate.int_cancer_incidence_asr"
                                ).fetchall()
    assert standards == [("segi_world",)]


def test_hc35_and_hc37_of_the_sample_are_plausible(warehouse):
    with duck(warehouse["warehouse"]) as con:
        hc35 = con.execute("select region_code, year, value, numerator, denominator from marts.fct_indicator_value "
                           "where indicator_code = 'HC35'").fetchall()
        hc37 = con.execute("select region_code, year, value from marts.fct_indicator_value "
                           "where indicator_code = 'HC37'").fetchall()
        by_sex = {(r, y, s): p for r, y, s, p in con.execute(
            "select region_code, year, sex, probability_30_70 from intermediate.int_ncd_probability_30_70").fetchall()}
    assert len(hc35) == 5 * 9
    # China's 30-70 NCD probability was about 15-18 % around 2020; the sample lies in 10-18 %.
    assert all(10 <= v <= 18 and d == 100_000 and abs(n / d * 100 - v) < 1e-9 for _r, _y, v, n, d in hc35)
    for region, year, value, *_ in hc35:
        assert by_sex[(region, year, "male")] > value / 100 > by_sex[(region, year, "female")]
    # Year-on-year change: 2017-2024 (2016 has no previous year), within ±20 % (dim_indicator soft bounds).
    assert {y for _r, y, _v in hc37} == set(range(2017, 2025))
    assert len(hc37) == 5 * 8
    assert all(-20 <= v <= 20 for *_, v in hc37)


def test_population_by_sex_and_age_adds_up_to_the_population_feed():
    # The generator spreads population_by_age exactly: per region-year the 38 cells sum to the
    # resident population and the 60+ cells to the 60+ count (both read from the bundled CSVs).
    with (REPO / "sources/data/population_by_age/population_by_age_2016_2024.csv").open(encoding="utf-8") as fh:
        expected = {(r["行政区划代码"], r["年份"]): (int(r["常住人口(人)"]), int(r["60岁及以上人口(人)"]))
                    for r in csv.DictReader(fh)}
    totals: dict = {}
    path = REPO / "sources/data/population_by_sex_age/population_by_sex_age_2016_2024.csv"
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            key = (r["行政区划代码"], r["年份"])
            total, aged = totals.get(key, (0, 0))
            n = int(r["常住人口(人)"])
            totals[key] = (total + n, aged + (n if r["年龄组"] in AGED_60_PLUS else 0))
    assert totals == expected


def test_committed_vital_statistics_are_what_the_generator_writes(tmp_path):
    assert generator.main(["--check"]) == 0
    # The check can fail: a changed count is reported.
    data = tmp_path / "data"
    (data / "population_by_age").mkdir(parents=True)
    source = REPO / "sources/data/population_by_age/population_by_age_2016_2024.csv"
    (data / "population_by_age" / source.name).write_bytes(source.read_bytes())
    generator.main(["--data-dir", str(data)])
    assert generator.main(["--data-dir", str(data), "--check"]) == 0
    victim = data / "deaths_by_cause" / "deaths_by_cause_2016_2024.csv"
    lines = victim.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rsplit(",", 1)[0] + ",99999\n"
    victim.write_text("".join(lines), encoding="utf-8")
    assert generator.main(["--data-dir", str(data), "--check"]) == 1


def test_vital_statistics_feeds_are_wired_and_labelled_sample(warehouse):
    for feed in FEEDS:
        declaration = yaml.safe_load((REPO / "sources" / "feeds" / f"{feed}.yml").read_text(encoding="utf-8"))
        assert declaration["sample_data"] is True, feed
        assert (REPO / "expectations" / f"raw_{feed}.json").exists(), feed
        assert (REPO / "dbt" / "models" / "staging" / f"stg_{feed}.sql").exists(), feed
        headers = {h for c in declaration["columns"] for h in ([c["source"]] if isinstance(c["source"], str) else c["source"])}
        assert set(generator.HEADERS[feed]) <= headers | set(declaration["ignore_columns"]), feed
    outcome = {e.event_specific_data.check_name: e.event_specific_data.passed
               for e in warehouse["result"].all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert {f"raw_{feed}_gx": True for feed in FEEDS}.items() <= outcome.items()
    with duck(warehouse["warehouse"]) as con:
        rows = {t: con.execute(f"select count(*) from raw.{t} where _superseded_by_load_id is null").fetchone()[0]
                for t in FEEDS}
        quarantined = con.execute("select count(*) from raw._quarantine where feed in "
                                  "('population_by_sex_age', 'deaths_by_cause', 'cancer_incidence')").fetchone()[0]
    # 5 regions × 9 years × 2 sexes × 19 age groups (× 5 cause groups for deaths)
    assert rows == {"population_by_sex_age": 1710, "deaths_by_cause": 8550, "cancer_incidence": 1710}
    assert quarantined == 0
