-- X_PM25_ANNUAL_MEAN 空气细颗粒物(PM2.5)年均浓度 = mean of the year's valid daily PM2.5 24-hour means
-- (city value = mean of urban stations), μg/m3. Needs hourly concentrations: a published daily AQI
-- has no PM2.5. GB 3095-2012 表4: an annual mean needs at least 324 valid daily values, so a partial
-- year (赤峰市 2024, from March) gives no row rather than a mean of the summer months.
{%- set min_valid_days_per_year = 324 %}

with pm25_days as (
    select region_code, year, concentration
    from {{ ref('int_air_quality_daily_statistics') }}
    where metric = 'pm25_24h' and is_valid
),

annual as (
    select region_code, year, sum(concentration) as pm25_day_sum, count(*) as valid_days
    from pm25_days
    group by region_code, year
)

select
    a.region_code,
    a.year,
    'X_PM25_ANNUAL_MEAN' as indicator_code,
    cast(a.pm25_day_sum as double precision) as numerator,
    cast(a.valid_days as double precision) as denominator,
    a.pm25_day_sum / a.valid_days as value,
    l.input_load_ids
from annual as a
left join {{ ref('int_air_quality_annual') }} as l
    on l.region_code = a.region_code
   and l.year = a.year
where a.valid_days >= {{ min_valid_days_per_year }}
