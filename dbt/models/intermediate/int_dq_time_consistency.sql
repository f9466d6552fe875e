{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (window frame over a range of years); not built in the PostgreSQL copy -#}
-- 时间一致性 / Consistency over time (WHO Data Quality Review, internal consistency):
-- each value against the mean of the same series' preceding three years, when at least
-- consistency_min_preceding_years of them have a value (dbt/seeds/dq_parameters.csv).
--   ratio = value / mean(preceding three years)
--   a ratio within 10^±unit_error_log10_tolerance of 10, 100, 1,000 or 1/10, 1/100, 1/1,000
--       → probable unit error (ERROR for indicators; the series' declared severity for raw columns)
--   otherwise |ratio − 1| > consistency_band (WHO default ±33 %) → WARN
-- the preceding three years as a window frame over the series' own rows (one pass over the series
-- instead of joining it with itself): the same rows as b.year between year - 3 and year - 1. The
-- window carries the keys and the value only; the rows' files and load ids are joined back to the
-- few rows that are findings. (The view is named twice rather than in a CTE: a CTE read twice is
-- materialized, and DuckDB's window over it runs several times slower.)
with history as (
    select
        series_id, region_code, year, value,
        avg(value) over preceding_years as preceding_mean,
        count(value) over preceding_years as n_preceding,
        min(year) over preceding_years as preceding_first_year,
        max(year) over preceding_years as preceding_last_year
    from {{ ref('int_dq_series') }}
    where region_code is not null and year is not null
    window preceding_years as (
        partition by series_id, region_code order by year range between 3 preceding and 1 preceding)
),

ratios as (
    select
        *,
        value / preceding_mean as ratio,
        case when value > 0 then log10(value / preceding_mean) end as log_ratio
    from history
    where n_preceding >= {{ dq_param('consistency_min_preceding_years') }}
      and preceding_mean > 0
),

judged as (
    select
        *,
        case when log_ratio is not null
              and abs(round(log_ratio)) between 1 and 3
              and abs(log_ratio - round(log_ratio)) <= {{ dq_param('unit_error_log10_tolerance') }}
             then cast(round(log_ratio) as integer) end as unit_power,
        {{ dq_param('consistency_band') }} as band
    from ratios
),

-- one row per series, region, year and value found outside the band (rows of the same series,
-- region and year share the preceding years, so equal values share the verdict)
flagged as (
    select
        series_id, region_code, year, value,
        min(preceding_mean) as preceding_mean,
        min(n_preceding) as n_preceding,
        min(preceding_first_year) as preceding_first_year,
        min(preceding_last_year) as preceding_last_year,
        min(ratio) as ratio,
        min(unit_power) as unit_power,
        min(band) as band
    from judged
    where unit_power is not null or abs(ratio - 1) > band
    group by series_id, region_code, year, value
)

select
    s.series_kind, s.series_id, s.feed, s.indicator_code, s.measure, s.region_code, s.year, s.value,
    f.preceding_mean, f.n_preceding, f.preceding_first_year, f.preceding_last_year, f.ratio,
    f.preceding_mean * (1 - f.band) as expected_low,
    f.preceding_mean * (1 + f.band) as expected_high,
    f.unit_power,
    case f.unit_power when 3 then '×1,000' when 2 then '×100' when 1 then '×10'
                      when -1 then '×1/10' when -2 then '×1/100' when -3 then '×1/1,000' end as unit_factor,
    case when f.unit_power is not null then s.unit_error_severity else 'WARN' end as severity,
    s.input_load_ids, s.source_file, s.source_row
from flagged as f
inner join {{ ref('int_dq_series') }} as s
    on s.series_id = f.series_id and s.region_code = f.region_code and s.year = f.year and s.value = f.value
