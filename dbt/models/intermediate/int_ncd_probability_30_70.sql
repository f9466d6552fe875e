-- 重大慢性病过早死亡概率 / Probability of dying between exact ages 30 and 70 from the four major
-- NCDs, WHO/SDG indicator 3.4.1 (WHO Global Monitoring Framework for NCDs, indicator definitions
-- and specifications, 2014; SDG metadata 03-04-01): per region, year and sex (male, female, total)
--   5Mx = deaths from I00-I99, C00-C97, J30-J98 and E10-E14 aged x..x+4 / population aged x..x+4
--   5qx = 5·5Mx / (1 + 2.5·5Mx)
--   30q70 (40q30) = 1 - Π (1 - 5qx) over x = 30, 35, ..., 65  (the eight groups 30-34 ... 65-69)
-- Only when all eight groups have population > 0 (else no row, never a partial product).
{%- set ncd_causes = ['I00-I99', 'C00-C97', 'J30-J98', 'E10-E14'] %}

with ncd_deaths as (
    select region_code, year, sex, age_group, sum(cast(deaths as double precision)) as deaths,
        count(*) as causes_reported, min(load_id) as load_id
    from {{ ref('stg_deaths_by_cause') }}
    where cause_code in ('{{ ncd_causes | join("', '") }}')
    group by region_code, year, sex, age_group
),

by_sex as (
    select p.region_code, p.year, p.sex, p.age_group, d.deaths,
        cast(p.population as double precision) as population,
        p.load_id || ';' || d.load_id as input_load_ids
    from {{ ref('stg_population_by_sex_age') }} as p
    inner join ncd_deaths as d
        on d.region_code = p.region_code and d.year = p.year and d.sex = p.sex and d.age_group = p.age_group
    inner join {{ ref('life_table_age_groups') }} as g on g.age_group = p.age_group
    where g.age_start between 30 and 65 and g.age_width = 5
      and d.causes_reported = {{ ncd_causes | length }}
      and p.sex in ('male', 'female')
),

with_total as (
    select * from by_sex
    union all
    select region_code, year, 'total', age_group, sum(deaths), sum(population), min(input_load_ids)
    from by_sex
    group by region_code, year, age_group
    having count(*) = 2
),

probabilities as (
    -- capped at 1: 5·5Mx / (1 + 2.5·5Mx) exceeds 1 only if 5Mx > 0.4 (a handful of people)
    select *, least(1.0, 5 * (deaths / population) / (1 + 2.5 * (deaths / population))) as qx
    from with_total
    where population > 0
)

select
    region_code,
    year,
    sex,
    sum(deaths) as ncd_deaths_30_69,
    sum(population) as population_30_69,
    -- Π (1 - 5qx) as exp(Σ ln(1 - 5qx))
    1 - exp(sum(ln(greatest(1 - qx, 1e-300)))) as probability_30_70,
    min(input_load_ids) || ';' || max(input_load_ids) as input_load_ids
from probabilities
group by region_code, year, sex
having count(*) = 8
