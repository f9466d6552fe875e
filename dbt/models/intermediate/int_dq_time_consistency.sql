{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 时间一致性 / Consistency over time (WHO Data Quality Review, internal consistency):
-- each value against the mean of the same series' preceding three years, when at least
-- consistency_min_preceding_years of them have a value (dbt/seeds/dq_parameters.csv).
--   ratio = value / mean(preceding three years)
--   a ratio within 10^±unit_error_log10_tolerance of 10, 100, 1,000 or 1/10, 1/100, 1/1,000
--       → probable unit error (ERROR for indicators; the series' declared severity for raw columns)
--   otherwise |ratio − 1| > consistency_band (WHO default ±33 %) → WARN
with series as (
    select * from {{ ref('int_dq_series') }}
),

history as (
    -- the preceding three years as a window frame over the series' own rows (one pass over the
    -- series instead of joining it with itself): the same rows as b.year between year - 3 and year - 1
    select
        series_kind, series_id, feed, indicator_code, measure, region_code, year, value,
        input_load_ids, source_file, source_row, unit_error_severity,
        avg(value) over preceding_years as preceding_mean,
        count(value) over preceding_years as n_preceding,
        min(year) over preceding_years as preceding_first_year,
        max(year) over preceding_years as preceding_last_year
    from series
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
)

select
    series_kind, series_id, feed, indicator_code, measure, region_code, year, value,
    preceding_mean, n_preceding, preceding_first_year, preceding_last_year, ratio,
    preceding_mean * (1 - band) as expected_low,
    preceding_mean * (1 + band) as expected_high,
    unit_power,
    case unit_power when 3 then '×1,000' when 2 then '×100' when 1 then '×10'
                    when -1 then '×1/10' when -2 then '×1/100' when -3 then '×1/1,000' end as unit_factor,
    case when unit_power is not null then unit_error_severity else 'WARN' end as severity,
    input_load_ids, source_file, source_row
from judged
where unit_power is not null or abs(ratio - 1) > band
