{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 站点日均 PM2.5 与 PM10 / Station daily means of PM2.5 and PM10, for the PM2.5 ≤ PM10 rule.
-- A 24-hour mean needs at least 20 hourly values (GB 3095-2012 表 4 数据统计的有效性规定);
-- a day with fewer has no mean and is not compared. Read from the station daily statistics
-- (int_air_quality_station_daily, incremental by date), not from the hourly rows again.
select
    region_code,
    year,
    station_code,
    observed_date,
    case when pm25_24h_is_valid then pm25_24h end as pm25_24h,
    case when pm10_24h_is_valid then pm10_24h end as pm10_24h,
    load_ids as load_id
from {{ ref('int_air_quality_station_daily') }}
