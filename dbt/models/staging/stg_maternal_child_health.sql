-- 妇幼卫生: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    live_births,
    infant_deaths,
    under5_deaths,
    maternal_deaths,
    mothers_systematically_managed,
    children_0_6,
    children_0_6_health_managed,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'maternal_child_health') }}
where _superseded_by_load_id is null
