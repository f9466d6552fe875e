{{ config(materialized='table') }}
-- 日统计量 / The seven daily statistics the daily AQI uses (HJ 633-2012 §5), one row per city,
-- day and statistic, with its validity (GB 3095-2012 表4 / HJ 663-2013):
--   so2/no2/pm10/co/pm25_24h  mean of the day's valid city hours; valid with >= 20 hours
--   o3_1h                     the day's maximum hour; we also ask >= 20 valid hours
--   o3_8h                     maximum of the 8-hour moving means ending 07:59 … 23:59 (windows
--                             inside the day: hours 0-7 … 16-23); a window needs >= 6 valid hours;
--                             the day needs >= 14 valid windows, unless the maximum already
--                             exceeds the 160 μg/m3 limit (then it stands, HJ 663 exception)
-- Values are rounded as reported (修约) before the IAQI: CO to 0.1 mg/m3, the rest to 1 μg/m3.
{%- set min_hours_per_day = 20 %}
{%- set min_hours_per_8h_window = 6 %}
{%- set min_valid_8h_windows = 14 %}
{%- set o3_8h_limit = 160 %}

with city_hours as (
    select * from {{ ref('int_air_quality_city_hourly') }}
),

hours_of_day as (
    {%- for h in range(24) %}
    select {{ h }} as hour{% if not loop.last %} union all{% endif %}
    {%- endfor %}
),

city_days as (
    select distinct region_code, observed_date from city_hours
),

-- every hour of every city-day, so that a missing hour is a NULL row and the 8-hour window
-- below always spans 8 clock hours
hour_grid as (
    select d.region_code, d.observed_date, h.hour, c.o3
    from city_days as d
    cross join hours_of_day as h
    left join city_hours as c
        on c.region_code = d.region_code
       and c.observed_date = d.observed_date
       and c.hour = h.hour
),

o3_windows as (
    select
        region_code,
        observed_date,
        hour,
        avg(o3) over last_8_hours as o3_8h,
        count(o3) over last_8_hours as hours_in_window
    from hour_grid
    window last_8_hours as (partition by region_code, observed_date order by hour rows between 7 preceding and current row)
),

o3_daily_8h as (
    select
        region_code,
        observed_date,
        max(case when hour >= 7 and hours_in_window >= {{ min_hours_per_8h_window }} then o3_8h end) as concentration,
        sum(case when hour >= 7 and hours_in_window >= {{ min_hours_per_8h_window }} then 1 else 0 end) as n_values
    from o3_windows
    group by region_code, observed_date
),

daily as (
    select
        region_code,
        observed_date,
        avg(so2) as so2, count(so2) as so2_hours,
        avg(no2) as no2, count(no2) as no2_hours,
        avg(pm10) as pm10, count(pm10) as pm10_hours,
        avg(co) as co, count(co) as co_hours,
        avg(pm25) as pm25, count(pm25) as pm25_hours,
        max(o3) as o3_max, count(o3) as o3_hours
    from city_hours
    group by region_code, observed_date
),

statistics as (
    select region_code, observed_date, 'so2_24h' as metric, so2 as concentration, so2_hours as n_values,
           so2_hours >= {{ min_hours_per_day }} as is_valid from daily
    union all
    select region_code, observed_date, 'no2_24h', no2, no2_hours, no2_hours >= {{ min_hours_per_day }} from daily
    union all
    select region_code, observed_date, 'pm10_24h', pm10, pm10_hours, pm10_hours >= {{ min_hours_per_day }} from daily
    union all
    select region_code, observed_date, 'co_24h', co, co_hours, co_hours >= {{ min_hours_per_day }} from daily
    union all
    select region_code, observed_date, 'pm25_24h', pm25, pm25_hours, pm25_hours >= {{ min_hours_per_day }} from daily
    union all
    select region_code, observed_date, 'o3_1h', o3_max, o3_hours, o3_hours >= {{ min_hours_per_day }} from daily
    union all
    select region_code, observed_date, 'o3_8h', concentration, n_values,
           n_values >= {{ min_valid_8h_windows }} or concentration > {{ o3_8h_limit }}
    from o3_daily_8h
)

select
    region_code,
    observed_date,
    cast(extract(year from observed_date) as integer) as year,
    metric,
    cast(case when metric = 'co_24h' then round(cast(concentration as numeric), 1)
              else round(cast(concentration as numeric), 0) end as double precision) as concentration,
    n_values,
    coalesce(is_valid, false) as is_valid
from statistics
