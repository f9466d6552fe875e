-- 城市卫生资源快照: current values only. The file states no year: the feed declares
-- constant_columns: {year: 2019} (sources/feeds/city_health_snapshot.yml); a raw `year` column is
-- used when the loader writes one, the declared constant otherwise.
{%- set raw_relation = source('raw', 'city_health_snapshot') %}
{%- set raw_columns = adapter.get_columns_in_relation(raw_relation) | map(attribute='name') | list if execute else [] %}
select
    region_code,
    {% if 'year' in raw_columns %}cast(year as integer){% else %}cast(2019 as integer){% endif %} as year,
    resident_population,
    population_60_plus_ratio,
    beds_per_1000,
    doctors_per_1000,
    nurses_per_1000,
    area_km2,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ raw_relation }}
where _superseded_by_load_id is null
