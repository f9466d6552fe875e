-- 小时浓度 (current values): μg/m3, CO in mg/m3; hour 0-23 = the hour starting then. NULL = missing hour.
select
    station_code,
    observed_date,
    hour,
    pm25,
    pm10,
    so2,
    no2,
    co,
    o3,
    _load_id as load_id,
    _loaded_at as loaded_at
from {{ source('raw', 'air_quality_hourly') }}
where _superseded_by_load_id is null
