select
    region_code,
    year,
    resident_population,
    population_60_plus,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'population_by_age') }}
where _superseded_by_load_id is null
