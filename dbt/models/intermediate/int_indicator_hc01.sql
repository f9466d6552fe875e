-- HC01 环境空气质量优良天数占比 = days with daily AQI <= 100 / days with a valid daily AQI × 100.
-- A city-year without any valid day gives no row, never a zero. valid_days and is_complete_year
-- (GB 3095 表4 annual validity, int_air_quality_annual) travel with the value: an incomplete year
-- is shown, not scored.
select
    region_code,
    year,
    'HC01' as indicator_code,
    cast(good_days as double precision) as numerator,
    cast(valid_days as double precision) as denominator,
    100.0 * good_days / valid_days as value,
    valid_days,
    is_complete_year,
    standards,
    input_load_ids
from {{ ref('int_air_quality_annual') }}
where valid_days > 0
