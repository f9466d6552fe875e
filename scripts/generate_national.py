"""Generate the indicator feeds for EVERY current county-level region of China, N years, for
scale tests and benchmarks. Seeded and deterministic; written on demand, never committed.

    .venv/bin/python scripts/generate_national.py --years 5 --out /tmp/national
    # -> /tmp/national/<feed>/<feed>_national_2020_2024.csv for every indicator feed,
    #    population_by_age and pension_beds (the per-capita denominators and HC17) and the vital
    #    statistics (population_by_sex_age, deaths_by_cause, cancer_incidence: HC29, HC35, HC37)
    .venv/bin/python scripts/generate_national.py --years 2 --counties 30 --out /tmp/small
    # -> the first 30 county-level regions only (tests)

    .venv/bin/python scripts/generate_national.py --air-quality-hourly --year 2024 --out /tmp/aq
    .venv/bin/python scripts/generate_national.py --air-quality-hourly --year 2024 --months 1 --out /tmp/aq
    # -> /tmp/aq/air_quality_stations/air_quality_stations_national.csv (about 1,900 stations in
    #    every prefecture city and municipality) and /tmp/aq/air_quality_hourly/
    #    air_quality_hourly_national_<yyyy-mm>.csv, one file per month, in the layout the
    #    air_quality_hourly feed reads (station, date, hour, six pollutants, "—" = missing hour)

Regions: the 县级 codes marked 在用 in sources/reference/admin_codes_gbt2260/result.csv (2,846 in the
2024 list). Populations are real where the bundled census reaches (sources/data/census_county, the
2010 and 2020 censuses: 2,821 of the 2,846 codes): population_by_age is the census in 2010 and 2020,
the straight line between them in the years between (what intermediate.int_population computes, so
the feed and the census-based denominators agree) and grows slowly after 2020 with the 60+ share
rising 0.8 points a year; codes the census lacks get a seeded population. The other values come from
the same value model as the bundled sample data (scripts/generate_sample_feeds.py,
scripts/generate_vital_statistics_sample.py), so they are plausible, synthetic and NOT official
statistics, in the units sources/feeds/<feed>.yml declares. The model covers 2015-2024 (its rates
drift from 2015 to 2024), hence at most 10 years.

Rare counts (infant, under-5 and maternal deaths) are spread evenly over the years: each year
publishes the whole deaths its expected count has accumulated (a county expecting 0.4 maternal
deaths a year reports 0, 1, 0, 0, 1, ...). Seeded Poisson draws would let a county go from one death
in three years to three in one, a ratio the consistency-over-time check (int_dq_time_consistency)
reads as a ×10 unit error and blocks publishing on. Likewise what a county keeps from year to year
(its water sources, survey sample sizes, media outlets, vector-control standing) is the region's
own, not drawn anew each year (national_columns).
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_sample_feeds import (  # noqa: E402
    COMMUNITY_BEDS_HEADER, FEEDS, REPO, Column, Ctx, Region, community_beds, feed_rows, to_csv)
from generate_vital_statistics_sample import vital_tables  # noqa: E402

DEFAULT_SEED = 20240401
LAST_YEAR = 2024
FIRST_YEAR = 2015            # the value model's rates drift from 2015 to 2024
CENSUS_YEARS = (2010, 2020)
VITAL_FEEDS = ("population_by_sex_age", "deaths_by_cause", "cancer_incidence")


def census_counties(path: Path | None = None) -> dict[str, dict[int, tuple[int, int]]]:
    """{code: {census year: (residents, aged 60+)}} from the bundled county census table (real data)."""
    path = path or REPO / "sources" / "data" / "census_county" / "census_county_2010_2020.csv"
    out: dict[str, dict[int, tuple[int, int]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["常住人口"] and r["60岁及以上人口"]:
                out.setdefault(r["区划代码"], {})[int(r["普查年份"])] = (int(r["常住人口"]), int(r["60岁及以上人口"]))
    return out


def county_regions(reference_csv: Path | None = None, seed: int = DEFAULT_SEED) -> list[Region]:
    """Current county-level regions; population: the 2020 census where it has the code, else seeded
    (median about 350,000, as the census's)."""
    path = reference_csv or REPO / "sources" / "reference" / "admin_codes_gbt2260" / "result.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["级别"] == "县级" and r["状态"] == "在用"]
    census = census_counties()
    regions = []
    for row in sorted(rows, key=lambda r: r["代码"]):
        rng = random.Random(f"{seed}:region:{row['代码']}")
        population = int(min(3_500_000, max(15_000, math.exp(rng.gauss(math.log(350_000), 0.7)))))
        if 2020 in census.get(row["代码"], {}):
            population = census[row["代码"]][2020][0]
        # 市辖区 (district codes xxxx01-xxxx20) are mostly urban, counties mostly rural.
        is_district = int(row["代码"][4:]) <= 20
        urban_share = rng.uniform(0.6, 0.95) if is_district else rng.uniform(0.15, 0.45)
        regions.append(Region(row["代码"], row["名称"], population, round(urban_share, 3)))
    return regions


def population_by_age(region: Region, year: int, seed: int,
                      census: dict[str, dict[int, tuple[int, int]]]) -> tuple[int, int]:
    """(residents, aged 60+) of one region-year: the censuses and the line between them (as
    intermediate.int_population interpolates), 0.2 % growth a year and +0.8 points of 60+ share a
    year away from them; a region without a census: its seeded population, a seeded 60+ share."""
    known = census.get(region.code, {})
    if all(y in known for y in CENSUS_YEARS) and CENSUS_YEARS[0] <= year <= CENSUS_YEARS[1]:
        (p0, e0), (p1, e1) = known[CENSUS_YEARS[0]], known[CENSUS_YEARS[1]]
        f = (year - CENSUS_YEARS[0]) / (CENSUS_YEARS[1] - CENSUS_YEARS[0])
        return round(p0 + (p1 - p0) * f), round(e0 + (e1 - e0) * f)
    if 2020 in known:
        base, elderly = known[2020]
        share = elderly / base
    else:
        base = region.population
        share = 0.187 * random.Random(f"{seed}:elderly:{region.code}").uniform(0.8, 1.2)
    population = round(base * (1 + 0.002 * (year - 2020)))
    return population, round(population * min(0.5, max(0.01, share + 0.008 * (year - 2020))))


def denominator_rows(feed: str, regions: list[Region], years: range, seed: int,
                     census: dict[str, dict[int, tuple[int, int]]] | None = None) -> list[list[str]]:
    """population_by_age and pension_beds in the bundled files' layout (same headers). Beds: a
    region's own level of 20-40 institution beds per 1,000 aged 60+, rising 2 % a year, ±3 %."""
    census = census if census is not None else census_counties()
    if feed == "population_by_age":
        rows = [["行政区划代码", "地区名称", "年份", "常住人口(人)", "60岁及以上人口(人)"]]
    else:
        rows = [["行政区划代码", "地区名称", "年份", "养老机构床位数(张)", COMMUNITY_BEDS_HEADER]]
    for region in regions:
        level = random.Random(f"{seed}:beds_level:{region.code}").uniform(20, 40)
        for year in years:
            rng = random.Random(f"{seed}:{feed}:{region.code}:{year}")
            population, elderly = population_by_age(region, year, seed, census)
            if feed == "population_by_age":
                rows.append([region.code, region.name_zh, str(year), str(population), str(elderly)])
            else:
                beds = round(elderly * level * (1.02 ** (year - 2020)) * rng.uniform(0.97, 1.03) / 1000)
                rows.append([region.code, region.name_zh, str(year), str(beds),
                             str(community_beds(region.code, year, beds, seed))])
    return rows


# -- rare counts, spread evenly over the years (see the module docstring) -----------------------
def _expected_births(c: Ctx, year: int) -> float:
    """Expected live births of the region in a year: the sample model's rate without its noise."""
    t = (year - 2015) / 9
    rate = 10.5 - 4.5 * t + (1.2 if year in (2016, 2017) else 0)
    return c.region.population * (1 + 0.002 * (year - 2020)) * rate / 1000


def _even_count(c: Ctx, key: str, per_birth: Callable[[float], float]) -> int:
    """Deaths published in c.year: floor(accumulated expectation + phase), differenced; the phase is
    seeded per region and column (key). Counts sum to the expectation over the years, never jump."""
    phase = random.Random(f"{key}:{c.region.code}").random()

    def accumulated(year: int) -> float:
        return sum(_expected_births(c, y) * per_birth((y - 2015) / 9) for y in range(FIRST_YEAR - 5, year + 1))

    return math.floor(accumulated(c.year) + phase) - math.floor(accumulated(c.year - 1) + phase)


def _region_draw(seed: int, key: str, code: str) -> random.Random:
    """A stream of the region alone (the same every year): what a place keeps from year to year."""
    return random.Random(f"{seed}:{key}:{code}")


def _survey_size(seed: int, key: str, low: int, span: int) -> Callable[[Ctx], int]:
    """A survey's sample: the region's own size (the sample model's range) ±5 % a year."""
    return lambda c: round((low + _region_draw(seed, key, c.region.code).randrange(0, span)) * c.rng.uniform(0.95, 1.05))


def _vector_levels(seed: int, vector: int) -> Callable[[Ctx], str]:
    """GB/T 27770-27773 control level of a vector (A, B, C, 不达标): the region's standing plus a
    steady improvement, each vector 0.1 apart so that at most one changes level in a year (the
    sample model's year-by-year draws let a county go from 0 of 4 vectors at C or better to 4)."""
    def level(c: Ctx) -> str:
        score = _region_draw(seed, "vectors", c.region.code).uniform(0.0, 0.6) + 0.1 * vector + 0.6 * c.t
        return "不达标" if score < 0.5 else "C" if score < 0.8 else "B" if score < 1.0 else "A"
    return level


def national_columns(feed: str, seed: int = DEFAULT_SEED) -> list[Column]:
    """The sample feed's columns (scripts/generate_sample_feeds.py), with what a real county keeps from
    year to year kept: rare deaths spread evenly (MATERNAL_CHILD_HEALTH's rates), the number of water
    sources, survey sample sizes, media outlets and vector-control levels the region's own rather
    than drawn anew each year (a drawn count that halves or doubles is a consistency finding)."""
    prefecture = lambda c: c.region.code.endswith("00")  # noqa: E731
    own: dict[str, Callable[[Ctx], int | str]] = {
        "infant_deaths": lambda c: _even_count(c, f"{seed}:infant", lambda t: (5.2 - 2.2 * t) / 1000),
        "under5_deaths": lambda c: int(c.values["infant_deaths"]) + _even_count(c, f"{seed}:under5", lambda t: 1.6 / 1000),
        "maternal_deaths": lambda c: _even_count(c, f"{seed}:maternal", lambda t: (18 - 6 * t) / 100000),
        "water_sources_assessed": lambda c: max(1, round(c.region.population / 450_000
                                                         + _region_draw(seed, "sources", c.region.code).choice((0, 1)))),
        "fitness_tested": _survey_size(seed, "fitness", 1200, 2400),
        "exercise_surveyed": _survey_size(seed, "exercise", 1500, 3000),
        "literacy_respondents": _survey_size(seed, "literacy", 1000, 2000),
        "smoking_respondents": _survey_size(seed, "smoking", 1000, 2000),
        "main_media_outlets": lambda c: (9 + _region_draw(seed, "media", c.region.code).randrange(0, 5)) if prefecture(c)
        else 3 + _region_draw(seed, "media", c.region.code).randrange(0, 2),
        "new_media_accounts": lambda c: (12 + _region_draw(seed, "new_media", c.region.code).randrange(0, 10)) if prefecture(c)
        else 4 + _region_draw(seed, "new_media", c.region.code).randrange(0, 4),
        "rodent_density_level": _vector_levels(seed, 0),
        "mosquito_density_level": _vector_levels(seed, 1),
        "fly_density_level": _vector_levels(seed, 2),
        "cockroach_density_level": _vector_levels(seed, 3),
    }
    return [Column(col.name, col.header, own[col.name]) if col.name in own else col for col in FEEDS[feed]]


def write_vital_statistics(out_dir: Path, population: list[list[str]], seed: int, label: str) -> dict[str, Path]:
    """population_by_sex_age, deaths_by_cause, cancer_incidence from the population_by_age rows
    (scripts/generate_vital_statistics_sample.py's model), written a region at a time (5.4 M rows of
    deaths for every county × 10 years); each county's mortality level is seeded between 0.85 and
    1.2 of the base schedule."""
    people = [(code, name, int(year), int(total), int(old)) for code, name, year, total, old in population[1:]]
    levels = {code: round(random.Random(f"{seed}:mortality:{code}").uniform(0.85, 1.2), 3) for code, *_ in people}
    paths = {feed: out_dir / feed / f"{feed}_national_{label}.csv" for feed in VITAL_FEEDS}
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    handles = {feed: path.open("w", encoding="utf-8", newline="") for feed, path in paths.items()}
    try:
        by_region: dict[str, list] = {}
        for row in people:
            by_region.setdefault(row[0], []).append(row)
        for i, rows in enumerate(by_region.values()):
            for feed, table in vital_tables(rows, levels, seed).items():
                handles[feed].write(to_csv(table if i == 0 else table[1:]))
    finally:
        for fh in handles.values():
            fh.close()
    return paths


def generate(out_dir: Path, n_years: int, seed: int = DEFAULT_SEED, regions: list[Region] | None = None,
             vital: bool = True) -> dict[str, Path]:
    """Write every feed for N years ending in 2024 (N <= 10); returns {feed: file}."""
    if not 1 <= n_years <= LAST_YEAR - FIRST_YEAR + 1:
        raise ValueError(f"the value model covers {FIRST_YEAR}-{LAST_YEAR}: 1 to {LAST_YEAR - FIRST_YEAR + 1} years")
    regions = regions if regions is not None else county_regions(seed=seed)
    years = range(LAST_YEAR - n_years + 1, LAST_YEAR + 1)
    census = census_counties()
    written = {}
    tables = {feed: feed_rows(feed, regions, years, seed=seed, columns=national_columns(feed, seed)) for feed in FEEDS}
    for feed in ("population_by_age", "pension_beds"):
        tables[feed] = denominator_rows(feed, regions, years, seed, census)
    for feed, rows in tables.items():
        path = out_dir / feed / f"{feed}_national_{years[0]}_{years[-1]}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_csv(rows), encoding="utf-8")
        written[feed] = path
    if vital:
        written.update(write_vital_statistics(out_dir, tables["population_by_age"], seed, f"{years[0]}_{years[-1]}"))
    return written


# ---------------------------------------------------------------------------------------------
# Hourly air-quality station data for a national network (the air_quality_hourly feed at scale).

STATION_TYPES = ("城市评价点", "清洁对照点", "背景点")
# provinces with spring dust (沙尘) days: 北京 天津 河北 山西 内蒙古 辽宁 陕西 甘肃 青海 宁夏 新疆
DUST_PROVINCES = {"11", "12", "13", "14", "15", "21", "61", "62", "63", "64", "65"}


def prefecture_cities(reference_csv: Path | None = None) -> list[tuple[str, str]]:
    """Every current prefecture-level city (地级) plus the four municipalities (直辖市): (code, name)."""
    path = reference_csv or REPO / "sources" / "reference" / "admin_codes_gbt2260" / "result.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["状态"] == "在用"]
    cities = [(r["代码"], r["名称"]) for r in rows if r["级别"] == "地级"]
    cities += [(r["代码"], r["名称"]) for r in rows if r["代码"] in ("110000", "120000", "310000", "500000")]
    return sorted(cities)


def national_stations(seed: int = DEFAULT_SEED) -> list[tuple[str, str, str, str, str]]:
    """About 1,900 stations: 3-7 城市评价点 per city (12-16 in a municipality), a 清洁对照点 in about
    half of the cities and a 背景点 in a fifth. Rows as in the air_quality_stations feed."""
    stations = []
    for code, name in prefecture_cities():
        rng = random.Random(f"{seed}:stations:{code}")
        n_urban = rng.randint(12, 16) if code.endswith("0000") else rng.choice([3, 4, 4, 5, 5, 6, 6, 7])
        kinds = ["城市评价点"] * n_urban
        if rng.random() < 0.5:
            kinds.append("清洁对照点")
        if rng.random() < 0.2:
            kinds.append("背景点")
        for i, kind in enumerate(kinds, start=1):
            stations.append((f"{code[:4]}A{i:02d}", f"{name}{i}号{kind}", code, name, kind))
    return stations


def city_day_weather(cities: list[str], days: list, seed: int):
    """Per city and day: PM2.5 base, PM10 ratio, SO2, NO2, CO, O3 day level, dust flag (pandas frame).
    An AR(1) pollution factor per city gives day-to-day persistence; heating-season PM2.5, summer O3."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_c, n_d = len(cities), len(days)
    doy = np.array([d.timetuple().tm_yday for d in days])
    season = np.cos(2 * np.pi * (doy - 15) / 365.25)  # 1 mid-January, -1 mid-July
    base = rng.lognormal(np.log(35), 0.35, n_c)[:, None]
    northern = np.array([c[:2] in DUST_PROVINCES for c in cities])[:, None]
    shocks = rng.normal(0, 0.45, (n_c, n_d))
    state = np.zeros((n_c, n_d))
    for j in range(n_d):
        state[:, j] = (0.7 * state[:, j - 1] if j else 0) + shocks[:, j]
    factor = np.exp(state)
    heating = np.where(northern, 0.8, 0.4) * season
    pm25 = base * (1 + heating) * factor
    spring = (doy >= 60) & (doy <= 150)
    dust = northern & spring[None, :] & (rng.random((n_c, n_d)) < 0.04)
    pm10_ratio = np.where(dust, rng.uniform(4, 8, (n_c, n_d)), rng.uniform(1.5, 2.0, (n_c, n_d)))
    frame = pd.DataFrame({
        "region_code": np.repeat(cities, n_d),
        "observed_date": np.tile(np.array(days, dtype="datetime64[D]"), n_c),
        "pm25": (pm25 * np.where(dust, 1.6, 1.0)).ravel(),
        "pm10_ratio": pm10_ratio.ravel(),
        "so2": (8 + 16 * np.maximum(season, 0) * factor).ravel(),
        "no2": (22 + 10 * season * factor).ravel(),
        "co": (0.5 + 0.7 * np.maximum(season, 0) * factor).ravel(),
        "o3_day": np.maximum(70 + 60 * -season + rng.normal(0, 12, (n_c, n_d)), 10).ravel(),
        "is_dust_day": dust.ravel(),
    })
    return frame


HOURLY_SQL = """
with s as (select * from stations),
h as (select range as hour from range(24)),
x as (
    select s.station_code, w.observed_date, h.hour, w.*, s.station_factor,
           -- deterministic noise in [0, 1) per station, hour and pollutant
           (hash(s.station_code, w.observed_date, h.hour, 1) % 1000000) / 1e6 as u1,
           (hash(s.station_code, w.observed_date, h.hour, 2) % 1000000) / 1e6 as u2,
           (hash(s.station_code, w.observed_date, 3) % 1000000) / 1e6 as u_outage,
           (hash(s.station_code, w.observed_date, 4) % 20) as outage_start,
           (hash(s.station_code, w.observed_date, 5) % 7) + 2 as outage_len,
           (hash(s.station_code, w.observed_date, h.hour, 6) % 1000000) / 1e6 as u_gap,
           (hash(s.station_code, cast(date_trunc('month', w.observed_date) as date), 7) % 1000000) / 1e6 as u_month
    from s
    join weather as w on w.region_code = s.region_code
    cross join h
),
v as (
    select
        station_code, observed_date, hour,
        -- missing: a random hour (1 %), an outage of 2-8 hours on 2.5 % of station-days, a whole
        -- station down for a month now and then (0.5 % of station-months)
        u_gap < 0.01 or (u_outage < 0.025 and hour >= outage_start and hour < outage_start + outage_len)
            or u_month < 0.005 as is_missing,
        case when hour in (7, 8, 9, 18, 19, 20, 21) then 1.15 when hour between 12 and 16 then 0.85 else 1.0 end
            * station_factor * (0.85 + 0.3 * u1) as f,
        pm25, pm10_ratio, so2, no2, co,
        o3_day * (0.55 + 0.75 * greatest(sin(pi() * (hour - 7) / 14), 0)) * (0.9 + 0.2 * u2) as o3
    from x
)
select
    station_code as "站点编码",
    strftime(observed_date, '%Y-%m-%d') as "日期",
    hour as "小时",
    -- within the feed suite's plausible range (raw_air_quality_hourly.json: 0 <= PM2.5 <= 1000, NO2 >= 0)
    case when is_missing then '—' else cast(round(least(pm25 * f, 1000)) as integer)::varchar end as "PM2.5",
    case when is_missing then '—' else cast(round(pm25 * pm10_ratio * f) as integer)::varchar end as "PM10",
    case when is_missing then '—' else cast(round(so2 * f) as integer)::varchar end as "SO2",
    case when is_missing then '—' else cast(round(greatest(no2 * f, 2)) as integer)::varchar end as "NO2",
    case when is_missing then '—' else printf('%.1f', co * f) end as "CO",
    case when is_missing then '—' else cast(round(o3) as integer)::varchar end as "O3"
from v
order by station_code, observed_date, hour
"""


def generate_air_quality_hourly(out_dir: Path, start, end, seed: int = DEFAULT_SEED,
                                stations_file: bool = True) -> dict[str, object]:
    """Write the national station list and hourly data for the days start <= day < end (one CSV per
    month, or one named after the day for a single day). Set-based: the city weather is numpy, the
    station-hour expansion one DuckDB query per file."""
    import datetime as dt

    import duckdb
    import pandas as pd

    stations = national_stations(seed)
    station_file = out_dir / "air_quality_stations" / "air_quality_stations_national.csv"
    if stations_file:
        station_file.parent.mkdir(parents=True, exist_ok=True)
        station_file.write_text(to_csv([["站点编码", "站点名称", "城市代码", "城市", "点位类型"], *map(list, stations)]),
                                encoding="utf-8")
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    cities = sorted({s[2] for s in stations})
    weather = city_day_weather(cities, days, seed + start.toordinal())
    factors = pd.DataFrame({
        "station_code": [s[0] for s in stations],
        "region_code": [s[2] for s in stations],
        "station_factor": [{"城市评价点": 1.0, "清洁对照点": 0.35, "背景点": 0.6}[s[4]]
                           * random.Random(f"{seed}:factor:{s[0]}").uniform(0.85, 1.15) for s in stations],
    })
    hourly_dir = out_dir / "air_quality_hourly"
    hourly_dir.mkdir(parents=True, exist_ok=True)
    files = []
    with duckdb.connect() as con:
        con.register("stations", factors)
        groups = [(f"{start:%Y-%m-%d}", weather)] if len(days) == 1 else [
            (f"{month:%Y-%m}", weather[(weather["observed_date"].dt.year == month.year)
                                      & (weather["observed_date"].dt.month == month.month)])
            for month in sorted({d.replace(day=1) for d in days})]
        for label, frame in groups:
            con.register("weather", frame)
            path = hourly_dir / f"air_quality_hourly_national_{label}.csv"
            con.execute(f"copy ({HOURLY_SQL}) to '{path}' (header, delimiter ',')")
            files.append(path)
    return {"stations": station_file, "hourly": files, "n_stations": len(stations), "n_cities": len(cities),
            "days": len(days), "dust_city_days": int(weather["is_dust_day"].sum()),
            "rows": len(stations) * len(days) * 24}


def month_range(year: int, months: int):
    import datetime as dt

    end_month = months + 1
    return dt.date(year, 1, 1), dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate national synthetic feeds (not committed).")
    parser.add_argument("--years", type=int, default=5, help="number of years ending in 2024 (default 5, at most 10)")
    parser.add_argument("--counties", type=int, default=None, help="only the first N county-level regions (tests)")
    parser.add_argument("--no-vital-statistics", action="store_true",
                        help="leave out population_by_sex_age, deaths_by_cause and cancer_incidence")
    parser.add_argument("--out", type=Path, required=True, help="output directory (one folder per feed)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--air-quality-hourly", action="store_true",
                        help="write the national hourly station network instead of the yearly feeds")
    parser.add_argument("--year", type=int, default=LAST_YEAR, help="year of the hourly data (default 2024)")
    parser.add_argument("--months", type=int, default=12, help="months of hourly data from January (default 12)")
    args = parser.parse_args(argv)
    if args.air_quality_hourly:
        if not 1 <= args.months <= 12:
            parser.error("--months must be between 1 and 12")
        started = time.monotonic()
        info = generate_air_quality_hourly(args.out, *month_range(args.year, args.months), args.seed)
        print(f"{info['n_stations']:,} stations in {info['n_cities']} cities × {info['days']} days × 24 hours "
              f"({info['dust_city_days']} dust city-days) in {args.out} ({time.monotonic() - started:.1f} s)")
        return 0
    if not 1 <= args.years <= LAST_YEAR - FIRST_YEAR + 1:
        parser.error(f"--years must be between 1 and {LAST_YEAR - FIRST_YEAR + 1} (the value model covers {FIRST_YEAR}-{LAST_YEAR})")
    started = time.monotonic()
    regions = county_regions(seed=args.seed)[: args.counties]
    written = generate(args.out, args.years, args.seed, regions, vital=not args.no_vital_statistics)
    print(f"{len(regions)} county-level regions × {args.years} years × {len(written)} feeds in {args.out} "
          f"({time.monotonic() - started:.1f} s)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
