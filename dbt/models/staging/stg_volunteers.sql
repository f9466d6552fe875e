-- 注册志愿者: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    registered_volunteers,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'volunteers') }}
where _superseded_by_load_id is null
