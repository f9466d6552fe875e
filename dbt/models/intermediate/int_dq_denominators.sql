{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 人口分母一致性 / Population denominators (WHO Data Quality Review, consistency of population
-- data): the population a feed reports against the census-based figure of intermediate.int_population
-- — the census itself in 2010 and 2020, the straight line between the two censuses in 2011-2019
-- (only where both censuses give the region). A feed more than denominator_tolerance (default
-- 10 %) away is a WARN naming both figures and their sources.
with census as (
    select region_code, year, population, source_table, input_load_ids
    from {{ ref('int_population') }}
    where source = 'census'
),

census_based as (
    select region_code, year, population, source_table || ' ' || year as census_source, input_load_ids
    from census
    union all
    select
        a.region_code,
        y.year,
        a.population + (b.population - a.population) * (y.year - 2010) / 10.0,
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
        'city_panel', 'population_year_end', region_code, year,
        cast(population_year_end as double precision),
        _load_id, _source_file, cast(_row_number as varchar)
    from {{ source('raw', 'city_panel') }}
    where _superseded_by_load_id is null and population_year_end is not null
)

select
    r.feed,
    r.column_name,
    r.region_code,
    r.year,
    r.population as reported_population,
    c.population as census_population,
    c.census_source,
    r.population / c.population - 1 as relative_difference,
    c.population * (1 - {{ dq_param('denominator_tolerance') }}) as expected_low,
    c.population * (1 + {{ dq_param('denominator_tolerance') }}) as expected_high,
    r.load_id || ';' || c.input_load_ids as input_load_ids,
    r.source_file,
    r.source_row
from reported as r
inner join census_based as c using (region_code, year)
where c.population > 0
  and abs(r.population / c.population - 1) > {{ dq_param('denominator_tolerance') }}
