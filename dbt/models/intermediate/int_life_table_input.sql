-- 寿命表输入 / Life-table inputs: all-cause deaths (ICD-10 A00-Y89) and mid-year population per
-- region, year, sex (male, female, and total = both summed) and age group (0, 1-4, 5-9, ..., 85+),
-- with nMx = deaths / population and nax, the years lived in the interval by those who die in it:
--   age 0      a0 by the Coale-Demeny rule on the infant death rate 1m0 (Preston, Heuveline &
--              Guillot 2001, Demography, Table 3.3): males   0.045 + 2.684·1m0 (0.330 if 1m0 >= 0.107),
--                                                     females 0.053 + 2.800·1m0 (0.350 if 1m0 >= 0.107);
--   age 1-4    4a1 by the same table: males 1.651 - 2.816·1m0 (1.352), females 1.522 - 1.518·1m0 (1.361);
--              for both sexes together (sex = total) the mean of the male and female values;
--   5-9..80-84 n/2 = 2.5 (deaths spread evenly over the interval, Chiang 1984);
--   85+        1 / M85+ (the open interval: L85+ = l85 / M85+).
-- Only complete tables: all 19 age groups with population > 0 and deaths in the open group, else
-- no row for that region, year and sex (a missing input gives no value, never a guess).
with deaths as (
    select region_code, year, sex, age_group, deaths, load_id
    from {{ ref('stg_deaths_by_cause') }}
    where cause_code = 'A00-Y89'
),

with_total as (
    {{ sex_age_counts_with_total('deaths', 'deaths', ref('stg_population_by_sex_age')) }}
),

rates as (
    select
        t.region_code,
        t.year,
        t.sex,
        t.age_group,
        g.age_start,
        g.age_width,
        t.deaths,
        t.population,
        case when t.population > 0 then t.deaths / t.population end as mx,
        t.population_load_id || ';' || t.counts_load_id as input_load_ids
    from with_total as t
    inner join {{ ref('life_table_age_groups') }} as g on g.age_group = t.age_group
),

-- the complete tables (one aggregate per region, year and sex, joined back to its age groups)
complete_tables as (
    select
        region_code,
        year,
        sex,
        max(case when age_start = 0 then mx end) as infant_mx
    from rates
    group by region_code, year, sex
    having count(*) = 19
       and sum(case when population > 0 then 1 else 0 end) = 19
       and max(case when age_width is null then deaths end) > 0
),

complete as (
    select r.*, c.infant_mx
    from rates as r
    inner join complete_tables as c
        on c.region_code = r.region_code and c.year = r.year and c.sex = r.sex
),

coale_demeny as (
    select
        *,
        case when infant_mx >= 0.107 then 0.330 else 0.045 + 2.684 * infant_mx end as a0_male,
        case when infant_mx >= 0.107 then 0.350 else 0.053 + 2.800 * infant_mx end as a0_female,
        case when infant_mx >= 0.107 then 1.352 else 1.651 - 2.816 * infant_mx end as a1_male,
        case when infant_mx >= 0.107 then 1.361 else 1.522 - 1.518 * infant_mx end as a1_female
    from complete
)

select
    region_code,
    year,
    sex,
    age_group,
    cast(age_start as integer) as age_start,
    cast(age_width as integer) as age_width,
    deaths,
    population,
    mx,
    cast(case
        when age_width is null then 1 / mx
        when age_start = 0 then
            case sex when 'male' then a0_male when 'female' then a0_female else (a0_male + a0_female) / 2 end
        when age_start = 1 then
            case sex when 'male' then a1_male when 'female' then a1_female else (a1_male + a1_female) / 2 end
        else age_width / 2.0
    end as double precision) as ax,
    input_load_ids
from coale_demeny
