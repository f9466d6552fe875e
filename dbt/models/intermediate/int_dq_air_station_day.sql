{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 站点日均 PM2.5 与 PM10 / Station daily means of PM2.5 and PM10, for the PM2.5 ≤ PM10 rule.
-- A 24-hour mean needs at least 20 hourly values (GB 3095-2012 表 4 数据统计的有效性规定);
-- a day with fewer has no mean and is not compared.
select
    s.region_code,
    cast(extract(year from h.observed_date) as integer) as year,
    h.station_code,
    h.observed_date,
    case when count(h.pm25) >= 20 then avg(h.pm25) end as pm25_24h,
    case when count(h.pm10) >= 20 then avg(h.pm10) end as pm10_24h,
    string_agg(distinct h.load_id, ';') as load_id
from {{ ref('stg_air_quality_hourly') }} as h
inner join {{ ref('stg_air_quality_stations') }} as s using (station_code)
group by s.region_code, h.station_code, h.observed_date
