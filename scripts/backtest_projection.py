"""Back-test the target projection: hold out the last 2 years of every series, project them from the
years before, and compare the straight line used by marts.fct_target_attainment with the naive
forecast (the last value carried forward). Figures go in docs/evaluation.md.

    .venv/bin/python scripts/backtest_projection.py                       # the make-run warehouse
    .venv/bin/python scripts/backtest_projection.py --warehouse W.duckdb  # e.g. a national benchmark run

Series:
  indicators   marts.fct_indicator_value (bundled sample, or the national sample of
               scripts/benchmark.py --keep), bounded by dim_indicator's hard_min/hard_max;
  city panel   the real 城市统计年鉴 panel (raw.city_panel, 2004-2012): beds per 1,000 residents,
               health technicians per 1,000, 生活垃圾无害化处理率, 人均公共绿地面积, 绿化覆盖率.

Method under test (as in fct_target_attainment): least squares over the last five years with data
(at least three) before the held-out years, clipped to the possible range, with the 95 % prediction
interval ŷ ± t(0.975, n−2)·s·√(1 + 1/n + (x₀ − x̄)²/Sxx).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
HOLDOUT_YEARS = 2

PANEL_SERIES = """
    select region_code as series_region, 'beds_per_1000' as series, year,
           hospital_beds * 1000.0 / population_year_end as value, 0.0 as lo, null::double as hi
    from raw.city_panel where _superseded_by_load_id is null and population_year_end > 0 and hospital_beds is not null
    union all
    select region_code, 'health_technicians_per_1000', year, health_technicians_per_1000, 0.0, null
    from raw.city_panel where _superseded_by_load_id is null
    union all
    select region_code, 'domestic_waste_safe_treatment_pct', year, domestic_waste_safe_treatment_pct, 0.0, 100.0
    from raw.city_panel where _superseded_by_load_id is null
    union all
    select region_code, 'public_green_area_per_capita_sqm', year, public_green_area_per_capita_sqm, 0.0, null
    from raw.city_panel where _superseded_by_load_id is null
    union all
    select region_code, 'green_coverage_pct', year, green_coverage_pct, 0.0, 100.0
    from raw.city_panel where _superseded_by_load_id is null
"""

INDICATOR_SERIES = """
    select v.region_code as series_region, v.indicator_code as series, v.year, v.value,
           i.hard_min as lo, i.hard_max as hi
    from marts.fct_indicator_value v join reference.dim_indicator i using (indicator_code)
"""

BACKTEST = """
with series as (select * from ({source}) s where value is not null),
last_year as (
    select series_region, series, max(year) as last_year from series group by all
),
fit_points as (
    select s.*, l.last_year,
           row_number() over (partition by s.series_region, s.series order by s.year desc) as recency
    from series s join last_year l using (series_region, series)
    where s.year <= l.last_year - {holdout}
),
fit as (
    select series_region, series, any_value(last_year) as last_year, any_value(lo) as lo, any_value(hi) as hi,
           count(*) as n, regr_slope(value, year) as slope, regr_intercept(value, year) as intercept,
           avg(year) as mean_year, regr_sxx(value, year) as sxx,
           regr_syy(value, year) * (1 - coalesce(regr_r2(value, year), 1)) as rss,
           arg_max(value, year) as last_fit_value
    from fit_points where recency <= 5 group by all having count(*) >= 3
),
held_out as (
    select f.*, s.year, s.value as actual,
           f.intercept + f.slope * s.year as line,
           case f.n when 3 then 12.706 when 4 then 4.303 when 5 then 3.182 end
             * sqrt(f.rss / (f.n - 2)) * sqrt(1 + 1.0 / f.n + power(s.year - f.mean_year, 2) / nullif(f.sxx, 0)) as half
    from fit f join series s using (series_region, series)
    where s.year > f.last_year - {holdout}
),
scored as (
    select *,
           least(greatest(line, coalesce(lo, line)), coalesce(hi, line)) as projected,
           abs(actual) > 0 as has_scale
    from held_out
)
select
    count(*) as forecasts,
    count(distinct (series_region, series)) as series,
    avg(abs(projected - actual)) as mae_line,
    avg(abs(last_fit_value - actual)) as mae_naive,
    median(abs(projected - actual) / abs(actual)) filter (where has_scale) as mdape_line,
    median(abs(last_fit_value - actual) / abs(actual)) filter (where has_scale) as mdape_naive,
    avg(case when abs(projected - actual) < abs(last_fit_value - actual) then 1.0 else 0.0 end) as share_line_better,
    avg(case when actual between line - half and line + half then 1.0 else 0.0 end) as pi95_coverage
from scored
"""


def backtest(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, float]:
    row = con.execute(BACKTEST.format(source=source, holdout=HOLDOUT_YEARS)).fetchone()
    names = ["forecasts", "series", "mae_line", "mae_naive", "mdape_line", "mdape_naive",
             "share_line_better", "pi95_coverage"]
    return dict(zip(names, row))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=REPO / "warehouse" / "healthy_city.duckdb")
    args = parser.parse_args()
    con = duckdb.connect(str(args.warehouse), read_only=True)
    tables = {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    sources = {}
    if "marts.fct_indicator_value" in tables:
        sources["indicators (marts.fct_indicator_value)"] = INDICATOR_SERIES
    if "raw.city_panel" in tables and con.execute("select count(*) from raw.city_panel").fetchone()[0]:
        sources["real city panel 2004-2012 (raw.city_panel)"] = PANEL_SERIES
    print(f"warehouse: {args.warehouse}; hold-out: last {HOLDOUT_YEARS} years of each series")
    print("| series | forecasts | MAE line | MAE naive | MdAPE line | MdAPE naive | line better | 95 % PI coverage |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, source in sources.items():
        r = backtest(con, source)
        print(f"| {name} ({r['series']} series) | {r['forecasts']} | {r['mae_line']:.3f} | {r['mae_naive']:.3f} | "
              f"{100 * r['mdape_line']:.1f} % | {100 * r['mdape_naive']:.1f} % | {100 * r['share_line_better']:.0f} % | "
              f"{100 * r['pi95_coverage']:.0f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
