-- HC01 环境空气质量优良天数占比 = days with daily AQI <= 100 / days with a valid daily AQI × 100.
-- A city-year without any valid day gives no row, never a zero. The denominator (valid days)
-- shows a partial year; int_air_quality_annual has days_in_year beside it.
select
    region_code,
    year,
    'HC01' as indicator_code,
    cast(good_days as double precision) as numerator,
    cast(valid_days as double precision) as denominator,
    100.0 * good_days / valid_days as value,
    input_load_ids
from {{ ref('int_air_quality_annual') }}
where valid_days > 0
