{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median aggregate); not built in the PostgreSQL copy -#}
-- 异常值 / Outliers by the modified z-score (Iglewicz & Hoaglin 1993):
--   M = 0.6745 × (x − median) / MAD,   MAD = median(|x − median|)
-- |M| > outlier_threshold (default 3.5) is an outlier; the expected range is
-- median ± threshold × MAD / 0.6745. Two comparisons (dbt/seeds/dq_parameters.csv):
--   comparison_group  the indicator's values of all regions in the same year (≥ outlier_min_group regions)
--   own_history       the same region's values of the indicator in all years (≥ own_history_min_years)
-- A group whose MAD is 0 (half the values equal) cannot score outliers and is skipped.
with values_ as (
    select
        *,
        cast(year as varchar) as year_key
    from {{ ref('int_dq_series') }}
    where series_kind = 'indicator' and measure = 'value'
),

-- each value with its group: the same year's regions, or the region's own years
grouped as (
    select 'comparison_group' as comparison, year_key as group_key, * from values_
    union all
    select 'own_history' as comparison, region_code as group_key, * from values_
),

-- median and size of each group, then the median absolute deviation from that median: one
-- aggregate per group (joined back) rather than a window per value
group_median as (
    select comparison, indicator_code, group_key, median(value) as group_median, count(*) as group_size
    from grouped
    group by comparison, indicator_code, group_key
),

deviations as (
    select g.*, m.group_median, m.group_size
    from grouped as g
    inner join group_median as m
        on m.comparison = g.comparison and m.indicator_code is not distinct from g.indicator_code
       and m.group_key is not distinct from g.group_key
),

group_mad as (
    select comparison, indicator_code, group_key, median(abs(value - group_median)) as group_mad
    from deviations
    group by comparison, indicator_code, group_key
),

mad as (
    select d.*, a.group_mad
    from deviations as d
    inner join group_mad as a
        on a.comparison = d.comparison and a.indicator_code is not distinct from d.indicator_code
       and a.group_key is not distinct from d.group_key
),

scored as (
    select
        *,
        0.6745 * (value - group_median) / group_mad as modified_z,
        {{ dq_param('outlier_threshold') }} as threshold
    from mad
    where group_mad > 0
      and group_size >= case when comparison = 'comparison_group' then {{ dq_param('outlier_min_group') }}
                             else {{ dq_param('own_history_min_years') }} end
)

select
    comparison, indicator_code, region_code, year, value, group_median, group_mad, group_size,
    modified_z, threshold,
    group_median - threshold * group_mad / 0.6745 as expected_low,
    group_median + threshold * group_mad / 0.6745 as expected_high,
    input_load_ids
from scored
where abs(modified_z) > threshold
