{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 人口分母一致性 / Population denominators (WHO Data Quality Review, consistency of population
-- data): the population a feed reports against the census-based figure of intermediate.int_population
-- — the census itself in 2010 and 2020, the straight line between the two censuses in 2011-2019
-- (only where both censuses give the region). Two columns are compared: the total population
-- (population_by_age.resident_population, city_panel.population_year_end) against int_population.population,
-- and the population aged 60+ (population_by_age.population_60_plus, HC17's denominator) against
-- int_population.population_60_plus. A feed more than denominator_tolerance (default 10 %) away is a
-- WARN naming region, year, both figures, their sources and the relative difference.
with census as (
    select region_code, year, population, population_60_plus, source_table, input_load_ids
    from {{ ref('int_population') }}
    where source = 'census'
),

census_based as (
    select region_code, year, population, population_60_plus, source_table || ' ' || year as census_source, input_load_ids
    from census
    union all
    select
        a.region_code,
        y.year,
        a.population + (b.population - a.population) * (y.year - 2010) / 10.0,
        a.population_60_plus + (b.population_60_plus - a.population_60_plus) * (y.year - 2010) / 10.0,
        a.source_table || ' 2010–2020 interpolated',
        a.input_load_ids || ';' || b.input_load_ids
    from census as a
    inner join census as b on b.region_code = a.region_code and a.year = 2010 and b.year = 2020
    cross join (select unnest(range(2011, 2020)) as year) as y
),

reported as (
    select
        'population_by_age' as feed, 'resident_population' as column_name, region_code, year,
        cast(resident_population as double precision) as population,
        load_id, source_file, cast(source_row_number as varchar) as source_row
    from {{ ref('stg_population_by_age') }}
    where resident_population is not null
    union all
    select
        'population_by_age', 'population_60_plus', region_code, year,
        cast(population_60_plus as double precision),
        load_id, source_file, cast(source_row_number as varchar)
    from {{ ref('stg_population_by_age') }}
    where population_60_plus is not null
    union all
    select
        'city_panel', 'population_year_end', region_code, year,
        cast(population_year_end as double precision),
        _load_id, _source_file, cast(_row_number as varchar)
    from {{ source('raw', 'city_panel') }}
    where _superseded_by_load_id is null and population_year_end is not null
),

compared as (
    select
        r.*,
        case when r.column_name = 'population_60_plus' then c.population_60_plus else c.population end
            as census_population,
        c.census_source,
        c.input_load_ids as census_load_ids
    from reported as r
    inner join census_based as c using (region_code, year)
)

select
    feed,
    column_name,
    region_code,
    year,
    population as reported_population,
    census_population,
    census_source,
    population / census_population - 1 as relative_difference,
    census_population * (1 - {{ dq_param('denominator_tolerance') }}) as expected_low,
    census_population * (1 + {{ dq_param('denominator_tolerance') }}) as expected_high,
    load_id || ';' || census_load_ids as input_load_ids,
    source_file,
    source_row
from compared
where census_population > 0
  and abs(population / census_population - 1) > {{ dq_param('denominator_tolerance') }}
