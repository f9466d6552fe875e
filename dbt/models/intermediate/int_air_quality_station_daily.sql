{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='observed_date',
          on_schema_change='sync_all_columns') }}
-- 点位日统计 / Station daily statistics, one row per station and day (HJ 663-2013 applied per
-- station, before any city average). Set-based: the station's 24 hours are pivoted into one row
-- (a missing or absent hour is NULL), then every statistic is row arithmetic.
--   so2/no2/pm10/co/pm25 24-hour mean: mean of the valid hours; valid with >= 20 hours
--       (GB 3095-2012 表4 "24小时平均: 每日至少有20个小时平均浓度值"; HJ 663-2013 §6 数据统计要求)
--   o3_1h  daily maximum hour; we also ask >= 20 valid hours (our choice, as for the means)
--   o3_8h  daily maximum 8-hour mean: the 17 moving means ending 07:59 … 23:59 (hours 0-7 … 16-23,
--       HJ 663-2013 §3 术语和定义 "8时至24时"); a window counts with >= 6 valid hours (GB 3095-2012 表4
--       "8小时平均: 每8小时至少有6小时平均浓度值"); the day needs >= 14 valid windows, unless its
--       maximum already exceeds the 160 μg/m3 limit (HJ 663-2013 §6 数据统计要求: a day with fewer valid
--       8-hour values still counts when its maximum exceeds the limit).
-- Incremental by date (macros/air_quality_incremental.sql): only the dates with hours loaded since the
-- last build, each from all its 24 hours, so the 8-hour windows (within the day) see old and new hours;
-- a new or changed station list rebuilds every date.
{%- set min_hours_per_day = 20 %}
{%- set min_hours_per_8h_window = 6 %}
{%- set min_valid_8h_windows = 14 %}
{%- set o3_8h_limit = 160 %}
{%- set means = ['so2', 'no2', 'pm10', 'co', 'pm25'] %}

with hours as (
    select h.station_code, s.region_code, s.is_evaluation_station, h.observed_date, h.hour,
           h.so2, h.no2, h.pm10, h.co, h.pm25, h.o3, h.load_id, greatest(h.loaded_at, s.loaded_at) as loaded_at
    from {{ ref('stg_air_quality_hourly') }} as h
    inner join {{ ref('stg_air_quality_stations') }} as s on s.station_code = h.station_code
    where true
    {{- air_quality_dates_to_build(ref('stg_air_quality_hourly'), 'loaded_at',
          extra="select observed_date from " ~ ref('stg_air_quality_hourly') ~ " where exists (select 1 from "
                ~ ref('stg_air_quality_stations') ~ " where loaded_at > " ~ air_quality_watermark() ~ ")", column='h.observed_date') }}
),

station_days as (
    select
        station_code,
        max(region_code) as region_code,
        bool_or(is_evaluation_station) as is_evaluation_station,
        observed_date,
        max(loaded_at) as data_as_of,
        string_agg(distinct load_id, ';' order by load_id) as load_ids,
        {%- for p in means %}
        avg({{ p }}) as {{ p }}_24h,
        count({{ p }}) as {{ p }}_hours,
        {%- endfor %}
        max(o3) as o3_1h,
        count(o3) as o3_hours,
        {%- for h in range(24) %}
        max(o3) filter (where hour = {{ h }}) as o3_h{{ h }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from hours
    group by station_code, observed_date
),

windows as (
    -- w<e>: the 8-hour mean ending at hour e (hours e-7 … e) when it has >= 6 valid hours, else NULL
    select
        *,
        {%- for e in range(7, 24) %}
        case when {% for k in range(e - 7, e + 1) %}(o3_h{{ k }} is not null)::int{% if not loop.last %} + {% endif %}{% endfor %}
                  >= {{ min_hours_per_8h_window }}
             then ({% for k in range(e - 7, e + 1) %}coalesce(o3_h{{ k }}, 0){% if not loop.last %} + {% endif %}{% endfor %})
                  / ({% for k in range(e - 7, e + 1) %}(o3_h{{ k }} is not null)::int{% if not loop.last %} + {% endif %}{% endfor %})
        end as w{{ e }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from station_days
),

o3_8h as (
    select
        *,
        -- greatest() skips NULLs in DuckDB and PostgreSQL
        greatest({% for e in range(7, 24) %}w{{ e }}{% if not loop.last %}, {% endif %}{% endfor %}) as o3_8h,
        {% for e in range(7, 24) %}(w{{ e }} is not null)::int{% if not loop.last %} + {% endif %}{% endfor %} as o3_8h_windows
    from windows
)

select
    station_code,
    region_code,
    is_evaluation_station,
    observed_date,
    cast(extract(year from observed_date) as integer) as year,
    {%- for p in means %}
    {{ p }}_24h,
    cast({{ p }}_hours as integer) as {{ p }}_hours,
    {{ p }}_hours >= {{ min_hours_per_day }} as {{ p }}_24h_is_valid,
    {%- endfor %}
    o3_1h,
    cast(o3_hours as integer) as o3_hours,
    o3_hours >= {{ min_hours_per_day }} as o3_1h_is_valid,
    o3_8h,
    cast(o3_8h_windows as integer) as o3_8h_windows,
    coalesce(o3_8h_windows >= {{ min_valid_8h_windows }} or o3_8h > {{ o3_8h_limit }}, false) as o3_8h_is_valid,
    load_ids,
    data_as_of
from o3_8h
