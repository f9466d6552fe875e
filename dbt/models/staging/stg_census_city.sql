-- 人口普查（地级）: the published wide row (both census years side by side) as one row per
-- prefecture and census year. Shares stay percent (20.19 = 20.19 %); counts are derived in
-- int_population, not here.
with current_rows as (
    select * from {{ source('raw', 'census_city') }}
    where _superseded_by_load_id is null
)

select
    region_code,
    city_name_zh,
    2010 as census_year,
    population_2010 as population,
    share_60_plus_2010_pct as share_60_plus_pct,
    share_65_plus_2010_pct as share_65_plus_pct,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from current_rows
where population_2010 is not null

union all

select
    region_code,
    city_name_zh,
    2020 as census_year,
    population_2020 as population,
    share_60_plus_2020_pct as share_60_plus_pct,
    share_65_plus_2020_pct as share_65_plus_pct,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from current_rows
where population_2020 is not null
