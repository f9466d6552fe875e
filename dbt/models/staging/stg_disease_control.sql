-- 疾病预防控制: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    class_ab_cases,
    smi_registered_patients,
    smi_standard_managed,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'disease_control') }}
where _superseded_by_load_id is null
