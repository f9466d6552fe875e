"""Benchmark the air-quality chain at national scale against a hand-written DuckDB SQL.

    .venv/bin/python scripts/bench_air_quality.py                 # 1 month, about 1,950 stations
    .venv/bin/python scripts/bench_air_quality.py --months 12     # a national year
    .venv/bin/python scripts/bench_air_quality.py --keep          # keep the temp dir (prints the path)

Steps (everything in a temp dir, as scripts/benchmark.py does):
1. generate the national station list and hourly data (scripts/generate_national.py) and put them
   in a copy of sources/ in place of the bundled air-quality sample;
2. pipeline: `python -m dagster_project.run` (the real nightly job, in one process) with HCW_*
   and DAGSTER_HOME pointing into the temp dir; wall time and peak RSS; the feed ingest of
   raw/air_quality_hourly and the dbt step are read from the run's step timings;
3. dbt alone: `dbt run --full-refresh` of the air-quality models from staging to
   marts.fct_air_quality_daily on the loaded warehouse (same models, same rows, every date: the
   models are incremental by date), wall time and the models' own execution time;
4. hand SQL: one DuckDB query from the same CSV files to the city daily AQI (its own formulation:
   a 24-hour grid and window functions for the O3 8-hour means), timed in this process;
5. asserts the hand SQL and marts.fct_air_quality_daily agree on every city-day (AQI, validity,
   primary pollutant, six concentrations, stations used, standard) and prints the ratios;
6. nightly cost of one new day: one more day of all stations dropped into landing/, then the
   nightly job again (end to end; the GX suites validate the new file's rows, the air-quality
   models rebuild that date only), and the hand SQL over all files again must equal the mart the
   incremental run left.

Targets: dbt ≤ 3× the hand SQL, peak RSS ≤ 4 GB. Figures go in docs/regions-and-air-quality.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_env import TempRoot, bench_environment, run_nightly, sources_with  # noqa: E402
from generate_national import DEFAULT_SEED, generate_air_quality_hourly, month_range  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
AIR_QUALITY_MODELS = ["stg_air_quality_hourly", "stg_air_quality_stations", "stg_air_quality_daily",
                      "int_air_quality_station_daily", "int_air_quality_daily_statistics", "int_air_quality_iaqi",
                      "int_air_quality_daily", "fct_air_quality_daily", "fct_air_quality_station_daily"]

# The hand-written reference: HJ 663-2013 per station, city mean of the valid 城市评价点, IAQI by the
# HJ 633 edition in force (breakpoints typed in here from the standards), AQI = max IAQI.
HAND_SQL = """
with raw as (
    select "站点编码" as station_code, "日期" as observed_date, "小时" as hour,
           "PM2.5" as pm25, "PM10" as pm10, "SO2" as so2, "NO2" as no2, "CO" as co, "O3" as o3
    from read_csv({files}, header = true, nullstr = '—', columns = {{
        '站点编码': 'VARCHAR', '日期': 'DATE', '小时': 'INTEGER', 'PM2.5': 'DOUBLE', 'PM10': 'DOUBLE',
        'SO2': 'DOUBLE', 'NO2': 'DOUBLE', 'CO': 'DOUBLE', 'O3': 'DOUBLE'}})
),
stations as (
    select "站点编码" as station_code, "城市代码" as region_code, "点位类型" = '城市评价点' as is_evaluation
    from read_csv({station_file}, header = true, all_varchar = true)
),
days as (select distinct station_code, observed_date from raw),
grid as (  -- every clock hour of every station-day, so an absent hour is a gap in the 8-hour window
    select d.station_code, d.observed_date, h.hour, r.o3
    from days as d cross join range(24) as h(hour)
    left join raw as r on r.station_code = d.station_code and r.observed_date = d.observed_date and r.hour = h.hour
),
o3_windows as (
    select station_code, observed_date, hour,
           avg(o3) over w as mean_8h, count(o3) over w as n_8h
    from grid
    window w as (partition by station_code, observed_date order by hour rows between 7 preceding and current row)
),
o3_station as (
    select station_code, observed_date,
           max(mean_8h) filter (where hour >= 7 and n_8h >= 6) as o3_8h,
           count(*) filter (where hour >= 7 and n_8h >= 6) as n_windows
    from o3_windows group by 1, 2
),
station_day as (
    select r.station_code, r.observed_date,
           avg(pm25) as pm25, count(pm25) >= 20 as pm25_ok, avg(pm10) as pm10, count(pm10) >= 20 as pm10_ok,
           avg(so2) as so2, count(so2) >= 20 as so2_ok, avg(no2) as no2, count(no2) >= 20 as no2_ok,
           avg(co) as co, count(co) >= 20 as co_ok, max(o3) as o3_1h, count(o3) >= 20 as o3_1h_ok
    from raw as r group by 1, 2
),
station_all as (
    select s.region_code, d.*, o.o3_8h, coalesce(o.n_windows >= 14 or o.o3_8h > 160, false) as o3_8h_ok
    from station_day as d
    join o3_station as o using (station_code, observed_date)
    join stations as s using (station_code)
    where s.is_evaluation
),
city as (
    select region_code, observed_date,
           round(cast(avg(pm25) filter (where pm25_ok) as decimal(18, 6)), 0) as pm25_24h, count(*) filter (where pm25_ok) as n_pm25,
           round(cast(avg(pm10) filter (where pm10_ok) as decimal(18, 6)), 0) as pm10_24h, count(*) filter (where pm10_ok) as n_pm10,
           round(cast(avg(so2) filter (where so2_ok) as decimal(18, 6)), 0) as so2_24h, count(*) filter (where so2_ok) as n_so2,
           round(cast(avg(no2) filter (where no2_ok) as decimal(18, 6)), 0) as no2_24h, count(*) filter (where no2_ok) as n_no2,
           round(cast(avg(co) filter (where co_ok) as decimal(18, 6)), 1) as co_24h, count(*) filter (where co_ok) as n_co,
           round(cast(avg(o3_1h) filter (where o3_1h_ok) as decimal(18, 6)), 0) as o3_1h,
           round(cast(avg(o3_8h) filter (where o3_8h_ok) as decimal(18, 6)), 0) as o3_8h, count(*) filter (where o3_8h_ok) as n_o3_8h
    from station_all group by 1, 2
),
bp(standard, metric, limits) as (values
    ('HJ 633-2012', 'pm25_24h', [0, 35, 75, 115, 150, 250, 350, 500]),
    ('HJ 633-2026', 'pm25_24h', [0, 35, 60, 115, 150, 250, 350, 500]),
    ('HJ 633-2012', 'pm10_24h', [0, 50, 150, 250, 350, 420, 500, 600]),
    ('HJ 633-2026', 'pm10_24h', [0, 50, 120, 250, 350, 420, 500, 600]),
    ('HJ 633-2012', 'so2_24h', [0, 50, 150, 475, 800, 1600, 2100, 2620]),
    ('HJ 633-2026', 'so2_24h', [0, 50, 150, 475, 800, 1600, 2100, 2620]),
    ('HJ 633-2012', 'no2_24h', [0, 40, 80, 180, 280, 565, 750, 940]),
    ('HJ 633-2026', 'no2_24h', [0, 40, 80, 180, 280, 565, 750, 940]),
    ('HJ 633-2012', 'co_24h', [0, 2, 4, 14, 24, 36, 48, 60]),
    ('HJ 633-2026', 'co_24h', [0, 2, 4, 14, 24, 36, 48, 60]),
    ('HJ 633-2012', 'o3_1h', [0, 160, 200, 300, 400, 800, 1000, 1200]),
    ('HJ 633-2026', 'o3_1h', [0, 160, 200, 300, 400, 800, 1000, 1200]),
    ('HJ 633-2012', 'o3_8h', [0, 100, 160, 215, 265, 800]),
    ('HJ 633-2026', 'o3_8h', [0, 100, 160, 215, 265, 800])
),
long as (
    unpivot (select region_code, observed_date, pm25_24h, pm10_24h, so2_24h, no2_24h, co_24h, o3_1h, o3_8h from city)
    on pm25_24h, pm10_24h, so2_24h, no2_24h, co_24h, o3_1h, o3_8h into name metric value c
),
scored as (
    select l.region_code, l.observed_date, l.metric, l.c,
           case when l.observed_date < date '2026-03-01' then 'HJ 633-2012' else 'HJ 633-2026' end as standard
    from long as l
),
segments as (
    select standard, metric, limits[i] as lo, limits[i + 1] as hi,
           [0, 50, 100, 150, 200, 300, 400, 500][i] as ilo, [0, 50, 100, 150, 200, 300, 400, 500][i + 1] as ihi,
           i = len(limits) - 1 as is_top
    from bp, range(1, 8) as r(i)
    where i < len(limits)
),
iaqi as (
    select s.region_code, s.observed_date, s.metric, s.standard,
           case
             when g.hi is null then null
             when s.c > g.hi then  -- above the last breakpoint
               case when s.metric <> 'o3_8h' then 500 when s.standard = 'HJ 633-2026' then 300 end
             else cast(ceil(g.ilo + (g.ihi - g.ilo) * (s.c - g.lo) / (g.hi - g.lo) - 1e-9) as integer)
           end as iaqi
    from scored as s
    left join segments as g
      on g.standard = s.standard and g.metric = s.metric and s.c >= g.lo and (s.c < g.hi or g.is_top)
),
day as (
    select region_code, observed_date, max(iaqi) as aqi, any_value(standard) as standard
    from iaqi group by 1, 2
),
primary_pollutant as (
    select d.region_code, d.observed_date, string_agg(i.metric, ';' order by i.metric) as primary_pollutant
    from day as d join iaqi as i using (region_code, observed_date)
    where i.iaqi = d.aqi and d.aqi > 50 group by 1, 2
)
select c.region_code, c.observed_date, d.aqi,
       c.n_pm25 > 0 and c.n_pm10 > 0 and c.n_so2 > 0 and c.n_no2 > 0 and c.n_co > 0 and c.n_o3_8h > 0 and d.aqi is not null as is_valid_day,
       p.primary_pollutant,
       cast(c.pm25_24h as double) as pm25_24h, cast(c.pm10_24h as double) as pm10_24h, cast(c.so2_24h as double) as so2_24h,
       cast(c.no2_24h as double) as no2_24h, cast(c.co_24h as double) as co_24h, cast(c.o3_8h as double) as o3_8h,
       least(c.n_pm25, c.n_pm10, c.n_so2, c.n_no2, c.n_co, c.n_o3_8h) as stations_used, d.standard
from city as c join day as d using (region_code, observed_date)
left join primary_pollutant as p using (region_code, observed_date)
"""
COMPARED = ("region_code, observed_date, aqi, is_valid_day, primary_pollutant, pm25_24h, pm10_24h, so2_24h, "
            "no2_24h, co_24h, o3_8h, stations_used, standard")


def run_dbt_air_quality(env: dict[str, str], target: Path) -> tuple[float, float]:
    """(wall seconds of `dbt run --full-refresh`, seconds the models themselves took) for the air-quality models."""
    dbt = Path(sys.executable).parent / "dbt"
    started = time.monotonic()
    subprocess.run([str(dbt), "run", "--full-refresh", "--select", *AIR_QUALITY_MODELS, "--project-dir", str(REPO / "dbt"),
                    "--profiles-dir", str(REPO / "dbt"), "--target-path", str(target)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    results = json.loads((target / "run_results.json").read_text())
    return wall, results["elapsed_time"]


def last_dbt_build(env: dict[str, str]) -> tuple[float, float, list[tuple[float, str]]]:
    """(dbt elapsed seconds, seconds in the air-quality models, slowest nodes) of the nightly job's latest dbt build."""
    target = Path(env["DBT_TARGET_PATH"])
    target = target if target.is_absolute() else REPO / "dbt" / target
    runs = sorted(target.glob("*/run_results.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        return 0.0, 0.0, []
    results = json.loads(runs[-1].read_text())
    nodes = results["results"]
    air = sum(r["execution_time"] for r in nodes if r["unique_id"].split(".")[-1] in AIR_QUALITY_MODELS)
    slowest = sorted(((r["execution_time"], r["unique_id"].split(".", 2)[-1]) for r in nodes), reverse=True)[:5]
    return results["elapsed_time"], air, slowest


def hand_sql(files: list[Path], station_file: Path, warehouse: Path) -> tuple[float, int, int]:
    """(seconds, city-days, differences against marts.fct_air_quality_daily)."""
    import duckdb

    file_list = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    sql = HAND_SQL.format(files=file_list, station_file=f"'{station_file}'")
    with duckdb.connect() as con:
        started = time.monotonic()
        con.execute(f"create table hand as {sql}")
        seconds = time.monotonic() - started
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        n = con.execute("select count(*) from hand").fetchone()[0]
        # city-days the bundled published daily AQI (air_quality_daily) also covers are left out on both sides
        con.execute("""create temp view mart as select * from wh.marts.fct_air_quality_daily as m
                       where source = 'computed_hourly' and not exists (select 1 from wh.staging.stg_air_quality_daily as p
                       where p.region_code = m.region_code and p.observed_date = m.observed_date)""")
        con.execute("""create temp view hand_cmp as select * from hand as h
                       where not exists (select 1 from wh.staging.stg_air_quality_daily as p
                       where p.region_code = h.region_code and p.observed_date = h.observed_date)""")
        diff = con.execute(f"""
            select count(*) from (
                (select {COMPARED} from hand_cmp except all select {COMPARED} from mart)
                union all
                (select {COMPARED} from mart except all select {COMPARED} from hand_cmp))""").fetchone()[0]
    return seconds, n, diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=1, help="months of national hourly data (default 1)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)

    with TempRoot("hcw_bench_aq_", args.keep) as tmp:
        root = tmp.path
        started = time.monotonic()
        start, end = month_range(args.year, args.months)
        info = generate_air_quality_hourly(root / "generated", start, end, args.seed)
        sources = sources_with(root, {feed: sorted((root / "generated" / feed).glob("*.csv"))
                                      for feed in ("air_quality_hourly", "air_quality_stations")})
        generation = time.monotonic() - started
        env = bench_environment(root, sources)
        load_before = os.getloadavg()

        run = run_nightly(env, output="quiet", steps=True)
        wall, rc, steps = run.wall, run.returncode, run.steps
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        if rc != 0:
            print(f"nightly job failed (exit code {rc}); temp dir {root}")
            tmp.keep = True
            return rc
        warehouse = root / "warehouse" / "healthy_city.duckdb"
        dbt_wall, dbt_models = run_dbt_air_quality(env, root / "dbt_target")
        hand_seconds, city_days, differences = hand_sql(info["hourly"], info["stations"], warehouse)

        # one new day for every station, dropped into landing/ as a department would
        new_day = generate_air_quality_hourly(root / "landing", end, end + dt.timedelta(days=1), args.seed,
                                              stations_file=False)
        new_run = run_nightly(env, output="quiet", steps=True)
        new_wall, new_rc, new_steps = new_run.wall, new_run.returncode, new_run.steps
        new_dbt_elapsed, new_dbt_air, new_dbt_slowest = last_dbt_build(env)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        # the incremental result (the mart after the new day) against the hand SQL over every file
        _, new_city_days, new_differences = hand_sql(info["hourly"] + new_day["hourly"], info["stations"], warehouse)
        load_after = os.getloadavg()

        ingest = {k: v for k, v in steps.items() if "air_quality_hourly" in k}
        dbt_step = {k: v for k, v in steps.items() if "dbt" in k}
        print("=" * 76)
        print(f"air-quality benchmark: {info['n_stations']:,} stations in {info['n_cities']} cities, "
              f"{info['days']} days ({start} – {end - dt.timedelta(days=1)}), {info['rows']:,} station-hours")
        print(f"  generate                          : {generation:7.1f} s")
        print(f"  nightly job, end to end (wall)    : {wall:7.1f} s   peak RSS {peak_mb:,} MB (job and children)")
        for k, v in {**ingest, **dbt_step}.items():
            print(f"    step {k[:40]:40s}: {v:7.1f} s")
        print(f"  dbt air-quality models (wall)     : {dbt_wall:7.1f} s   (models {dbt_models:.1f} s, rest is dbt start-up)")
        print(f"  hand-written DuckDB SQL           : {hand_seconds:7.1f} s   {city_days:,} city-days")
        print(f"  identical city-days               : {'yes' if differences == 0 else f'NO, {differences} rows differ'}")
        print(f"  ratio dbt models / hand SQL       : {dbt_models / hand_seconds:7.2f}   (target <= 3)")
        print(f"  ratio dbt wall / hand SQL         : {dbt_wall / hand_seconds:7.2f}")
        print(f"  one new day ({new_day['rows']:,} station-hours): nightly job {new_wall:.1f} s end to end (exit {new_rc})")
        for k, v in sorted(new_steps.items(), key=lambda kv: -kv[1])[:8]:
            print(f"    step {k[:40]:40s}: {v:7.1f} s")
        print(f"    dbt build {new_dbt_elapsed:.1f} s, of which the air-quality models (incremental) {new_dbt_air:.1f} s; "
              f"slowest: {', '.join(f'{n} {t:.1f} s' for t, n in new_dbt_slowest[:3])}")
        print(f"  after the new day, incremental mart = hand SQL: "
              f"{'yes' if new_differences == 0 else f'NO, {new_differences} rows differ'} ({new_city_days:,} city-days)")
        print(f"  peak RSS over both runs           : {peak_mb:,} MB (job and children)")
        print(f"  load average before / after       : {load_before[0]:.2f} / {load_after[0]:.2f}   cpus {os.cpu_count()}")
        print("=" * 76)
        return 0 if differences == 0 and new_differences == 0 and new_rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
