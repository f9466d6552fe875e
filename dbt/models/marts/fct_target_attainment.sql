{{ config(tags=['backfill_year']) }}
-- Rebuilt whole by a backfill of one year (its rows are targets, not years): a target judged on the
-- backfilled year, or whose latest value or trend includes it, moves; every other row comes out the same.
-- Per plan target: the value it is judged on, the status (in Chinese and English), the gap, and a
-- projection for targets not yet due (docs/evaluation.md, "Attainment").
--
-- The status, its year and its value always come from one row of fct_indicator_value:
--   past due     -> the value in the target year (met / not met / no data);
--   not yet due  -> the latest value, read with the projection (on track / off track / not yet due).
-- An incomplete air-quality year (is_complete_year false, GB 3095 表4) never judges a target: where it is
-- the only value, the status is 'insufficient data' (数据不足).
with targets as (
    select * from {{ ref('plan_targets') }}
),

indicators as (
    select indicator_code, hard_min, hard_max from {{ ref('dim_indicator') }}
),

conversions as (
    select * from {{ ref('target_measure_conversions') }}
),

indicator_values as (
    select region_code, indicator_code, year, value
    from {{ ref('fct_indicator_value') }}
    where value is not null
      and is_complete_year  -- an incomplete air-quality year does not judge a target
),

incomplete_values as (
    select region_code, indicator_code, year
    from {{ ref('fct_indicator_value') }}
    where value is not null and not is_complete_year
),

latest as (
    select region_code, indicator_code, year as latest_year, value as latest_value
    from (
        select *, row_number() over (partition by region_code, indicator_code order by year desc) as recency
        from indicator_values
    ) as ranked
    where recency = 1
),

-- Least-squares line over the last five years with data (needs three points), ending in the target
-- year for a past-due target, with what a 95 % prediction interval needs: residual standard error,
-- n, mean year and the spread of the years.
trend_points as (
    select *
    from (
        select t.target_id, v.year, v.value,
               row_number() over (partition by t.target_id order by v.year desc) as recency
        from targets as t
        inner join indicator_values as v
            on v.region_code = t.region_code
           and v.indicator_code = t.indicator_code
           and (cast(t.target_year as integer) >= {{ evaluation_year() }} or v.year <= cast(t.target_year as integer))
    ) as ranked
    where recency <= 5
),

trend_points_ordered as (
    select *, row_number() over (partition by target_id order by year) as oldest_first
    from trend_points
),

trend as (
    select
        target_id,
        count(*) as trend_years_used,
        min(year) as trend_first_year,
        max(year) as trend_last_year,
        regr_slope(value, year) as trend_slope_per_year,
        regr_intercept(value, year) as trend_intercept,
        regr_r2(value, year) as trend_r2,
        avg(year) as mean_year,
        regr_sxx(value, year) as sxx,
        -- residual sum of squares = Syy (1 - r2); with constant values r2 is NULL and the fit is exact
        regr_syy(value, year) * (1 - coalesce(regr_r2(value, year), 1)) as rss,
        max(case when oldest_first = 1 then value end) as first_value,
        max(case when recency = 1 then value end) as last_value
    from trend_points_ordered
    group by target_id
),

joined as (
    select
        t.*,
        cast(t.target_year as integer) >= {{ evaluation_year() }} as is_not_yet_due,
        l.latest_year,
        l.latest_value,
        at_target.value as value_in_target_year,
        incomplete.year is not null as is_target_year_incomplete,
        latest_incomplete.latest_incomplete_year,
        tr.trend_years_used,
        tr.trend_first_year,
        tr.trend_last_year,
        tr.trend_slope_per_year,
        tr.trend_r2,
        tr.first_value as trend_first_value,
        tr.last_value as trend_last_value,
        tr.trend_intercept + tr.trend_slope_per_year * cast(t.target_year as integer) as line_value,
        -- t(0.975, n - 2) for n = 3, 4, 5 points
        case tr.trend_years_used when 3 then 12.706 when 4 then 4.303 when 5 then 3.182 end
            * sqrt(tr.rss / nullif(tr.trend_years_used - 2, 0))
            * sqrt(1 + 1.0 / tr.trend_years_used
                   + power(cast(t.target_year as integer) - tr.mean_year, 2) / nullif(tr.sxx, 0)) as half_interval,
        coalesce(i.hard_min, 0) as hard_min,
        i.hard_max,
        case
            when not t.is_comparable
                then '目标与指标口径不同或无单一目标值 / the target measures something else or states no single value ('
                     || coalesce(t.unit_as_written, '') || ')'
            when t.mapping_quality = 'approx' and c.target_id is null
                then '近似对应，口径不同 / approximate mapping, a different measure: ' || coalesce(t.notes, t.indicator_text_zh)
        end as not_comparable_reason,
        c.reason_en as measure_conversion
    from targets as t
    left join indicators as i on i.indicator_code = t.indicator_code
    left join conversions as c on c.target_id = t.target_id
    left join latest as l
        on l.region_code = t.region_code
       and l.indicator_code = t.indicator_code
    left join indicator_values as at_target
        on at_target.region_code = t.region_code
       and at_target.indicator_code = t.indicator_code
       and at_target.year = cast(t.target_year as integer)
    left join trend as tr on tr.target_id = t.target_id
    left join incomplete_values as incomplete
        on incomplete.region_code = t.region_code
       and incomplete.indicator_code = t.indicator_code
       and incomplete.year = cast(t.target_year as integer)
    left join (
        select region_code, indicator_code, max(year) as latest_incomplete_year
        from incomplete_values group by region_code, indicator_code
    ) as latest_incomplete
        on latest_incomplete.region_code = t.region_code
       and latest_incomplete.indicator_code = t.indicator_code
),

-- Projection only for targets not yet due, with three points or more, clipped to the
-- indicator's possible range (a rate cannot pass 100 %, a death rate cannot fall below 0: no
-- indicator is negative, so 0 is the floor where dim_indicator sets no hard_min).
projected as (
    select
        *,
        case when is_not_yet_due and trend_years_used >= 3
             then least(greatest(line_value, coalesce(hard_min, line_value)), coalesce(hard_max, line_value)) end
            as projected_value,
        case when is_not_yet_due and trend_years_used >= 3
             then least(greatest(line_value - coalesce(half_interval, 0), coalesce(hard_min, line_value - coalesce(half_interval, 0))),
                        coalesce(hard_max, line_value - coalesce(half_interval, 0))) end as projection_low,
        case when is_not_yet_due and trend_years_used >= 3
             then least(greatest(line_value + coalesce(half_interval, 0), coalesce(hard_min, line_value + coalesce(half_interval, 0))),
                        coalesce(hard_max, line_value + coalesce(half_interval, 0))) end as projection_high,
        -- Directional targets (稳步下降, 逐年提高): the stated rule is that the fitted line over the
        -- last five years (three or more points, ending by the target year for a past-due target) moves the planned way and the last value is better than the first.
        case comparator
            when 'decrease' then trend_slope_per_year < 0 and trend_last_value < trend_first_value
            when 'increase' then trend_slope_per_year > 0 and trend_last_value > trend_first_value
        end as is_moving_as_planned
    from joined
),

judged as (
    select
        *,
        case
            when not_comparable_reason is not null then 'not comparable'
            when comparator in ('increase', 'decrease') then
                case
                    when trend_years_used is null or trend_years_used < 3 then 'no data'
                    when is_not_yet_due then case when is_moving_as_planned then 'on track' else 'off track' end
                    when is_moving_as_planned then 'met' else 'not met'
                end
            -- 数据不足: only incomplete years (GB 3095 表4) where a value would judge the target
            when latest_value is null and latest_incomplete_year is not null then 'insufficient data'
            when latest_value is null then 'no data'
            when is_not_yet_due then
                case
                    when {{ meets_target('latest_value', 'comparator', 'target_value', 'target_value_max') }} then 'on track'
                    when {{ meets_target('projected_value', 'comparator', 'target_value', 'target_value_max') }} then 'on track'
                    when projected_value is not null then 'off track'
                    else 'not yet due'
                end
            when value_in_target_year is null and is_target_year_incomplete then 'insufficient data'
            when value_in_target_year is null then 'no data'
            when {{ meets_target('value_in_target_year', 'comparator', 'target_value', 'target_value_max') }} then 'met'
            else 'not met'
        end as status
    from projected
)

select
    target_id,
    region_code,
    region_name_zh,
    plan_document,
    indicator_code,
    indicator_text_zh,
    mapping_quality,
    cast(target_year as integer) as target_year,
    comparator,
    comparator_as_written,
    comparator_note,
    target_value,
    target_value_max,
    unit_as_written,
    is_comparable and not_comparable_reason is null as is_comparable,
    not_comparable_reason,
    measure_conversion,
    status,
    case status
        when 'met' then '达成' when 'not met' then '未达成' when 'on track' then '按期可达'
        when 'off track' then '进度滞后' when 'not yet due' then '未到期' when 'no data' then '无数据'
        when 'not comparable' then '不可比' when 'insufficient data' then '数据不足'
    end as status_zh,
    -- the year and value the status was judged on (one row of fct_indicator_value)
    case
        when status in ('met', 'not met') and comparator in ('increase', 'decrease') then trend_last_year
        when status in ('met', 'not met') then cast(target_year as integer)
        when status in ('on track', 'off track', 'not yet due') and comparator in ('increase', 'decrease') then trend_last_year
        when status in ('on track', 'off track', 'not yet due') then latest_year
    end as status_year,
    case
        when status in ('met', 'not met') and comparator in ('increase', 'decrease') then trend_last_value
        when status in ('met', 'not met') then value_in_target_year
        when status in ('on track', 'off track', 'not yet due') and comparator in ('increase', 'decrease') then trend_last_value
        when status in ('on track', 'off track', 'not yet due') then latest_value
    end as status_value,
    latest_year,
    latest_value,
    value_in_target_year,
    -- positive: above the target value; compare with the comparator to read it
    coalesce(value_in_target_year, latest_value) - target_value as gap_to_target,
    {{ meets_target('latest_value', 'comparator', 'target_value', 'target_value_max') }} as is_latest_value_meeting_target,
    projected_value,
    projection_low,
    projection_high,
    {{ meets_target('projected_value', 'comparator', 'target_value', 'target_value_max') }} as is_projected_to_meet_target,
    case
        when projected_value is null then null
        when trend_years_used = 5 and trend_r2 >= 0.8 then 'high'
        when trend_years_used >= 4 and coalesce(trend_r2, 1) >= 0.5 then 'medium'
        else 'low'
    end as projection_confidence,
    is_moving_as_planned,
    trend_years_used,
    trend_first_year,
    trend_last_year,
    trend_slope_per_year,
    trend_r2,
    source_quote
from judged
