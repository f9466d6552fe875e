-- Per plan target: the latest value, the value in the target year, the gap, the status and a
-- projection of the recent linear trend to the target year (docs/evaluation.md).
with targets as (
    select * from {{ ref('plan_targets') }}
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

-- Linear fit (least squares) over the last five years with data; needs at least three points.
trend as (
    select
        region_code,
        indicator_code,
        count(*) as trend_years_used,
        min(year) as trend_first_year,
        max(year) as trend_last_year,
        regr_slope(value, year) as trend_slope_per_year,
        regr_intercept(value, year) as trend_intercept
    from (
        select *, row_number() over (partition by region_code, indicator_code order by year desc) as recency
        from indicator_values
    ) as ranked
    where recency <= 5
    group by region_code, indicator_code
),

joined as (
    select
        t.*,
        l.latest_year,
        l.latest_value,
        at_target.value as value_in_target_year,
        incomplete.year is not null as is_target_year_incomplete,
        latest_incomplete.latest_incomplete_year,
        tr.trend_years_used,
        tr.trend_first_year,
        tr.trend_last_year,
        tr.trend_slope_per_year,
        case when tr.trend_years_used >= 3
             then tr.trend_intercept + tr.trend_slope_per_year * cast(t.target_year as integer) end as projected_value
    from targets as t
    left join latest as l
        on l.region_code = t.region_code
       and l.indicator_code = t.indicator_code
    left join indicator_values as at_target
        on at_target.region_code = t.region_code
       and at_target.indicator_code = t.indicator_code
       and at_target.year = cast(t.target_year as integer)
    left join trend as tr
        on tr.region_code = t.region_code
       and tr.indicator_code = t.indicator_code
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
    target_value,
    target_value_max,
    unit_as_written,
    is_comparable,
    latest_year,
    latest_value,
    value_in_target_year,
    -- positive: above the target value; compare with the comparator to read it
    coalesce(value_in_target_year, latest_value) - target_value as gap_to_target,
    case
        when not is_comparable then 'not comparable'
        -- 数据不足: only incomplete years (GB 3095 表4) where a value would judge the target
        when latest_value is null and latest_incomplete_year is not null then 'insufficient data'
        when latest_value is null then 'no data'
        when cast(target_year as integer) >= {{ evaluation_year() }} then 'not yet due'
        when value_in_target_year is null and is_target_year_incomplete then 'insufficient data'
        when value_in_target_year is null then 'no data'
        when {{ meets_target('value_in_target_year', 'comparator', 'target_value', 'target_value_max') }} then 'met'
        else 'not met'
    end as status,
    {{ meets_target('latest_value', 'comparator', 'target_value', 'target_value_max') }} as is_latest_value_meeting_target,
    projected_value,
    {{ meets_target('projected_value', 'comparator', 'target_value', 'target_value_max') }} as is_projected_to_meet_target,
    trend_years_used,
    trend_first_year,
    trend_last_year,
    trend_slope_per_year,
    source_quote
from joined
