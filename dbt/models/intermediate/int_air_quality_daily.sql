-- 城市日空气质量指数 / City daily AQI, one row per city and day, from either
--   computed_hourly  the IAQI of the day's city statistics (int_air_quality_iaqi): AQI = max IAQI
--                    (HJ 633 §5); a valid day has all six required statistics valid (SO2, NO2,
--                    PM10, CO, PM2.5 24-hour means and the O3 daily maximum 8-hour mean; O3 1-hour
--                    counts when present)
--   published_daily  the AQI the city published (air_quality_daily feed)
-- Per city-day: a valid computed AQI first, then the published one, then an invalid computed day
-- (kept, is_valid_day false, so the gap is visible). `standard` names the HJ 633 edition in force
-- that day (for a published AQI: the edition the publisher had to apply).
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='observed_date',
          on_schema_change='sync_all_columns') }}
-- Incremental by date: the dates with city statistics or published AQI newer than the table
-- (macros/air_quality_incremental.sql); data_as_of = the newest input of any candidate of the city-day.
{%- set required_metrics = ['so2_24h', 'no2_24h', 'pm10_24h', 'co_24h', 'pm25_24h', 'o3_8h'] %}

with iaqi as (
    select * from {{ ref('int_air_quality_iaqi') }}
    where true
    {{- air_quality_dates_to_build(ref('int_air_quality_daily_statistics'),
          extra="select observed_date from " ~ ref('stg_air_quality_daily') ~ " where loaded_at > " ~ air_quality_watermark()) }}
),

published as (
    select * from {{ ref('stg_air_quality_daily') }}
    where true
    {{- air_quality_dates_to_build(ref('int_air_quality_daily_statistics'),
          extra="select observed_date from " ~ ref('stg_air_quality_daily') ~ " where loaded_at > " ~ air_quality_watermark()) }}
),

standards as (
    select distinct standard, valid_from, valid_to from {{ ref('aqi_breakpoints') }}
),

computed as (
    select
        region_code,
        observed_date,
        max(iaqi) as aqi,
        sum(case when is_valid and metric in ('{{ required_metrics | join("', '") }}') then 1 else 0 end)
            as n_valid_required,
        -- the fewest evaluation stations any of the six required statistics rests on
        min(case when metric in ('{{ required_metrics | join("', '") }}') then stations_used end) as stations_used,
        max(standard) as standard,
        max(data_as_of) as data_as_of,
        'computed_hourly' as source
    from iaqi
    group by region_code, observed_date
),

computed_primary as (
    -- 首要污染物: the statistic(s) with the highest IAQI, named only when AQI > 50 (HJ 633 §5)
    select
        c.region_code,
        c.observed_date,
        string_agg(i.metric, ';' order by i.metric) as primary_pollutant
    from computed as c
    inner join iaqi as i
        on i.region_code = c.region_code
       and i.observed_date = c.observed_date
       and i.iaqi = c.aqi
    where c.aqi > 50
    group by c.region_code, c.observed_date
),

candidates as (
    select
        c.region_code,
        c.observed_date,
        c.aqi,
        p.primary_pollutant,
        c.n_valid_required = {{ required_metrics | length }} and c.aqi is not null as is_valid_day,
        c.stations_used,
        c.standard,
        c.data_as_of,
        c.source
    from computed as c
    left join computed_primary as p
        on p.region_code = c.region_code
       and p.observed_date = c.observed_date
    union all
    select
        d.region_code,
        d.observed_date,
        d.aqi,
        d.primary_pollutant,
        d.aqi is not null as is_valid_day,
        cast(null as integer) as stations_used,
        st.standard,
        d.loaded_at as data_as_of,
        'published_daily' as source
    from published as d
    left join standards as st
        on d.observed_date >= st.valid_from
       and (st.valid_to is null or d.observed_date < st.valid_to)
),

ranked as (
    select
        *,
        row_number() over (
            partition by region_code, observed_date
            order by is_valid_day desc, case source when 'computed_hourly' then 0 else 1 end
        ) as preference,
        max(data_as_of) over (partition by region_code, observed_date) as newest_input
    from candidates
)

select
    region_code,
    observed_date,
    cast(extract(year from observed_date) as integer) as year,
    aqi,
    -- HJ 633 表2 空气质量指数级别 (the same six classes in 2012 and 2026)
    case
        when not is_valid_day then null
        when aqi <= 50 then '优'
        when aqi <= 100 then '良'
        when aqi <= 150 then '轻度污染'
        when aqi <= 200 then '中度污染'
        when aqi <= 300 then '重度污染'
        else '严重污染'
    end as aqi_category_zh,
    primary_pollutant,
    is_valid_day,
    stations_used,
    standard,
    source,
    newest_input as data_as_of
from ranked
where preference = 1
