-- 监测站点: only 城市评价点 (urban assessment stations) make a city's air quality (HJ 663-2013 §4 评价范围和评价项目);
-- 区域点, 背景点, 清洁对照点 and 污染监控点/路边交通点 are monitored but not averaged into the city value.
select
    station_code,
    station_name_zh,
    region_code,
    station_type_zh,
    station_type_zh = '城市评价点' as is_evaluation_station,
    _load_id as load_id,
    _loaded_at as loaded_at
from {{ source('raw', 'air_quality_stations') }}
where _superseded_by_load_id is null
