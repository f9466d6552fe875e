-- 集中式饮用水水源地水质: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    water_sources_assessed,
    water_sources_compliant,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'water_sources') }}
where _superseded_by_load_id is null
