-- 点位日统计 / Station daily statistics for analysts (HJ 663-2013 per station): the five 24-hour
-- means, O3 daily maximum 1-hour and 8-hour, the valid hours / 8-hour windows behind each, and
-- whether each statistic is valid and whether the station counts for its city (城市评价点).
-- Incremental by date (macros/air_quality_incremental.sql).
-- Contracted (_air_quality.yml): dbt allows a contract on an incremental model only with
-- on_schema_change 'append_new_columns' or 'fail'; a column added to the contract is appended.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='observed_date',
          on_schema_change='append_new_columns') }}
select
    d.station_code,
    s.station_name_zh,
    s.station_type_zh,
    d.is_evaluation_station,
    d.region_code,
    d.observed_date,
    d.year,
    d.pm25_24h, d.pm25_hours, d.pm25_24h_is_valid,
    d.pm10_24h, d.pm10_hours, d.pm10_24h_is_valid,
    d.so2_24h, d.so2_hours, d.so2_24h_is_valid,
    d.no2_24h, d.no2_hours, d.no2_24h_is_valid,
    d.co_24h, d.co_hours, d.co_24h_is_valid,
    d.o3_1h, d.o3_hours, d.o3_1h_is_valid,
    d.o3_8h, d.o3_8h_windows, d.o3_8h_is_valid,
    d.data_as_of
from {{ ref('int_air_quality_station_daily') }} as d
left join {{ ref('stg_air_quality_stations') }} as s on s.station_code = d.station_code
where true {{- air_quality_dates_to_build(ref('int_air_quality_station_daily'), column='d.observed_date') }}
