-- 城市空气质量日报 (current values): the AQI a city publishes for a day.
select
    region_code,
    observed_date,
    aqi,
    primary_pollutant,
    _load_id as load_id,
    _loaded_at as loaded_at
from {{ source('raw', 'air_quality_daily') }}
where _superseded_by_load_id is null
