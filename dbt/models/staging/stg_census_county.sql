-- 人口普查（县级）: one row per county (and the province / prefecture totals the yearbooks print)
-- and census year, current values only.
select
    region_code,
    region_name_zh,
    census_year,
    population,
    population_60_plus,
    population_65_plus,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'census_county') }}
where _superseded_by_load_id is null
