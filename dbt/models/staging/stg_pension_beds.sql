-- Current values only: a revised file supersedes the rows it covers (raw keeps the history).
select
    region_code,
    year,
    institution_beds,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'pension_beds') }}
where _superseded_by_load_id is null
