-- 卫生资源: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    practising_physicians,
    registered_nurses,
    general_practitioners,
    public_health_staff,
    medical_institution_beds,
    primary_care_institutions,
    primary_care_institutions_tcm,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'healthcare_resources') }}
where _superseded_by_load_id is null
