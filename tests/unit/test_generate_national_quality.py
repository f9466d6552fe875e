"""The national generator's values pass the blocking data-quality rules at a small scale: every
generated column is in the unit its feed declares (integers where the feed says integer, never
negative, parts within their whole), and no series jumps by a factor the consistency-over-time check
(intermediate.int_dq_time_consistency) reads as a unit error, which fails dq_no_error_findings and
stops the nightly run. The rule is recomputed here in DuckDB from its parameters in
dbt/seeds/dq_parameters.csv."""

from __future__ import annotations

import csv

import duckdb
import pytest
import yaml

from dagster_project import settings
from scripts import generate_national

REPO = settings.PROJECT_ROOT
YEARS = 10


def _parameters() -> dict[str, float]:
    with (REPO / "dbt" / "seeds" / "dq_parameters.csv").open(encoding="utf-8") as fh:
        return {r["parameter"]: float(r["value"]) for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    # The smallest counties (where counts are smallest and rare events most uneven) and a few others,
    # every year the value model covers: the rule needs three preceding years.
    regions = generate_national.county_regions()
    chosen = sorted(regions, key=lambda r: r.population)[:30] + regions[::400]
    out = tmp_path_factory.mktemp("national")
    return generate_national.generate(out, YEARS, regions=chosen), {r.code for r in chosen}


def _declared(feed: str) -> dict[str, dict]:
    declaration = yaml.safe_load((REPO / "sources" / "feeds" / f"{feed}.yml").read_text(encoding="utf-8"))
    return {header: column for column in declaration["columns"] for header in column["source"]}


def test_every_value_is_in_its_declared_type_and_never_negative(generated):
    files, codes = generated
    assert set(generate_national.VITAL_FEEDS) <= files.keys()
    for feed, path in files.items():
        declared = _declared(feed)
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert {r["行政区划代码"] for r in rows} == codes, feed
        for header in rows[0]:
            column = declared.get(header)
            if column is None or column["type"] not in ("integer", "number"):
                continue
            for row in rows:
                cell = row[header]
                if cell == "—":  # published as not reported
                    continue
                # in the declared unit: the cell times the column's multiplier (万人 -> 人, 公顷 -> 平方米)
                value = float(cell) * column.get("multiplier", 1)
                assert value >= 0, (feed, header, row)
                if column["type"] == "integer":
                    assert abs(value - round(value)) < 1e-6, (feed, header, row)


def test_population_feeds_agree_and_follow_the_census(generated):
    files, _ = generated
    census = generate_national.census_counties()
    con = duckdb.connect()
    by_age = {(r[0], r[1]): (r[2], r[3]) for r in con.execute(
        "select 行政区划代码::varchar, 年份, \"常住人口(人)\", \"60岁及以上人口(人)\" from read_csv(?, all_varchar=false)",
        [str(files["population_by_age"])]).fetchall()}
    by_sex_age = dict(((r[0], r[1]), (r[2], r[3])) for r in con.execute(
        "select 行政区划代码::varchar, 年份, sum(\"常住人口(人)\"), "
        "sum(\"常住人口(人)\") filter (where 年龄组 in ('60-64','65-69','70-74','75-79','80-84','85+')) "
        "from read_csv(?) group by all", [str(files["population_by_sex_age"])]).fetchall())
    assert by_sex_age == by_age
    # 2020 is the census itself wherever the census has the county.
    matched = [(code, v) for (code, year), v in by_age.items() if year == 2020 and 2020 in census.get(code, {})]
    assert matched and [(code, v) for code, v in matched if v != census[code][2020]] == []


def test_no_series_looks_like_a_unit_error(generated):
    files, _ = generated
    p = _parameters()
    con = duckdb.connect()
    series = []
    for feed, path in files.items():
        declared = _declared(feed)
        with path.open(encoding="utf-8") as fh:
            headers = next(csv.reader(fh))
        numeric = [h for h in headers if declared.get(h, {}).get("type") in ("integer", "number")]
        for h in numeric:
            # vital statistics summed per region and year as the indicators read them (life table: all
            # causes; HC35: the four chronic-disease groups together; HC37: every new cancer case)
            cause = {"A00-Y89": "= 'A00-Y89'", "NCD": "<> 'A00-Y89'"} if "ICD-10编码" in headers else {"": "is null"}
            for label, condition in cause.items():
                icd = '"ICD-10编码"' if label else "null"
                series.append(f"""select '{feed}.{h} {label}' as series, 行政区划代码::varchar as region_code,
                                         年份::integer as year, sum(try_cast("{h}" as double)) as value
                                  from read_csv('{path}', all_varchar = true) where {icd} {condition} group by all""")
    # HC09's numerator: the vectors (of four) at control level C or better
    levels = ", ".join(f'"{h}"' for h in ("鼠密度控制水平", "蚊密度控制水平", "蝇密度控制水平", "蟑螂密度控制水平"))
    series.append(f"""select 'HC09', 行政区划代码::varchar, 年份::integer,
                             list_count(list_filter([{levels}], lambda x: x in ('A', 'B', 'C')))::double
                      from read_csv('{files["patriotic_health"]}', all_varchar = true)""")
    # and the maternal and child mortality rates (HC30-HC32), whose counts are the smallest
    mch = files["maternal_child_health"]
    for code, numerator, per in (("HC30", "婴儿死亡数(人)", 1000), ("HC31", "5岁以下儿童死亡数(人)", 1000),
                                 ("HC32", "孕产妇死亡数(人)", 100000)):
        series.append(f"""select '{code}' as series, 行政区划代码::varchar, 年份::integer,
                                 "{numerator}"::double * {per} / "活产数(人)"::double
                          from read_csv('{mch}', all_varchar = true)""")
    con.execute("create table s as " + " union all ".join(series))
    jumps = con.execute(f"""
        with h as (
            select a.series, a.region_code, a.year, a.value, avg(b.value) as mean, count(b.value) as n
            from s as a join s as b on b.series = a.series and b.region_code = a.region_code
             and b.year between a.year - 3 and a.year - 1
            group by all
        ), r as (
            select *, log10(value / mean) as lr from h
            where n >= {p['consistency_min_preceding_years']} and mean > 0 and value > 0
        )
        select series, region_code, year, value, mean from r
        where abs(round(lr)) between 1 and 3 and abs(lr - round(lr)) <= {p['unit_error_log10_tolerance']}
        order by all""").fetchall()
    assert con.execute("select count(distinct series) from s").fetchone()[0] > 90
    assert jumps == []
