-- 肿瘤登记（当前值）: new cancer cases (C00-C97) per region, year, sex (male/female) and age group.
select
    region_code,
    year,
    case sex when '男' then 'male' when '女' then 'female' end as sex,
    age_group,
    new_cases,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'cancer_incidence') }}
where _superseded_by_load_id is null
