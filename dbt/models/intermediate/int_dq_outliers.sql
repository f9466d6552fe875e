{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 异常值 / Outliers by the modified z-score (Iglewicz & Hoaglin 1993):
--   M = 0.6745 × (x − median) / MAD,   MAD = median(|x − median|)
-- |M| > outlier_threshold (default 3.5) is an outlier; the expected range is
-- median ± threshold × MAD / 0.6745. Two comparisons (dbt/seeds/dq_parameters.csv):
--   comparison_group  the indicator's values of all regions in the same year (≥ outlier_min_group regions)
--   own_history       the same region's values of the indicator in all years (≥ own_history_min_years)
-- A group whose MAD is 0 (half the values equal) cannot score outliers and is skipped.
with values_ as (
    select * from {{ ref('int_dq_series') }} where series_kind = 'indicator' and measure = 'value'
),

grouped as (
    select
        'comparison_group' as comparison,
        *,
        median(value) over (partition by indicator_code, year) as group_median,
        count(*) over (partition by indicator_code, year) as group_size
    from values_
    union all
    select
        'own_history' as comparison,
        *,
        median(value) over (partition by indicator_code, region_code) as group_median,
        count(*) over (partition by indicator_code, region_code) as group_size
    from values_
),

mad as (
    select
        *,
        median(abs(value - group_median)) over (
            partition by comparison, indicator_code,
                         case when comparison = 'comparison_group' then cast(year as varchar) else region_code end
        ) as group_mad
    from grouped
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
