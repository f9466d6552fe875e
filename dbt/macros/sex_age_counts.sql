{#
  sex_age_counts_with_total: the age-group join the health-outcome models share. A count by
  region, year, sex and age group (deaths, new cancer cases) beside the mid-year population of the
  same cell, for male and female, plus sex = 'total' (both sexes summed, only where both are there).

    counts          relation holding the count: region_code, year, sex, age_group, load_id and the
                    count column (a ref() or a CTE name; filter it first, e.g. to one cause)
    count_column    the count column's name, e.g. 'deaths' or 'new_cases'
    population      relation of the population by sex and age (ref('stg_population_by_sex_age'))

  Output columns: region_code, year, sex, age_group, <count_column> and population (double
  precision), counts_load_id and population_load_id (the raw loads; for 'total' the smaller of
  the two sexes'). A cell without both count and population has no row (inner join): a missing
  input gives no value downstream, never a guess. Portable SQL (DuckDB and PostgreSQL).
#}
{% macro sex_age_counts_with_total(counts, count_column, population) %}
{%- set by_sex -%}
    select
        p.region_code, p.year, p.sex, p.age_group,
        cast(c.{{ count_column }} as double precision) as {{ count_column }},
        cast(p.population as double precision) as population,
        c.load_id as counts_load_id,
        p.load_id as population_load_id
    from {{ population }} as p
    inner join {{ counts }} as c
        on c.region_code = p.region_code and c.year = p.year and c.sex = p.sex and c.age_group = p.age_group
    where p.sex in ('male', 'female')
{%- endset %}
{{ by_sex }}
    union all
    select region_code, year, 'total' as sex, age_group, sum({{ count_column }}), sum(population),
        min(counts_load_id), min(population_load_id)
    from ({{ by_sex }}
    ) as by_sex
    group by region_code, year, age_group
    having count(*) = 2
{%- endmacro %}
