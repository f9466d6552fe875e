{{ config(tags=['backfill_year'], **year_partition_config()) }}
-- 逐级汇总 / County -> prefecture -> province roll-ups (docs/evaluation.md, "Roll-ups").
--
-- Rules (reference.indicator_aggregation):
--   sum_counts    value = Σ numerator / Σ denominator × multiplier over the units below; rates are
--                 never averaged.
--   not_additive  no roll-up (air-quality days and concentrations, survey estimates): the reason is
--                 in the seed.
-- Prefecture = Σ its county-level units (districts, counties, county-level cities); development zones
-- (NBS statistical codes without a GB/T 2260 code, e.g. 稀土高新区) are left out because the census
-- and most yearbooks count their people inside the districts, so adding them would count twice.
-- Province = Σ its prefectures, each taken as its own reported value when it has one, else as
-- its county roll-up.
with rules as (
    select indicator_code, multiplier from {{ ref('indicator_aggregation') }} where aggregation_rule = 'sum_counts'
),

regions as (
    select region_code, region_name_zh, level_rank, prefecture_code, province_code, is_statistical_zone,
           has_gbt2260_code, is_current
    from {{ ref('dim_region') }}
),

population as (
    select region_code, year, population from {{ ref('int_population') }}
),

reported as (
    select v.region_code, v.year, v.indicator_code, v.numerator, v.denominator, r.level_rank,
           r.prefecture_code, r.province_code, rules.multiplier
    from {{ ref('fct_indicator_value') }} as v
    inner join rules using (indicator_code)
    inner join regions as r using (region_code)
    where v.numerator is not null and v.denominator is not null
      {{- backfill_year_filter('v.year') }}  {#- a backfill rolls up year Y only (same-year inputs) #}
),

-- Units a complete roll-up would have: current county-level GB/T 2260 units, current prefectures.
expected_counties as (
    select prefecture_code, count(*) as n_units_expected
    from regions
    where level_rank = 3 and is_current and has_gbt2260_code and not is_statistical_zone
    group by prefecture_code
),

expected_prefectures as (
    select province_code, count(*) as n_units_expected
    from regions
    where level_rank = 2 and is_current
    group by province_code
),

county_rollup as (
    select
        c.prefecture_code as region_code,
        c.year,
        c.indicator_code,
        'county' as aggregated_from,
        sum(c.numerator) as numerator,
        sum(c.denominator) as denominator,
        max(c.multiplier) as multiplier,
        count(*) as n_reporting_units,
        sum(p.population) as reporting_population
    from reported as c
    inner join regions as r on r.region_code = c.region_code
    left join population as p on p.region_code = c.region_code and p.year = c.year
    where c.level_rank = 3 and not r.is_statistical_zone and c.prefecture_code <> c.region_code
    group by c.prefecture_code, c.year, c.indicator_code
),

-- A prefecture's own value when it reports one, else its county roll-up.
prefecture_inputs as (
    select region_code, year, indicator_code, numerator, denominator, multiplier, province_code
    from reported
    where level_rank = 2
    union all
    select cr.region_code, cr.year, cr.indicator_code, cr.numerator, cr.denominator, cr.multiplier, r.province_code
    from county_rollup as cr
    inner join regions as r on r.region_code = cr.region_code
    where not exists (
        select 1 from reported as own
        where own.region_code = cr.region_code and own.year = cr.year
          and own.indicator_code = cr.indicator_code and own.level_rank = 2
    )
),

province_rollup as (
    select
        pi.province_code as region_code,
        pi.year,
        pi.indicator_code,
        'prefecture' as aggregated_from,
        sum(pi.numerator) as numerator,
        sum(pi.denominator) as denominator,
        max(pi.multiplier) as multiplier,
        count(*) as n_reporting_units,
        sum(p.population) as reporting_population
    from prefecture_inputs as pi
    left join population as p on p.region_code = pi.region_code and p.year = pi.year
    group by pi.province_code, pi.year, pi.indicator_code
),

rollups as (
    select cr.*, e.n_units_expected from county_rollup as cr
    left join expected_counties as e on e.prefecture_code = cr.region_code
    union all
    select pr.*, e.n_units_expected from province_rollup as pr
    left join expected_prefectures as e on e.province_code = pr.region_code
)

select
    ru.region_code,
    r.region_name_zh,
    ru.year,
    ru.indicator_code,
    i.indicator_name_zh,
    case when ru.denominator <> 0 then ru.numerator / ru.denominator * ru.multiplier end as value,
    ru.numerator,
    ru.denominator,
    i.unit,
    ru.aggregated_from,
    ru.n_reporting_units,
    ru.n_units_expected,
    ru.reporting_population / nullif(p.population, 0) as population_coverage,
    own.value as reported_value
from rollups as ru
inner join {{ ref('dim_indicator') }} as i on i.indicator_code = ru.indicator_code
left join regions as r on r.region_code = ru.region_code
left join population as p on p.region_code = ru.region_code and p.year = ru.year
left join {{ ref('fct_indicator_value') }} as own
    on own.region_code = ru.region_code and own.year = ru.year and own.indicator_code = ru.indicator_code
