"""Benchmark region resolution (rule R10) over a national-size column: set-based vs hand-written SQL.

    .venv/bin/python scripts/benchmark_regions.py --rows 2000000

Builds a DuckDB table of N region cells written as departments write them (every county-level
code in use, its Chinese name where unambiguous, pinyin of the prefecture-level cities), one year
column, then times in the same run:
  - resolve_regions (dagster_project/feeds/regions.py): index build, table registration, the
    resolution of the distinct values and the join back to the N rows;
  - a hand-written DuckDB SQL that does only the exact-code part (join on the 6-digit code),
and asserts both give the same code on every row written as a code. Prints times, rows/s and the
load average; numbers go in docs/feeds.md (Region names). No test asserts a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dagster_project.feeds.regions import load_region_index, resolve_regions  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    index = load_region_index(REPO / "sources" / "reference")
    t_index = time.perf_counter() - t0

    con = duckdb.connect()
    con.register("codes_df", index.code_table)
    con.register("keys_df", index.key_table)
    # the cells: codes in use (county level), their unique Chinese names, prefecture pinyin
    con.execute("""
        create table spellings as
        select code as cell, code from codes_df where abolished_in is null and lvl = '县级'
        union all
        select k.key, k.code from keys_df k join codes_df c using (code)
        where k.tier = 2 and c.abolished_in is null and k.valid_until is null
          and k.key in (select key from keys_df where tier = 2 group by key having count(distinct code) = 1)
        union all
        select k.key, k.code from keys_df k join codes_df c using (code)
        where k.tier = 4 and c.lvl = '地级' and c.abolished_in is null and k.valid_until is null
          and k.key not like '%city'
    """)
    n_spellings = con.execute("select count(*) from spellings").fetchall()[0][0]
    con.execute(f"""
        create table cells as
        select s.cell as region, cast(2015 + (i // {n_spellings}) % 10 as varchar) as year, s.code as expected
        from range({args.rows}) r(i)
        join (select *, row_number() over (order by cell) - 1 as n from spellings) s on s.n = i % {n_spellings}
    """)

    t0 = time.perf_counter()
    out = resolve_regions(con, index, "cells", "region", year_column="year")
    resolved = con.execute(f"""
        create or replace table resolved as
        select c.region, c.year, c.expected, r.region_code, r.region_problem
        from cells c left join {out} r on r.raw_value = c.region and r.year_value is not distinct from c.year
    """)
    t_set = time.perf_counter() - t0
    n_distinct = con.execute(f"select count(*) from {out}").fetchall()[0][0]

    t0 = time.perf_counter()
    con.execute("""
        create or replace table hand as
        select c.region, c.year, k.code as region_code
        from cells c left join codes_df k on k.code = c.region
        where regexp_matches(c.region, '^\\d{6}$')
    """)
    t_hand = time.perf_counter() - t0

    mismatched = con.execute("""
        select count(*) from hand h join resolved r using (region, year)
        where h.region_code is distinct from r.region_code
    """).fetchall()[0][0]
    assert mismatched == 0, f"{mismatched} code cells differ between resolve_regions and the hand-written SQL"
    wrong = con.execute("select count(*) from resolved where region_code is distinct from expected").fetchall()[0][0]
    problems = con.execute("select count(*) from resolved where region_problem is not null").fetchall()[0][0]
    print(f"cells {args.rows:,} ({n_spellings:,} spellings, {n_distinct:,} distinct value-year keys)")
    print(f"index build (code lists + pypinyin, once per process): {t_index:.2f} s")
    print(f"resolve_regions + join back: {t_set:.2f} s = {args.rows / t_set:,.0f} rows/s")
    print(f"rows not given today's code: {wrong:,}, of which quarantined as homonyms {problems:,} "
          f"(the rest: a name that meant another region in the row's year, e.g. Hami 2015 = 652200 哈密地区)")
    print(f"hand-written SQL (exact codes only): {t_hand:.2f} s")
    print(f"load average {os.getloadavg()}")
    if os.environ.get("SHOW"):
        print(con.execute("select region, expected, region_code, any_value(region_problem) from resolved where region_code is distinct from expected and region_problem is null group by all limit 40").fetchall())


if __name__ == "__main__":
    main()
