-- 城市空气质量日报 / City daily air quality for analysts: one row per city and day with the AQI,
-- category, primary pollutant, the six concentrations the AQI was computed from (city means of the
-- valid evaluation stations, rounded as reported; NULL for a published-only day), the number of
-- stations used, and the HJ 633 edition that scored the day. Incremental by date
-- (macros/air_quality_incremental.sql); data_as_of = load time of the newest raw row behind the day.
-- Contracted (_air_quality.yml): dbt allows a contract on an incremental model only with
-- on_schema_change 'append_new_columns' or 'fail'; a column added to the contract is appended.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='observed_date',
          on_schema_change='append_new_columns') }}
with statistics as (
    select
        region_code,
        observed_date,
        max(case when metric = 'pm25_24h' then concentration end) as pm25_24h,
        max(case when metric = 'pm10_24h' then concentration end) as pm10_24h,
        max(case when metric = 'so2_24h' then concentration end) as so2_24h,
        max(case when metric = 'no2_24h' then concentration end) as no2_24h,
        max(case when metric = 'co_24h' then concentration end) as co_24h,
        max(case when metric = 'o3_8h' then concentration end) as o3_8h,
        max(case when metric = 'o3_1h' then concentration end) as o3_1h
    from {{ ref('int_air_quality_daily_statistics') }}
    where is_valid {{- air_quality_dates_to_build(ref('int_air_quality_daily')) }}
    group by region_code, observed_date
)

select
    d.region_code,
    r.region_name_zh,
    d.observed_date,
    d.year,
    d.aqi,
    d.aqi_category_zh,
    d.primary_pollutant,
    d.is_valid_day,
    s.pm25_24h,
    s.pm10_24h,
    s.so2_24h,
    s.no2_24h,
    s.co_24h,
    s.o3_8h,
    s.o3_1h,
    d.stations_used,
    d.standard,
    d.source,
    d.data_as_of
from {{ ref('int_air_quality_daily') }} as d
left join statistics as s
    on s.region_code = d.region_code
   and s.observed_date = d.observed_date
   and d.source = 'computed_hourly'
left join {{ ref('dim_region') }} as r on r.region_code = d.region_code
where true {{- air_quality_dates_to_build(ref('int_air_quality_daily'), column='d.observed_date') }}
