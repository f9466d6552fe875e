-- 爱国卫生与健康细胞: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    rodent_density_level,
    mosquito_density_level,
    fly_density_level,
    cockroach_density_level,
    county_towns,
    national_hygienic_county_towns,
    townships,
    national_hygienic_townships,
    communities,
    healthy_communities,
    schools,
    healthy_schools,
    enterprises,
    healthy_enterprises,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'patriotic_health') }}
where _superseded_by_load_id is null
