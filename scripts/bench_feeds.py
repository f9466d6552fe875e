"""Feed-ingest benchmark: the loader (load_files) against one hand-written DuckDB SQL over the same files.

Generates (seeded, deterministic) two sets of hourly air-quality files in the shapes the feed
air_quality_hourly takes, then, for each set, loads them
  1. through dagster_project.feeds.loader.load_files into a fresh DuckDB file, and
  2. with one hand-written DuckDB statement producing the same canonical rows,
each side in its own subprocess (so peak RSS is that side's), asserts both give the same values
(row count, NULL count and an exact integer sum per column, and a hash of the keys), and prints
rows/s, peak RSS and the ratio.

  national  one year of hourly data for N stations (default 1,900 x 366 days = 16.7 M rows), the
            bundled shape (站点编码,日期,小时,PM2.5,...), one file per month, "—" for a missing hour
  stations  the station-export shape (No,year,month,day,hour,...,CO in μg/m3,...,station), 12
            stations x 35,064 hours = 420,768 rows, one file per station, "NA" for missing

Usage:
  .venv/bin/python scripts/bench_feeds.py                       # both sets, full size
  .venv/bin/python scripts/bench_feeds.py --stations 100 --days 31
  .venv/bin/python scripts/bench_feeds.py --only stations
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POLLUTANTS = ["pm25", "pm10", "so2", "no2", "co", "o3"]
SCALE = {"pm25": 1, "pm10": 1, "so2": 1, "no2": 1, "co": 10000, "o3": 1}  # exact integer sums


def _value(seed: int, k: int, expr: str, modulo: int) -> str:
    return f"(hash({seed}, {k}, {expr}) % {modulo})"


def generate_national(out: Path, stations: int, days: int, seed: int) -> list[Path]:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    files = []
    start = "DATE '2024-01-01'"
    con.execute(f"""
        create temp table grid as
        select s, d, h, {start} + d::integer as day,
               'S' || lpad(s::varchar, 5, '0') as station, s * 100000 + d * 24 + h as k
        from range({stations}) t(s), range({days}) u(d), range(24) v(h)""")
    months = [r[0] for r in con.execute("select distinct month(day) from grid order by 1").fetchall()]
    for m in months:
        path = out / f"air_quality_hourly_2024_{m:02d}.csv"

        def cell(name, modulo, fmt):
            missing = f"{_value(seed, 99, 'k', 100)} = 0"
            return f"case when {missing} then '—' else {fmt.format(_value(seed, POLLUTANTS.index(name), 'k', modulo))} end"

        con.execute(f"""
            copy (select station as "站点编码", strftime(day, '%Y-%m-%d') as "日期", h as "小时",
                  {cell('pm25', 300, '{}::varchar')} as "PM2.5", {cell('pm10', 500, '{}::varchar')} as "PM10",
                  {cell('so2', 80, '{}::varchar')} as "SO2", {cell('no2', 120, '{}::varchar')} as "NO2",
                  {cell('co', 40, "printf('%.1f', {} / 10.0)")} as "CO", {cell('o3', 250, '{}::varchar')} as "O3"
                  from grid where month(day) = {m} order by s, d, h)
            to '{path}' (header, delimiter ',', quote '"')""")
        files.append(path)
    return files


def generate_stations(out: Path, seed: int, hours: int = 35064) -> list[Path]:
    import duckdb

    names = ["Aotizhongxin", "Changping", "Dingling", "Dongsi", "Guanyuan", "Gucheng", "Huairou",
             "Nongzhanguan", "Shunyi", "Tiantan", "Wanliu", "Wanshouxigong"]
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    files = []
    for i, name in enumerate(names):
        path = out / f"PRSA_Data_{name}_20130301-20170228.csv"

        def cell(k, modulo, fmt="{}::varchar"):
            return (f"case when {_value(seed, 50 + k, 'n', 12)} = 0 then 'NA' "
                    f"else {fmt.format(_value(seed, k, 'n', modulo))} end")

        con.execute(f"""
            copy (select n + 1 as "No", year(ts) as year, month(ts) as month, day(ts) as day, hour(ts) as hour,
                  {cell(0, 400)} as "PM2.5", {cell(1, 500)} as "PM10", {cell(2, 90)} as "SO2", {cell(3, 130)} as "NO2",
                  {cell(4, 30, '({} * 100)::varchar')} as "CO", {cell(5, 250)} as "O3",
                  printf('%.1f', (hash(n, 7) % 300) / 10.0 - 10) as "TEMP", 1000 + hash(n, 8) % 40 as "PRES",
                  printf('%.1f', (hash(n, 9) % 300) / 10.0 - 20) as "DEWP", 0 as "RAIN", 'NNW' as wd,
                  printf('%.1f', (hash(n, 10) % 60) / 10.0) as "WSPM", '{name}' as station
                  from (select n + {i} * 1000000 as n0, n, TIMESTAMP '2013-03-01' + to_hours(n) as ts
                        from range({hours}) t(n)))
            to '{path}' (header, delimiter ',')""")
        files.append(path)
    return files


CHECK_SQL = """
select count(*),
       {sums},
       sum(hash(station_code, observed_date, hour) % 1000000007)
from {table}
"""


def checksum(con, table: str) -> list:
    sums = ", ".join(f"count({c}), sum(round({c} * {SCALE[c]})::hugeint)::varchar" for c in POLLUTANTS)
    return [str(v) for v in con.execute(CHECK_SQL.format(sums=sums, table=table)).fetchone()]


def run_loader(files: list[Path], db: Path, feed: str = "air_quality_hourly") -> dict:
    import duckdb

    from dagster_project.feeds.config import load_feed_config
    from dagster_project.feeds.loader import ensure_tables, load_files

    cfg = load_feed_config(ROOT / "sources" / "feeds" / f"{feed}.yml")
    from dagster_project.feeds.regions import load_region_index

    con = duckdb.connect(str(db))
    ensure_tables(con, cfg)
    # the region lookups are built once per run (per process), whatever the number of files: timed apart
    started = time.perf_counter()
    regions = load_region_index() if any(c.type == "region" for c in cfg.columns) else None
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    outcomes = load_files(con, cfg, files, db.parent / "archive", regions=regions)
    seconds = time.perf_counter() - started
    bad = [o for o in outcomes if o.status != "loaded"]
    assert not bad, bad
    return {"seconds": seconds, "index_seconds": index_seconds, "rows": sum(o.rows_loaded for o in outcomes),
            "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
            "values_quarantined": sum(o.values_quarantined for o in outcomes),
            "checksum": (checksum(con, "raw.air_quality_hourly where _superseded_by_load_id is null")
                         if feed == "air_quality_hourly" else None)}


def hand_sql(files: list[Path], shape: str) -> str:
    paths = "[" + ", ".join(f"'{p}'" for p in files) + "]"

    def num(col, factor=""):
        return f"cast(nullif(nullif(\"{col}\", '—'), 'NA') as double){factor}"

    if shape == "national":
        return f"""
            create table hand as
            select "站点编码" as station_code, cast("日期" as date) as observed_date, cast("小时" as bigint) as hour,
                   {num('PM2.5')} as pm25, {num('PM10')} as pm10, {num('SO2')} as so2, {num('NO2')} as no2,
                   {num('CO')} as co, {num('O3')} as o3
            from read_csv({paths}, header=true, all_varchar=true)"""
    return f"""
        create table hand as
        select station as station_code, make_date(year::int, month::int, day::int) as observed_date,
               cast(hour as bigint) as hour, {num('PM2.5')} as pm25, {num('PM10')} as pm10, {num('SO2')} as so2,
               {num('NO2')} as no2, cast(cast(nullif(\"CO\", 'NA') as decimal(38,12)) * 0.001 as double) as co,
               {num('O3')} as o3
        from read_csv({paths}, header=true, all_varchar=true)"""


def run_hand(files: list[Path], db: Path, shape: str) -> dict:
    import duckdb

    con = duckdb.connect(str(db))
    started = time.perf_counter()
    con.execute(hand_sql(files, shape))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": con.execute("select count(*) from hand").fetchone()[0],
            "checksum": checksum(con, "hand")}


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM belongs to the process image: getrusage's ru_maxrss would carry
    the parent's peak over fork + exec (the parent generated the files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def side(args) -> None:
    files = [Path(p) for p in args.files]
    db = Path(args.db)
    result = run_loader(files, db, args.feed) if args.side == "loader" else run_hand(files, db, args.shape)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def measure(side_name: str, files: list[Path], work: Path, shape: str, feed: str = "air_quality_hourly") -> dict:
    """One side in its own process, into a fresh DuckDB file: seconds, rows, peak RSS (and checksum)."""
    db = work / f"{side_name}_{shape}" / "healthy_city.duckdb"
    shutil.rmtree(db.parent, ignore_errors=True)  # a fresh DuckDB file (and archive) every time
    db.parent.mkdir(parents=True)
    out = subprocess.run([sys.executable, __file__, "--side", side_name, "--shape", shape, "--db", str(db),
                          "--feed", feed, "--files", *map(str, files)], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{side_name} side failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=1900)
    parser.add_argument("--days", type=int, default=366)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--only", choices=["national", "stations"])
    parser.add_argument("--work", type=Path, help="keep the generated files and databases here")
    parser.add_argument("--side", choices=["loader", "hand"], help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--feed", default="air_quality_hourly", help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        return side(args)

    work = args.work or Path(tempfile.mkdtemp(prefix="bench_feeds_"))
    shapes = [args.only] if args.only else ["stations", "national"]
    print(f"load average before: {os.getloadavg()}")
    failed = False
    for shape in shapes:
        t0 = time.perf_counter()
        files = (generate_stations(work / "stations", args.seed) if shape == "stations"
                 else generate_national(work / "national", args.stations, args.days, args.seed))
        size = sum(p.stat().st_size for p in files)
        print(f"\n[{shape}] generated {len(files)} files, {size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s")
        loader = measure("loader", files, work, shape)
        hand = measure("hand", files, work, shape)
        same = loader["checksum"] == hand["checksum"]
        failed |= not same
        ratio = loader["seconds"] / hand["seconds"]
        for name, r in (("loader (load_files)", loader), ("hand-written SQL", hand)):
            print(f"  {name:20s} {r['rows']:>11,} rows  {r['seconds']:7.1f} s  {r['rows'] / r['seconds']:>11,.0f} rows/s"
                  f"  peak RSS {r['peak_rss_mb']:,.0f} MB")
        print(f"  ratio loader / hand SQL: {ratio:.2f}x; values quarantined by the loader: "
              f"{loader.get('values_quarantined', 0)}; same values: {same}")
        if not same:
            print(f"  loader checksum {loader['checksum']}\n  hand   checksum {hand['checksum']}")
    print(f"\nload average after: {os.getloadavg()}  (uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()})")
    if failed:
        sys.exit("the loader and the hand-written SQL disagree")


if __name__ == "__main__":
    main()
