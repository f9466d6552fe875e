-- Step 0-1 of the index (docs/evaluation.md): values of the scored indicators, with whether the
-- region is a national evaluation unit (地级及以上市, 直辖市辖区, 县级市: the units of the national
-- evaluation's 9 comparison groups). Benchmarks and entropy weights come from evaluation units only;
-- districts, counties and development zones are scored against them but never ranked with them.
with scored_indicators as (
    select i.indicator_code, i.level1_zh, i.direction, w.expert_weight
    from {{ ref('dim_indicator') }} as i
    inner join {{ ref('indicator_weights') }} as w on w.indicator_code = i.indicator_code
    where w.is_scored
)

select
    v.region_code,
    v.year,
    v.indicator_code,
    v.value,
    s.level1_zh,
    s.direction,
    coalesce(g.city_tier_zh in ('地级及以上市', '直辖市辖区', '县级市'), false) as is_evaluation_unit
from {{ ref('fct_indicator_value') }} as v
inner join scored_indicators as s on s.indicator_code = v.indicator_code
left join {{ ref('int_region_comparison_group') }} as g on g.region_code = v.region_code
where v.value is not null
  and v.is_complete_year  -- an incomplete air-quality year is shown, not scored
