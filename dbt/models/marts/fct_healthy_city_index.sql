-- Step 6-8 of the index: indicator scores 0-100, five sub-indices and the total per region and year.
-- A missing indicator is left out and the weights are renormalised over what the region has (within
-- each dimension, then over dimensions); `weight_coverage` is the share of the whole scored system
-- (expert weights of every scored indicator) that the region's informative indicators carry.
-- Closed rounds (reference.evaluation_rounds) are stored: once a round's rows exist they are never
-- recomputed, so rerunning a past round gives its published index; a region that first appears in a
-- closed round is scored with the frozen parameters but not ranked.
{{ config(materialized='incremental', unique_key=['region_code', 'year'], on_schema_change='append_new_columns',
          tags=['backfill_year']) }}
-- A backfill of one year (var backfill_year, macros/backfill.sql) scores and replaces that year's rows only.

with closed_rounds as (
    select year from {{ ref('evaluation_rounds') }}
),

scores as (
    select s.region_code, s.year, s.indicator_code, s.level1_zh, s.is_evaluation_unit, 100 * s.normalised_value as score
    from {{ ref('int_indicator_scores') }} as s
    where s.normalised_value is not null {{ backfill_year_filter('s.year') }}
),

weights as (
    select year, indicator_code, level1_zh, combined_weight
    from {{ ref('fct_indicator_weight') }}
    where is_informative
),

system_weight as (
    select sum(expert_weight) as total from {{ ref('indicator_weights') }} where is_scored
),

dimension_weights as (
    select year, level1_zh, sum(combined_weight) as dimension_weight
    from weights
    group by year, level1_zh
),

sub_indices as (
    select
        s.region_code,
        s.year,
        s.level1_zh,
        sum(w.combined_weight * s.score) / nullif(sum(w.combined_weight), 0) as sub_index,
        count(*) as n_indicators
    from scores as s
    inner join weights as w on w.year = s.year and w.indicator_code = s.indicator_code
    group by s.region_code, s.year, s.level1_zh
),

coverage as (
    select s.region_code, s.year, sum(iw.expert_weight) / max(sw.total) as weight_coverage,
           bool_or(s.is_evaluation_unit) as is_evaluation_unit
    from scores as s
    inner join {{ ref('indicator_weights') }} as iw on iw.indicator_code = s.indicator_code
    cross join system_weight as sw
    group by s.region_code, s.year
),

index_values as (
    select
        si.region_code,
        si.year,
        sum(dw.dimension_weight * si.sub_index) / nullif(sum(dw.dimension_weight), 0) as healthy_city_index,
        max(case when si.level1_zh = '健康环境' then si.sub_index end) as index_healthy_environment,
        max(case when si.level1_zh = '健康社会' then si.sub_index end) as index_healthy_society,
        max(case when si.level1_zh = '健康服务' then si.sub_index end) as index_health_services,
        max(case when si.level1_zh = '健康人群' then si.sub_index end) as index_healthy_population,
        max(case when si.level1_zh = '健康文化' then si.sub_index end) as index_health_culture,
        sum(si.n_indicators) as n_indicators,
        count(*) as n_dimensions
    from sub_indices as si
    inner join dimension_weights as dw on dw.year = si.year and dw.level1_zh = si.level1_zh
    group by si.region_code, si.year
),

{% if is_incremental() %}
stored_closed as (
    select region_code, year from {{ this }} where year in (select year from closed_rounds)
),
{% endif %}

grouped as (
    select
        iv.*,
        c.weight_coverage,
        c.is_evaluation_unit,
        g.region_name_zh,
        g.region_of_china_zh,
        g.city_tier_zh,
        coalesce(g.region_of_china_zh, '未知') || '·' || coalesce(g.city_tier_zh, '未知') as comparison_group,
        iv.year in (select year from closed_rounds) as is_closed_round,
        {% if is_incremental() %}
        iv.year in (select year from stored_closed) as is_added_after_round_closed
        {% else %}
        false as is_added_after_round_closed
        {% endif %}
    from index_values as iv
    inner join coverage as c on c.region_code = iv.region_code and c.year = iv.year
    left join {{ ref('int_region_comparison_group') }} as g on g.region_code = iv.region_code
    {% if is_incremental() %}
    where not exists (select 1 from stored_closed as s where s.region_code = iv.region_code and s.year = iv.year)
    {% endif %}
),

ranked as (
    select
        *,
        is_evaluation_unit
            and weight_coverage >= {{ var('index_min_coverage', 0.8) }}
            and not is_added_after_round_closed as is_rankable,
        case
            when not is_evaluation_unit then '非国家评价单元 / not a national evaluation unit (district, county or zone)'
            when weight_coverage < {{ var('index_min_coverage', 0.8) }}
                then '指标覆盖不足 / weight coverage below ' || cast({{ var('index_min_coverage', 0.8) }} as varchar)
            when is_added_after_round_closed then '轮次关闭后加入 / added after the round was closed'
        end as not_ranked_reason
    from grouped
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
    {%- set pass_mark = var('index_pass_mark', none) %}
    -- The national method defines no pass mark; a province that uses one (海南: 60) sets index_pass_mark.
    {{ 'cast(null as boolean)' if pass_mark is none else 'healthy_city_index >= ' ~ pass_mark }} as is_above_pass_mark,
    region_of_china_zh,
    city_tier_zh,
    comparison_group,
    is_evaluation_unit,
    is_closed_round,
    is_added_after_round_closed,
    is_rankable,
    not_ranked_reason,
    case when is_rankable then
        rank() over (partition by year, comparison_group, is_rankable order by healthy_city_index desc)
    end as rank_in_group,
    count(*) filter (where is_rankable) over (partition by year, comparison_group) as regions_in_group
from ranked
