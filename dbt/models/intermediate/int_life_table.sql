-- 简略寿命表（计算）/ Abridged period life table per region, year and sex (male, female, total), Chiang's
-- method (Chiang 1984, The Life Table and its Applications; the method of China's health statistics):
--   nqx = n·nMx / (1 + (n - nax)·nMx)            closed intervals (capped at 1); the open 85+ has q = 1
--   lx  = 100000 · Π over younger groups (1 - nqx) (radix l0 = 100,000)
--   ndx = lx · nqx
--   nLx = n·(lx - ndx) + nax·ndx                   closed intervals;  L85+ = l85 / M85+ (open interval)
--   Tx  = Σ nLx from x on;   ex = Tx / lx          (e0 is HC29 人均预期寿命)
-- nMx and nax come from int_life_table_input (a0 and 4a1 by the Coale-Demeny rule).
-- Standard error of ex (Chiang 1984, ch. 8; with the open interval's term of Silcocks, Jenner &
-- Reza 2001, J Epidemiol Community Health 55:38 -- the method of the PHE/ONS life expectancy
-- calculator and of Eayres & Williams 2004, J Epidemiol Community Health 58:243):
--   Var(nqx)  = nqx² (1 - nqx) / nDx               closed intervals, nDx the observed deaths (0 if none)
--   Var(ex)   = [ Σ_{i>=x, closed} li² ((ni - nai) + e_{i+n})² Var(nqi)  +  lw² / (Dw · Mw²) ] / lx²
--               the last term for the open interval w = 85+ (its e_w = 1 / Mw varies with Mw)
--   ex_se = √Var(ex);  95% CI  ex ± 1.959964 · ex_se  (normal approximation)
-- is_unstable flags a table from a small population: fewer person-years than
-- var('life_table_min_population', 5000) (the minimum for abridged life tables in Eayres &
-- Williams 2004, J Epidemiol Community Health 58:243) or fewer deaths than
-- var('life_table_min_deaths', 500), so that a county of ~50,000 residents (a few hundred deaths a
-- year) is flagged: its e0 moves by a year or more with chance alone.
{%- set min_population = var('life_table_min_population', 5000) %}
{%- set min_deaths = var('life_table_min_deaths', 500) %}

with probabilities as (
    select
        *,
        case
            when age_width is null then 1.0
            else least(1.0, age_width * mx / (1 + (age_width - ax) * mx))
        end as qx
    from {{ ref('int_life_table_input') }}
),

survivors as (
    select
        *,
        100000 * exp(coalesce(sum(ln(greatest(1 - qx, 1e-300))) over (
            partition by region_code, year, sex order by age_start
            rows between unbounded preceding and 1 preceding), 0)) as lx
    from probabilities
),

person_years as (
    select
        *,
        lx * qx as ndx,
        case when age_width is null then lx / mx else age_width * (lx - lx * qx) + ax * lx * qx end as nlx
    from survivors
),

totals as (
    select
        *,
        sum(nlx) over (partition by region_code, year, sex order by age_start
            rows between current row and unbounded following) as tx,
        sum(deaths) over (partition by region_code, year, sex) as table_deaths,
        sum(population) over (partition by region_code, year, sex) as table_population,
        max(case when age_width is not null and qx >= 1 then 1 else 0 end)
            over (partition by region_code, year, sex) as has_capped_q
    from person_years
),

expectancies as (
    select *, tx / lx as ex
    from totals
),

variance_terms as (
    select
        *,
        case
            when age_width is null then lx * lx / (deaths * mx * mx)
            when deaths = 0 then 0.0
            else lx * lx
                * power(age_width - ax + lead(ex) over (partition by region_code, year, sex order by age_start), 2)
                * qx * qx * (1 - qx) / deaths
        end as variance_term
    from expectancies
),

variances as (
    select
        *,
        sqrt(sum(variance_term) over (partition by region_code, year, sex order by age_start
            rows between current row and unbounded following) / (lx * lx)) as ex_se
    from variance_terms
)

select
    region_code,
    year,
    sex,
    age_group,
    age_start,
    age_width,
    deaths,
    population,
    mx as nmx,
    ax as nax,
    qx as nqx,
    lx,
    ndx,
    nlx,
    tx,
    ex,
    ex_se,
    ex - 1.959963984540054 * ex_se as ex_lower_95,
    ex + 1.959963984540054 * ex_se as ex_upper_95,
    table_deaths,
    table_population,
    (table_population < {{ min_population }} or table_deaths < {{ min_deaths }} or has_capped_q = 1) as is_unstable,
    cast(case
        when has_capped_q = 1 then 'nqx capped at 1 in a closed age group'
        when table_population < {{ min_population }} then 'population below {{ min_population }}'
        when table_deaths < {{ min_deaths }} then 'fewer than {{ min_deaths }} deaths'
    end as varchar) as unstable_reason,
    input_load_ids
from variances
