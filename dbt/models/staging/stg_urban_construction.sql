-- 城市建设统计（市容环卫、园林绿化、排水）: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    city_proper_population,
    city_proper_temporary_population,
    built_up_area_km2,
    public_toilets,
    park_green_area,
    msw_collected,
    msw_harmless_treated,
    sewage_discharged,
    sewage_centrally_treated,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'urban_construction') }}
where _superseded_by_load_id is null
