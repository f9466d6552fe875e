-- 年度空气质量天数 / Per city and year: valid days, good days (AQI <= 100, 优良) and heavy days
-- (AQI > 200, 重度及以上), their shares of the valid days, and whether the year is complete.
-- Annual validity (GB 3095-2012 表4 "年平均: 每年至少有324个日平均浓度值, 每月至少有27个日平均
-- 浓度值(二月至少有25个)", applied by HJ 663-2013 §6 数据统计要求 to the annual statistics): is_complete_year
-- needs >= 324 valid days and every month >= 27 valid days (February >= 25). An incomplete year is
-- shown but not scored (int_indicator_scores) nor used to judge a target (fct_target_attainment).
-- `standards` names the HJ 633 edition(s) the year's days were scored by. Nothing is scaled up.
{%- set min_valid_days_per_year = 324 %}
{%- set min_valid_days_per_month = 27 %}
{%- set min_valid_days_february = 25 %}

with days as (
    select * from {{ ref('int_air_quality_daily') }}
),

lineage as (
    select s.region_code, cast(extract(year from h.observed_date) as integer) as year, h.load_id
    from {{ ref('stg_air_quality_hourly') }} as h
    inner join {{ ref('stg_air_quality_stations') }} as s on s.station_code = h.station_code
    where s.is_evaluation_station
    union
    select region_code, cast(extract(year from observed_date) as integer) as year, load_id
    from {{ ref('stg_air_quality_daily') }}
),

lineage_per_year as (
    select region_code, year, string_agg(load_id, ';' order by load_id) as input_load_ids
    from (select distinct region_code, year, load_id from lineage) as l
    group by region_code, year
),

months as (
    select
        region_code,
        year,
        cast(extract(month from observed_date) as integer) as month,
        sum(case when is_valid_day then 1 else 0 end) as valid_days
    from days
    group by 1, 2, 3
),

month_counts as (
    select
        region_code,
        year,
        cast(sum(case when valid_days >= case when month = 2 then {{ min_valid_days_february }}
                                             else {{ min_valid_days_per_month }} end
                      then 1 else 0 end) as integer) as complete_months
    from months
    group by region_code, year
),

counts as (
    select
        region_code,
        year,
        cast(count(*) as integer) as days_with_data,
        cast(sum(case when is_valid_day then 1 else 0 end) as integer) as valid_days,
        cast(sum(case when is_valid_day and aqi <= 100 then 1 else 0 end) as integer) as good_days,
        cast(sum(case when is_valid_day and aqi > 200 then 1 else 0 end) as integer) as heavy_pollution_days,
        cast(sum(case when is_valid_day and source = 'computed_hourly' then 1 else 0 end) as integer) as valid_days_computed,
        cast(sum(case when is_valid_day and source = 'published_daily' then 1 else 0 end) as integer) as valid_days_published,
        string_agg(distinct standard, ';' order by standard) as standards
    from days
    group by region_code, year
)

select
    c.region_code,
    c.year,
    case when (c.year % 4 = 0 and c.year % 100 <> 0) or c.year % 400 = 0 then 366 else 365 end as days_in_year,
    c.days_with_data,
    c.valid_days,
    c.good_days,
    c.heavy_pollution_days,
    case when c.valid_days > 0 then 100.0 * c.good_days / c.valid_days end as good_day_pct,
    case when c.valid_days > 0 then 100.0 * c.heavy_pollution_days / c.valid_days end as heavy_pollution_day_pct,
    coalesce(m.complete_months, 0) as complete_months,
    c.valid_days >= {{ min_valid_days_per_year }} and coalesce(m.complete_months, 0) = 12 as is_complete_year,
    c.standards,
    c.valid_days_computed,
    c.valid_days_published,
    l.input_load_ids
from counts as c
left join month_counts as m
    on m.region_code = c.region_code
   and m.year = c.year
left join lineage_per_year as l
    on l.region_code = c.region_code
   and l.year = c.year
