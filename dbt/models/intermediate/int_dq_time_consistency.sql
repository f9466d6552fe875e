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
    select
        a.series_kind, a.series_id, a.feed, a.indicator_code, a.measure, a.region_code, a.year, a.value,
        a.input_load_ids, a.source_file, a.source_row, a.unit_error_severity,
        avg(b.value) as preceding_mean,
        count(b.value) as n_preceding,
        min(b.year) as preceding_first_year,
        max(b.year) as preceding_last_year
    from series as a
    inner join series as b
        on b.series_id = a.series_id
       and b.region_code = a.region_code
       and b.year between a.year - 3 and a.year - 1
    group by all
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
