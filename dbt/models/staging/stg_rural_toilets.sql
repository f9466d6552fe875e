-- 农村卫生厕所: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    rural_households,
    rural_households_sanitary_toilet,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'rural_toilets') }}
where _superseded_by_load_id is null
