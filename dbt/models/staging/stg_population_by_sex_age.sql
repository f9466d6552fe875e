-- 分性别年龄组常住人口（当前值）: one row per region, year, sex (male/female) and age group.
select
    region_code,
    year,
    case sex when '男' then 'male' when '女' then 'female' end as sex,
    age_group,
    population,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'population_by_sex_age') }}
where _superseded_by_load_id is null
