-- 媒体健康科普: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    main_media_outlets,
    outlets_with_health_column,
    outlets_publishing_regularly,
    new_media_accounts,
    new_media_with_health_column,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'media_health') }}
where _superseded_by_load_id is null
