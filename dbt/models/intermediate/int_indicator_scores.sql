-- Step 1-2 of the index (docs/evaluation.md): each scored indicator normalised to [0, 1] by
-- min-max over all regions that have it in the year, reversed where lower is better.
-- target_band indicators (HC26 beds) count as higher-is-better here; plans judge them by their own comparator.
with scored_indicators as (
    select
        i.indicator_code,
        i.level1_zh,
        i.direction
    from {{ ref('dim_indicator') }} as i
    inner join {{ ref('indicator_weights') }} as w on w.indicator_code = i.indicator_code
    where w.is_scored
),

indicator_values as (
    select
        v.region_code,
        v.year,
        v.indicator_code,
        v.value,
        s.level1_zh,
        s.direction
    from {{ ref('fct_indicator_value') }} as v
    inner join scored_indicators as s on s.indicator_code = v.indicator_code
    where v.value is not null
      and v.is_complete_year  -- an incomplete air-quality year is shown, not scored
),

bounds as (
    select
        year,
        indicator_code,
        min(value) as min_value,
        max(value) as max_value,
        count(*) as n_regions
    from indicator_values
    group by year, indicator_code
)

select
    v.region_code,
    v.year,
    v.indicator_code,
    v.level1_zh,
    v.direction,
    v.value,
    b.min_value,
    b.max_value,
    b.n_regions,
    case
        -- every region equal: the indicator carries no information (its entropy weight becomes 0)
        when b.max_value = b.min_value then 1.0
        when v.direction = 'lower_is_better' then (b.max_value - v.value) / (b.max_value - b.min_value)
        else (v.value - b.min_value) / (b.max_value - b.min_value)
    end as normalised_value
from indicator_values as v
inner join bounds as b
    on b.year = v.year
   and b.indicator_code = v.indicator_code
