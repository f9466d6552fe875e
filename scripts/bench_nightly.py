"""Nightly cost against what changed, on national yearly feeds (every county × N years):

    .venv/bin/python scripts/bench_nightly.py --years 10          # temp dir, deleted afterwards
    .venv/bin/python scripts/benchmark.py --nightly --years 10    # the same, from the main benchmark
    .venv/bin/python scripts/bench_nightly.py --years 0           # the bundled sample data instead

Each pipeline run is `python -m dagster_project.run` in its own process (what cron or an operator
runs), timed end to end (process start to exit: imports, planning, the Dagster run, the summary).
The dbt project is parsed for the temp warehouse path first and timed on its own: a nightly run on
its own warehouse parses only when the project changed (dbt_project.prepare_if_changed).

  1. full refresh   an empty warehouse: every feed loaded, every suite, dbt, publish, reports
  2. nothing new    the same files again, twice (the second one is the steady state)
  3. one new file   one yearly feed (pension_beds) gets a file with one more year for every county
  4. hand SQL       scripts/bench_nightly_hand.sql: one hand-written DuckDB statement over the same CSV
                    files computes every indicator of the yearly feeds (the ratios of counts, HC09 and
                    HC41's rubrics, the census-based HC15/HC42 denominators, the life table's HC29, HC35
                    and HC37 from the vital statistics, HC36 as published) for every county and year,
                    from the indicator definitions, not from the dbt models; its values must equal
                    marts.fct_indicator_value (the script exits 1 if not)

The full refresh is also broken down: Dagster's seconds per step (the nightly job runs its steps in
one process) and the slowest dbt nodes (run_results.json of the run's dbt build).
The load average (`uptime`) is printed before each step: on a shared machine the times say little
without it. Figures go in docs/operations.md; no test asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_env import TempRoot, bench_environment, load_average, parse_dbt_project, run_nightly, sources_with  # noqa: E402
from benchmark import generated_sources  # noqa: E402
from generate_national import DEFAULT_SEED, LAST_YEAR, county_regions, denominator_rows  # noqa: E402
from generate_sample_feeds import to_csv  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NEW_FILE_FEED = "pension_beds"
HAND_SQL = (Path(__file__).resolve().parent / "bench_nightly_hand.sql").read_text(encoding="utf-8")
HAND_FEEDS = ["population_by_age", "healthcare_resources", "fiscal_expenditure", "maternal_child_health",
              "disease_control", "drinking_water", "water_sources", "rural_toilets", "urban_construction", "sports",
              "student_fitness", "health_surveys", "medical_insurance", "occupational_health", "food_sampling",
              "media_health", "volunteers", "patriotic_health", "pension_beds", "census_city", "census_county",
              "population_by_sex_age", "deaths_by_cause", "cancer_incidence"]


def timed_run(label: str, env: dict[str, str], steps: bool = False):
    print(f"--- {label}: {load_average()}", flush=True)
    run = run_nightly(env, "--no-alerts", steps=steps)
    print(f"    {run.wall:6.1f} s  exit {run.returncode}  {run.plan}", flush=True)
    if run.returncode != 0:
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
    return run


def hand_sql(sources: Path, warehouse: Path) -> tuple[float, int, dict[str, int], list[str]]:
    """(seconds, values, {indicator: values that differ from the mart}, indicators of the mart's county
    rows the hand SQL does not compute)."""
    import duckdb

    files = {feed: "[" + ", ".join(f"'{p}'" for p in sorted((sources / "data" / feed).glob("*.csv"))) + "]"
             for feed in HAND_FEEDS}
    macro, query = HAND_SQL.format(**files).split(";\n", 1)
    con = duckdb.connect()
    started = time.monotonic()
    con.execute(macro)
    con.execute(f"create table hand as {query}")
    seconds = time.monotonic() - started
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    rows = con.execute("select count(*) from hand").fetchone()[0]
    # the mart's rows of the regions and indicators the hand SQL covers
    con.execute("""create temp table mart as
        select region_code, year, indicator_code, numerator, denominator, value from wh.marts.fct_indicator_value
        where region_code in (select region_code from hand) and indicator_code in (select indicator_code from hand)""")
    differ = dict(con.execute("""
        select indicator_code, count(*) from hand as h full join mart as p using (region_code, year, indicator_code)
        where h.value is null or p.value is null or abs(h.value - p.value) > 1e-9 * greatest(1, abs(h.value))
           or coalesce(abs(h.numerator - p.numerator) > 1e-9 * greatest(1, abs(h.numerator)), h.numerator is distinct from p.numerator)
           or coalesce(abs(h.denominator - p.denominator) > 1e-9 * greatest(1, abs(h.denominator)), h.denominator is distinct from p.denominator)
        group by all order by all""").fetchall())
    uncovered = [r[0] for r in con.execute("""
        select distinct indicator_code from wh.marts.fct_indicator_value
        where region_code in (select region_code from hand) and indicator_code not in (select indicator_code from hand)
        order by 1""").fetchall()]
    return seconds, rows, differ, uncovered


def step_groups(steps: dict[str, float]) -> dict[str, float]:
    """Seconds per kind of step: the suites (*_gx), the dbt build, each feed's ingest, the rest."""
    groups: dict[str, float] = {}
    for key, seconds in steps.items():
        kind = ("suites (Great Expectations)" if key.endswith("_gx") else "dbt build" if "dbt" in key
                else "ingest (raw feeds)" if key.startswith("raw__") else "publish, reports, other")
        groups[kind] = groups.get(kind, 0.0) + seconds
    return dict(sorted(groups.items(), key=lambda kv: -kv[1]))


def print_steps(steps: dict[str, float], n: int = 12) -> None:
    for step, seconds in sorted(steps.items(), key=lambda kv: -kv[1])[:n]:
        print(f"      step {step[:60]:60s} {seconds:7.1f} s")
    print(f"      steps together {sum(steps.values()):.1f} s of {len(steps)} steps: "
          + ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in step_groups(steps).items()))


def dbt_slowest(env: dict[str, str], n: int = 8) -> tuple[float, list[tuple[float, str]]]:
    """(elapsed seconds, slowest nodes) of the latest dbt run_results.json under DBT_TARGET_PATH."""
    target = Path(env["DBT_TARGET_PATH"])
    target = target if target.is_absolute() else REPO / "dbt" / target
    runs = sorted(target.rglob("run_results.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        return 0.0, []
    results = json.loads(runs[-1].read_text())
    nodes = sorted(((r["execution_time"], r["unique_id"].split(".", 2)[-1]) for r in results["results"]), reverse=True)
    return results["elapsed_time"], nodes[:n]


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
    parser.add_argument("--full-refresh-only", action="store_true", help="stop after the full refresh and the hand SQL")
    args = parser.parse_args(argv)
    with TempRoot("hcw_bench_nightly_", args.keep) as tmp:
        root = tmp.path
        if args.years:
            sources, n_regions = generated_sources(root, args.years, args.seed)
        else:  # the bundled sample data
            sources, n_regions = sources_with(root, {}), len(county_regions(seed=args.seed))
        env = bench_environment(root, sources)
        warehouse = Path(env["HCW_WAREHOUSE"])
        print(f"{'national yearly feeds: ' + str(n_regions) + ' county-level regions × ' + str(args.years) + ' years' if args.years else 'bundled sample data'}, {os.cpu_count()} cpus")
        print(f"--- dbt parse for this warehouse path (once; not part of a nightly run): {parse_dbt_project(env):.1f} s")
        full = timed_run("1. full refresh (empty warehouse)", env, steps=True)
        print_steps(full.steps)
        elapsed, slowest = dbt_slowest(env)
        print(f"      dbt build {elapsed:.1f} s; slowest nodes: " + ", ".join(f"{name} {t:.1f} s" for t, name in slowest))
        seconds, rows, differ, uncovered = hand_sql(sources, warehouse)
        ratio = full.wall / seconds if seconds else float("nan")
        print(f"--- 4. hand SQL (every indicator of the yearly feeds, every county and year): {seconds:.2f} s, "
              f"{rows:,} values, {sum(differ.values())} differ from marts.fct_indicator_value "
              f"{differ or ''}; full refresh / hand SQL = {ratio:.1f}")
        if uncovered:
            print(f"    indicators of these regions the hand SQL does not compute: {', '.join(uncovered)}")
        if args.full_refresh_only:
            print(f"full refresh {full.wall:.1f} s (exit {full.returncode}) | hand SQL {seconds:.2f} s | "
                  f"ratio {ratio:.1f} | {load_average()}")
            return 0 if not differ and full.returncode == 0 else 1
        nothing = [timed_run(f"2. nothing new ({i})", env) for i in (1, 2)]
        write_new_year(Path(env["HCW_LANDING_DIR"]), args.seed)
        one = timed_run(f"3. one new file of {NEW_FILE_FEED} ({n_regions} rows)", env, steps=True)
        print_steps(one.steps)
        print("=" * 72)
        print(f"full refresh {full.wall:.1f} s | nothing new {nothing[0].wall:.1f} s, {nothing[1].wall:.1f} s | "
              f"one new yearly file {one.wall:.1f} s | hand SQL {seconds:.2f} s | full refresh / hand SQL {ratio:.1f} | "
              f"{load_average()}")
        return 0 if not differ and full.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
