-- 城市卫生资源快照: current values only. The file states no year: the feed declares
-- constant_columns: {year: 2019} (sources/feeds/city_health_snapshot.yml) and the loader writes
-- that year on every row it loads.
select
    region_code,
    cast(year as integer) as year,
    resident_population,
    population_60_plus_ratio,
    beds_per_1000,
    doctors_per_1000,
    nurses_per_1000,
    area_km2,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'city_health_snapshot') }}
where _superseded_by_load_id is null
