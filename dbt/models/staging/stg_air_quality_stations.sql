-- 监测站点: only 城市评价点 (urban assessment stations) make a city's air quality (HJ 663-2013).
select
    station_code,
    station_name_zh,
    region_code,
    station_type_zh,
    station_type_zh = '城市评价点' as is_urban,
    _load_id as load_id
from {{ source('raw', 'air_quality_stations') }}
where _superseded_by_load_id is null
