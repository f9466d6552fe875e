"""Nightly cost against what changed, on national yearly feeds (every county × N years):

    .venv/bin/python scripts/bench_nightly.py --years 10          # temp dir, deleted afterwards
    .venv/bin/python scripts/benchmark.py --nightly --years 10    # the same, from the main benchmark
    .venv/bin/python scripts/bench_nightly.py --years 0           # the bundled sample data instead

Each pipeline run is `python -m dagster_project.run` in its own process (what cron or an operator
runs), timed end to end (process start to exit: imports, planning, the Dagster run, the summary):

  1. full refresh   an empty warehouse: every feed loaded, every suite, dbt, publish, reports
  2. nothing new    the same files again, twice (the second one is the steady state)
  3. one new file   one yearly feed (pension_beds) gets a file with one more year for every county
  4. hand SQL       one hand-written DuckDB statement over the same CSV files computes HC17 (elderly-care
                    beds, institution plus community, per 1,000 residents aged 60+) for every county and year; its values must equal
                    marts.fct_indicator_value (the script exits 1 if not)

The load average (`uptime`) is printed before each step: on a shared machine the times say little
without it. Figures go in docs/operations.md; no test asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark import prepare_sources  # noqa: E402
from generate_national import DEFAULT_SEED, LAST_YEAR, county_regions, denominator_rows  # noqa: E402
from generate_sample_feeds import to_csv  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NEW_FILE_FEED = "pension_beds"

HAND_SQL = """
with beds as (
    select lpad(cast("行政区划代码" as varchar), 6, '0') as region_code, "年份"::integer as year,
           -- HC17 counts institution and community elderly-care beds (民政 statistics)
           "养老机构床位数(张)"::double + "社区养老服务设施床位数(张)"::double as beds
    from read_csv(?, header = true, all_varchar = true)
), people as (
    select lpad(cast("行政区划代码" as varchar), 6, '0') as region_code, "年份"::integer as year,
           "60岁及以上人口(人)"::double as elderly
    from read_csv(?, header = true, all_varchar = true)
)
select b.region_code, b.year, b.beds * 1000 / p.elderly as value
from beds as b inner join people as p using (region_code, year)
where p.elderly > 0
"""


def load_average() -> str:
    return os.getloadavg().__repr__()


def environment(root: Path, sources: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "HCW_SOURCES_DIR": str(sources),
        "HCW_WAREHOUSE": str(root / "warehouse" / "healthy_city.duckdb"),
        "HCW_LANDING_DIR": str(root / "landing"),
        "HCW_ARCHIVE_DIR": str(root / "archive"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    })
    env.setdefault("DBT_TARGET_PATH", "target-benchmark")
    (root / "dagster_home").mkdir(exist_ok=True)
    return env


def timed_run(label: str, env: dict[str, str]) -> float:
    print(f"--- {label}: load average {load_average()}", flush=True)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dagster_project.run", "--no-alerts"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - started
    plan = next((line for line in proc.stdout.splitlines() if line.startswith("tonight")), "(no plan line)")
    print(f"    {wall:6.1f} s  exit {proc.returncode}  {plan}", flush=True)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
    return wall


def hand_sql(sources: Path, warehouse: Path) -> tuple[float, int, int]:
    """(seconds, rows, rows that differ from the pipeline's HC17 values)."""
    import duckdb

    beds = sorted(str(p) for p in (sources / "data" / "pension_beds").glob("*.csv"))
    people = sorted(str(p) for p in (sources / "data" / "population_by_age").glob("*.csv"))
    con = duckdb.connect()
    started = time.monotonic()
    con.execute(f"create table hand as {HAND_SQL}", [beds, people])
    seconds = time.monotonic() - started
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    rows = con.execute("select count(*) from hand").fetchone()[0]
    differ = con.execute("""
        select count(*) from hand as h
        full join (select region_code, year, value from wh.marts.fct_indicator_value where indicator_code = 'HC17') as p
          using (region_code, year)
        where h.value is null or p.value is null or abs(h.value - p.value) > 1e-9 * greatest(1, abs(h.value))
    """).fetchone()[0]
    return seconds, rows, differ


def write_new_year(landing: Path, seed: int) -> Path:
    year = LAST_YEAR + 1
    rows = denominator_rows(NEW_FILE_FEED, county_regions(seed=seed), range(year, year + 1), seed)
    path = landing / NEW_FILE_FEED / f"{NEW_FILE_FEED}_national_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_csv(rows), encoding="utf-8")
    then = time.time() - 120  # settled, as the landing sensor expects
    os.utime(path, (then, then))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="hcw_bench_nightly_"))
    try:
        if args.years:
            sources, n_regions = prepare_sources(root, args.years, args.seed)
        else:  # the bundled sample data
            sources, n_regions = REPO / "sources", len(county_regions(seed=args.seed))
        env = environment(root, sources)
        warehouse = Path(env["HCW_WAREHOUSE"])
        print(f"{'national yearly feeds: ' + str(n_regions) + ' county-level regions × ' + str(args.years) + ' years' if args.years else 'bundled sample data'}, {os.cpu_count()} cpus")
        full = timed_run("1. full refresh (empty warehouse)", env)
        seconds, rows, differ = hand_sql(sources, warehouse)
        print(f"--- 4. hand SQL (HC17, every county and year): {seconds:.2f} s, {rows:,} values, "
              f"{differ} differ from marts.fct_indicator_value")
        nothing = [timed_run(f"2. nothing new ({i})", env) for i in (1, 2)]
        write_new_year(Path(env["HCW_LANDING_DIR"]), args.seed)
        one = timed_run(f"3. one new file of {NEW_FILE_FEED} ({n_regions} rows)", env)
        print("=" * 72)
        print(f"full refresh {full:.1f} s | nothing new {nothing[0]:.1f} s, {nothing[1]:.1f} s | "
              f"one new yearly file {one:.1f} s | hand SQL (HC17) {seconds:.2f} s | load average {load_average()}")
        return 0 if differ == 0 else 1
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
