-- 肿瘤年龄标化发病率 / Age-standardised cancer incidence (C00-C97) per 100,000, direct method, per
-- region, year and sex (male, female, total):
--   ASR = Σ_g (cases_g / population_g) · w_g / Σ_g w_g × 100,000
-- over the groups g of the standard population chosen by var('hc37_standard_population'):
--   'segi_world' (default)  seed standard_population_segi: Segi 1960 world standard population as
--                           modified by Doll, Payne & Waterhouse 1966 (Cancer Incidence in Five
--                           Continents vol. I), 18 groups 0-4 ... 85+: the 世标率 standard of China's
--                           cancer registry annual report (中国肿瘤登记年报) and of IARC;
--   'china_2000'            seed standard_population_china_2000: China's 2000 census population
--                           (第五次全国人口普查), 19 groups 0, 1-4, 5-9, ..., 85+: the 中标率 standard
--                           of the same annual report.
-- A feed group falls in the standard group whose ages contain it: for Segi the feed's 0 and 1-4
-- are pooled into 0-4 (cases and population summed); for China 2000 every group is its own.
-- Only complete years: every standard group with population > 0 (else no row).
{%- set standard = var('hc37_standard_population', 'segi_world') %}
{%- set standards = ['segi_world', 'china_2000'] %}
{%- if standard not in standards %}
{{ exceptions.raise_compiler_error("var hc37_standard_population is '" ~ standard ~ "': use one of " ~ standards | join(', ')) }}
{%- endif %}

with cases as (
    select region_code, year, sex, age_group, new_cases, load_id
    from {{ ref('stg_cancer_incidence') }}
),

with_total as (
    {{ sex_age_counts_with_total('cases', 'new_cases', ref('stg_population_by_sex_age')) }}
),

standard_population as (
    select 'segi_world' as standard, standard_age_start, cast(standard_population as double precision) as weight
    from {{ ref('standard_population_segi') }}
    union all
    select 'china_2000', standard_age_start, cast(standard_population as double precision)
    from {{ ref('standard_population_china_2000') }}
),

standard_groups_chosen as (
    select standard_age_start, weight,
        lead(standard_age_start) over (order by standard_age_start) as next_standard_age_start
    from standard_population
    where standard = '{{ standard }}'
),

standard_groups as (
    select t.region_code, t.year, t.sex, w.standard_age_start, w.weight,
        sum(t.new_cases) as new_cases, sum(t.population) as population,
        min(t.counts_load_id) || ';' || min(t.population_load_id) as input_load_ids
    from with_total as t
    inner join {{ ref('life_table_age_groups') }} as g on g.age_group = t.age_group
    inner join standard_groups_chosen as w
        on g.age_start >= w.standard_age_start
       and (w.next_standard_age_start is null or g.age_start < w.next_standard_age_start)
    group by t.region_code, t.year, t.sex, w.standard_age_start, w.weight
)

select
    region_code,
    year,
    sex,
    '{{ standard }}' as standard_population,
    sum(new_cases) as new_cases,
    sum(population) as population,
    sum(new_cases) / sum(population) * 100000 as crude_rate_per_100k,
    sum(new_cases / population * weight) / sum(weight) * 100000 as asr_per_100k,
    min(input_load_ids) as input_load_ids
from standard_groups
where population > 0
group by region_code, year, sex
having count(*) = (select count(*) from standard_groups_chosen)
