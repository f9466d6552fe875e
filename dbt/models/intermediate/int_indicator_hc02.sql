-- HC02 重度及以上污染天数 = number of valid days with daily AQI > 200 (a count of days).
-- numerator = that count, denominator = the valid days it was counted over (so the share,
-- int_air_quality_annual.heavy_pollution_day_pct, can be recomputed). An incomplete year
-- (is_complete_year false: fewer days, so fewer heavy days) is shown, not scored.
select
    region_code,
    year,
    'HC02' as indicator_code,
    cast(heavy_pollution_days as double precision) as numerator,
    cast(valid_days as double precision) as denominator,
    cast(heavy_pollution_days as double precision) as value,
    valid_days,
    is_complete_year,
    standards,
    input_load_ids
from {{ ref('int_air_quality_annual') }}
where valid_days > 0
