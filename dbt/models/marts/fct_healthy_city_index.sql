-- Step 6-8 of the index: indicator scores 0-100, five sub-indices and the total per region and year.
-- A missing indicator is left out and the weights are renormalised over what the region has
-- (within each dimension, then over dimensions); `weight_coverage` says how much weight was present.
with scores as (
    select region_code, year, indicator_code, level1_zh, 100 * normalised_value as score
    from {{ ref('int_indicator_scores') }}
),

weights as (
    select year, indicator_code, combined_weight from {{ ref('fct_indicator_weight') }}
),

dimension_weights as (
    select w.year, s.level1_zh, sum(w.combined_weight) as dimension_weight
    from weights as w
    inner join (select distinct indicator_code, level1_zh from scores) as s on s.indicator_code = w.indicator_code
    group by w.year, s.level1_zh
),

sub_indices as (
    select
        s.region_code,
        s.year,
        s.level1_zh,
        sum(w.combined_weight * s.score) / sum(w.combined_weight) as sub_index,
        sum(w.combined_weight) as weight_present,
        count(*) as n_indicators
    from scores as s
    inner join weights as w
        on w.year = s.year
       and w.indicator_code = s.indicator_code
    group by s.region_code, s.year, s.level1_zh
),

index_values as (
    select
        si.region_code,
        si.year,
        sum(dw.dimension_weight * si.sub_index) / sum(dw.dimension_weight) as healthy_city_index,
        max(case when si.level1_zh = '健康环境' then si.sub_index end) as index_healthy_environment,
        max(case when si.level1_zh = '健康社会' then si.sub_index end) as index_healthy_society,
        max(case when si.level1_zh = '健康服务' then si.sub_index end) as index_health_services,
        max(case when si.level1_zh = '健康人群' then si.sub_index end) as index_healthy_population,
        max(case when si.level1_zh = '健康文化' then si.sub_index end) as index_health_culture,
        sum(si.weight_present) as weight_coverage,
        sum(si.n_indicators) as n_indicators,
        count(*) as n_dimensions
    from sub_indices as si
    inner join dimension_weights as dw
        on dw.year = si.year
       and dw.level1_zh = si.level1_zh
    group by si.region_code, si.year
),

grouped as (
    select
        iv.*,
        g.region_name_zh,
        g.region_of_china_zh,
        g.city_tier_zh,
        coalesce(g.region_of_china_zh, '未知') || '·' || coalesce(g.city_tier_zh, '未知') as comparison_group,
        iv.weight_coverage >= {{ var('index_min_coverage', 0.8) }} as is_rankable
    from index_values as iv
    left join {{ ref('int_region_comparison_group') }} as g on g.region_code = iv.region_code
)

select
    region_code,
    region_name_zh,
    year,
    healthy_city_index,
    index_healthy_environment,
    index_healthy_society,
    index_health_services,
    index_healthy_population,
    index_health_culture,
    weight_coverage,
    n_indicators,
    n_dimensions,
    healthy_city_index >= 60 as is_pass_60,
    region_of_china_zh,
    city_tier_zh,
    comparison_group,
    is_rankable,
    case when is_rankable then
        rank() over (partition by year, comparison_group, is_rankable order by healthy_city_index desc)
    end as rank_in_group,
    count(*) filter (where is_rankable) over (partition by year, comparison_group) as regions_in_group
from grouped
