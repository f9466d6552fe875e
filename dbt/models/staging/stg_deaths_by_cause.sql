-- 死因监测（当前值）: deaths per region, year, sex (male/female), age group and ICD-10 cause group.
select
    region_code,
    year,
    case sex when '男' then 'male' when '女' then 'female' end as sex,
    age_group,
    cause_code,
    deaths,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'deaths_by_cause') }}
where _superseded_by_load_id is null
