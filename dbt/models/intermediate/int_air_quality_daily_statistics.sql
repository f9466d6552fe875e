{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='observed_date',
          on_schema_change='sync_all_columns') }}
-- 城市日统计量 / City daily statistics, one row per city, day and statistic (HJ 663-2013 §5 评价方法:
-- the city value is the arithmetic mean of its evaluation stations). For each statistic only the
-- 城市评价点 whose own station-day statistic is valid (int_air_quality_station_daily) are averaged;
-- 清洁对照点, 背景点 and 区域点 never are. The city statistic is valid when at least one station's is.
-- O3: each station's daily maximum 8-hour mean first, then the mean over stations (not the maximum
-- of a city hourly series). Values are rounded as reported (修约) before the IAQI: CO to 0.1 mg/m3,
-- the others to 1 μg/m3 (half away from zero).
-- Incremental by date: the dates whose station days were rebuilt since (macros/air_quality_incremental.sql).
{%- set metrics = ['so2_24h', 'no2_24h', 'pm10_24h', 'co_24h', 'pm25_24h', 'o3_1h', 'o3_8h'] %}

with stations as (
    -- every station of the day (data_as_of follows any of them), only 城市评价点 averaged
    select * from {{ ref('int_air_quality_station_daily') }}
    where true {{- air_quality_dates_to_build(ref('int_air_quality_station_daily')) }}
),

city_days as (
    select
        region_code,
        observed_date,
        count(*) filter (where is_evaluation_station) as stations_reporting,
        max(data_as_of) as data_as_of,
        {%- for m in metrics %}
        avg({{ m }}) filter (where is_evaluation_station and {{ m }}_is_valid) as {{ m }},
        count(*) filter (where is_evaluation_station and {{ m }}_is_valid) as {{ m }}_stations{% if not loop.last %},{% endif %}
        {%- endfor %}
    from stations
    group by region_code, observed_date
    having count(*) filter (where is_evaluation_station) > 0
),

statistics as (
    {%- for m in metrics %}
    select region_code, observed_date, '{{ m }}' as metric, {{ m }} as concentration,
           {{ m }}_stations as stations_used, stations_reporting, data_as_of
    from city_days
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    region_code,
    observed_date,
    cast(extract(year from observed_date) as integer) as year,
    metric,
    cast(case when metric = 'co_24h' then round(cast(concentration as numeric(18, 6)), 1)
              else round(cast(concentration as numeric(18, 6)), 0) end as double precision) as concentration,
    cast(stations_used as integer) as stations_used,
    cast(stations_reporting as integer) as stations_reporting,
    stations_used > 0 as is_valid,
    data_as_of
from statistics
