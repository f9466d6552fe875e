-- 年度空气质量天数 / Per city and year: valid days, good days (AQI <= 100, 优良) and heavy days
-- (AQI > 200, 重度及以上), with their shares of the valid days. days_in_year and valid_days show a
-- partial year (a network that started in March, a feed that stops in June): nothing is scaled up.
with days as (
    select * from {{ ref('int_air_quality_daily') }}
),

lineage as (
    select s.region_code, cast(extract(year from h.observed_date) as integer) as year, h.load_id
    from {{ ref('stg_air_quality_hourly') }} as h
    inner join {{ ref('stg_air_quality_stations') }} as s on s.station_code = h.station_code
    where s.is_urban
    union
    select region_code, cast(extract(year from observed_date) as integer) as year, load_id
    from {{ ref('stg_air_quality_daily') }}
),

lineage_per_year as (
    select region_code, year, string_agg(load_id, ';' order by load_id) as input_load_ids
    from (select distinct region_code, year, load_id from lineage) as l
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
        cast(sum(case when is_valid_day and source = 'published_daily' then 1 else 0 end) as integer) as valid_days_published
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
    c.valid_days < case when (c.year % 4 = 0 and c.year % 100 <> 0) or c.year % 400 = 0 then 366 else 365 end
        as is_partial_year,
    c.valid_days_computed,
    c.valid_days_published,
    l.input_load_ids
from counts as c
left join lineage_per_year as l
    on l.region_code = c.region_code
   and l.year = c.year
