"""Benchmark the nightly job on national synthetic data: wall time and peak memory.

    .venv/bin/python scripts/benchmark.py --years 5            # temp dir, deleted afterwards
    .venv/bin/python scripts/benchmark.py --years 5 --keep     # keep it (prints the path)

Ingest first (`--no-ingest` skips it): each generated feed file loaded alone through the feed
loader (load_files) into a fresh DuckDB file, in its own process: rows/s and peak RSS per feed;
then scripts/bench_feeds.py on a national year of hourly air-quality data (1,900 stations x 366
days = 16.7 M rows; `--ingest-stations/--ingest-days` scale it down), which times the loader and
a hand-written DuckDB SQL over the same files in the same run and asserts equal values.

Steps of the nightly part: generate every county-level region × N years (scripts/generate_national.py) into a temp
dir; copy sources/ there and replace the bundled data of the generated feeds; run
`python -m dagster_project.run` (the nightly job, in one process) with HCW_SOURCES_DIR,
HCW_WAREHOUSE, HCW_LANDING_DIR, HCW_ARCHIVE_DIR and DAGSTER_HOME pointing into the temp dir; print
wall time, peak RSS (the job and its dbt subprocess) and the row counts. Numbers go in
docs/indicators.md; no test asserts a time.
The hourly air-quality chain at national scale has its own benchmark, run from here with
`--air-quality [--months 12]` (scripts/bench_air_quality.py: pipeline and hand-written SQL on the
same files, identical city-days asserted, ratio, peak RSS, one new day end to end).
`--nightly` runs scripts/bench_nightly.py instead: full refresh, nothing new, one new yearly file, and
a hand-written SQL over the same files (docs/operations.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_env import TempRoot, bench_environment, load_average, run_nightly, sources_with  # noqa: E402
from generate_national import DEFAULT_SEED, county_regions, generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def generated_sources(root: Path, years: int, seed: int) -> tuple[Path, int]:
    """Every county-level region × N years generated into root/generated and put in a copy of
    sources/ in place of the bundled data of those feeds: (sources dir, number of regions)."""
    regions = county_regions(seed=seed)
    files = generate(root / "generated", years, seed, regions)
    return sources_with(root, {feed: [path] for feed, path in files.items()}), len(regions)


def row_counts(warehouse: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded, quarantined = con.execute(
            "select sum(rows_loaded), sum(rows_quarantined) from raw._loads where status = 'loaded'").fetchone()
        return {
            "raw rows loaded": loaded or 0,
            "raw rows quarantined": quarantined or 0,
            "fct_indicator_value rows": con.execute("select count(*) from marts.fct_indicator_value").fetchone()[0],
            "indicators": con.execute("select count(distinct indicator_code) from marts.fct_indicator_value").fetchone()[0],
        }


def ingest(root: Path, files: dict[str, Path], stations: int, days: int) -> int:
    """Per feed: the loader alone (rows/s, peak RSS); then the hourly national year against hand SQL."""
    import bench_feeds

    print("=" * 72)
    print("ingest: each generated feed file through load_files, alone, into a fresh DuckDB file")
    for feed, path in sorted(files.items()):
        r = bench_feeds.measure("loader", [path], root / "ingest", feed, feed=feed)
        print(f"  {feed:24s} {r['rows']:>10,} rows {r['seconds']:6.2f} s {r['rows'] / r['seconds']:>11,.0f} rows/s"
              f"  peak RSS {r['peak_rss_mb']:,.0f} MB  ({r['rows_quarantined']} rows quarantined"
              + (f"; region lookups built in {r['index_seconds']:.1f} s, not counted" if r["index_seconds"] else "")
              + ")")
    print(f"ingest: hourly air quality, {stations} stations x {days} days, loader against hand-written SQL")
    sys.stdout.flush()
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_feeds.py"), "--only", "national",
                           "--stations", str(stations), "--days", str(days), "--work", str(root / "ingest")])
    return proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingest benchmark")
    parser.add_argument("--ingest-stations", type=int, default=1900)
    parser.add_argument("--ingest-days", type=int, default=366)
    parser.add_argument("--air-quality", action="store_true",
                        help="benchmark the hourly air-quality chain instead (scripts/bench_air_quality.py)")
    parser.add_argument("--months", type=int, default=12, help="with --air-quality: months of hourly data")
    parser.add_argument("--nightly", action="store_true",
                        help="nightly cost against what changed (scripts/bench_nightly.py)")
    args = parser.parse_args(argv)
    if args.air_quality:
        from bench_air_quality import main as bench_air_quality

        return bench_air_quality(["--months", str(args.months), "--seed", str(args.seed),
                                  *(["--keep"] if args.keep else [])])
    if args.nightly:
        from bench_nightly import main as nightly_main

        return nightly_main(["--years", str(args.years), "--seed", str(args.seed)] + (["--keep"] if args.keep else []))

    with TempRoot("hcw_benchmark_", args.keep) as tmp:
        root = tmp.path
        started = time.monotonic()
        sources, n_regions = generated_sources(root, args.years, args.seed)
        generation = time.monotonic() - started
        ingest_rc = 0
        if not args.no_ingest:
            generated = {p.parent.name: p for p in (root / "generated").glob("*/*.csv")}
            ingest_rc = ingest(root, generated, args.ingest_stations, args.ingest_days)
        run = run_nightly(bench_environment(root, sources), output="show")
        wall, rc = run.wall, run.returncode
        # ru_maxrss of RUSAGE_CHILDREN is the largest waited-for descendant, in KiB on Linux.
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print("=" * 72)
        print(f"benchmark: {n_regions} county-level regions × {args.years} years, seed {args.seed}")
        print(f"  generate national feeds : {generation:6.1f} s")
        print(f"  nightly job (wall)      : {wall:6.1f} s   exit code {rc}")
        print(f"  peak RSS                : {peak_mb:6d} MB")
        print(f"  cpu count               : {os.cpu_count()}")
        print(f"  load average (uptime)   : {load_average()}")
        if rc == 0:
            for name, value in row_counts(root / "warehouse" / "healthy_city.duckdb").items():
                print(f"  {name:24s}: {value:,}")
        print("=" * 72)
        return rc or ingest_rc


if __name__ == "__main__":
    sys.exit(main())
