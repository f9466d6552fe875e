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
    community_health_centres,
    community_health_stations,
    township_hospitals,
    village_clinics,
    community_health_centres_tcm,
    community_health_stations_tcm,
    township_hospitals_tcm,
    village_clinics_tcm,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'healthcare_resources') }}
where _superseded_by_load_id is null
