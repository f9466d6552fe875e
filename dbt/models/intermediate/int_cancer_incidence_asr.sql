-- 肿瘤年龄标化发病率 / Age-standardised cancer incidence (C00-C97) per 100,000, direct method, per
-- region, year and sex (male, female, total):
--   ASR = Σ_g (cases_g / population_g) · w_g / Σ_g w_g × 100,000
-- over the 18 groups of the standard population seed standard_population_segi (Segi 1960 world
-- standard population as modified by Doll, Payne & Waterhouse 1966, Cancer Incidence in Five
-- Continents vol. I; the 世标率 standard of China's cancer registry annual report and of IARC).
-- The feed's groups 0 and 1-4 are pooled into the standard's 0-4 (cases and population summed).
-- Only complete years: every standard group with population > 0 (else no row).
with by_sex as (
    select c.region_code, c.year, c.sex, c.age_group,
        cast(c.new_cases as double precision) as new_cases,
        cast(p.population as double precision) as population,
        c.load_id as cases_load_id, p.load_id as population_load_id
    from {{ ref('stg_cancer_incidence') }} as c
    inner join {{ ref('stg_population_by_sex_age') }} as p
        on p.region_code = c.region_code and p.year = c.year and p.sex = c.sex and p.age_group = c.age_group
    where c.sex in ('male', 'female')
),

with_total as (
    select * from by_sex
    union all
    select region_code, year, 'total', age_group, sum(new_cases), sum(population),
        min(cases_load_id), min(population_load_id)
    from by_sex
    group by region_code, year, age_group
    having count(*) = 2
),

standard_groups as (
    select t.region_code, t.year, t.sex, g.standard_age_start,
        sum(t.new_cases) as new_cases, sum(t.population) as population,
        min(t.cases_load_id) || ';' || min(t.population_load_id) as input_load_ids
    from with_total as t
    inner join {{ ref('life_table_age_groups') }} as g on g.age_group = t.age_group
    group by t.region_code, t.year, t.sex, g.standard_age_start
)

select
    s.region_code,
    s.year,
    s.sex,
    sum(s.new_cases) as new_cases,
    sum(s.population) as population,
    sum(s.new_cases) / sum(s.population) * 100000 as crude_rate_per_100k,
    sum(s.new_cases / s.population * w.standard_population) / sum(w.standard_population) * 100000
        as asr_per_100k,
    min(s.input_load_ids) as input_load_ids
from standard_groups as s
inner join {{ ref('standard_population_segi') }} as w on w.standard_age_start = s.standard_age_start
where s.population > 0
group by s.region_code, s.year, s.sex
having count(*) = (select count(*) from {{ ref('standard_population_segi') }})
