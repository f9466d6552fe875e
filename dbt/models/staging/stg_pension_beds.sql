-- 养老床位（机构 + 社区）: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    institution_beds,
    community_beds,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'pension_beds') }}
where _superseded_by_load_id is null
