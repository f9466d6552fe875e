-- 人口分母 / Population denominators per region and year: total, 60+ and 65+.
--   source = census       the 2010 or 2020 census (prefecture table first: its age shares give
--                         60+ = population × share / 100, unrounded; then the county table's counts)
--   source = interpolated straight line between the 2010 and 2020 census values (2011-2019)
--   source = feed         the yearly population feed (stg_population_by_age, 统计局) where no census-based
--                         figure exists: years after the last census, regions no census table covers
-- Priority per region and year: census, then interpolated, then feed, so per-capita denominators are
-- census-based wherever the censuses reach and the feed is checked against them (int_dq_denominators:
-- total and 60+). Years after 2020 appear only when a feed supplies them: nothing is extrapolated.
-- The one population source of record: every per-capita indicator divides by this model (indicator_ratio
-- with denominator_model='int_population'; HC17 by population_60_plus, the others by population).
{%- set first_census, last_census = 2010, 2020 %}

with census_city as (
    select
        region_code,
        census_year as year,
        cast(population as double precision) as population,
        cast(population as double precision) * share_60_plus_pct / 100 as population_60_plus,
        cast(population as double precision) * share_65_plus_pct / 100 as population_65_plus,
        'census_city' as source_table,
        load_id
    from {{ ref('stg_census_city') }}
),

census_county as (
    select
        c.region_code,
        c.census_year as year,
        cast(c.population as double precision) as population,
        cast(c.population_60_plus as double precision) as population_60_plus,
        cast(c.population_65_plus as double precision) as population_65_plus,
        'census_county' as source_table,
        c.load_id
    from {{ ref('stg_census_county') }} as c
    where c.population is not null
      and not exists (
          select 1 from census_city as p where p.region_code = c.region_code and p.year = c.census_year
      )
),

census as (
    select * from census_city
    union all
    select * from census_county
),

intercensal_years as (
    {%- for y in range(first_census + 1, last_census) %}
    select {{ y }} as year{% if not loop.last %} union all{% endif %}
    {%- endfor %}
),

interpolated as (
    -- value(y) = v2010 + (v2020 - v2010) × (y - 2010) / 10; an age group missing at either end stays NULL
    select
        a.region_code,
        y.year,
        a.population + (b.population - a.population) * (y.year - {{ first_census }}) / {{ last_census - first_census }}.0
            as population,
        a.population_60_plus + (b.population_60_plus - a.population_60_plus)
            * (y.year - {{ first_census }}) / {{ last_census - first_census }}.0 as population_60_plus,
        a.population_65_plus + (b.population_65_plus - a.population_65_plus)
            * (y.year - {{ first_census }}) / {{ last_census - first_census }}.0 as population_65_plus,
        a.source_table,
        -- both censuses' loads; one id when one file carries both (the prefecture table)
        case when a.load_id = b.load_id then a.load_id else a.load_id || ';' || b.load_id end as load_id
    from census as a
    inner join census as b
        on b.region_code = a.region_code
       and a.year = {{ first_census }}
       and b.year = {{ last_census }}
       and a.source_table = b.source_table
    cross join intercensal_years as y
),

feed as (
    select
        region_code,
        year,
        cast(resident_population as double precision) as population,
        cast(population_60_plus as double precision) as population_60_plus,
        cast(null as double precision) as population_65_plus,
        'population_by_age' as source_table,
        load_id
    from {{ ref('stg_population_by_age') }}
),

candidates as (
    select *, 'census' as source, 1 as priority from census
    union all
    select *, 'interpolated' as source, 2 as priority from interpolated
    union all
    select *, 'feed' as source, 3 as priority from feed
),

ranked as (
    select *, row_number() over (partition by region_code, year order by priority) as preference
    from candidates
)

select
    region_code,
    year,
    population,
    population_60_plus,
    population_65_plus,
    source,
    source = 'interpolated' as is_interpolated,
    source_table,
    load_id as input_load_ids
from ranked
where preference = 1
