-- X_PM25_ANNUAL_MEAN 空气细颗粒物(PM2.5)年均浓度 = mean of the year's valid daily PM2.5 24-hour means
-- (city value = mean of the evaluation stations' valid daily means), μg/m3. Needs hourly data: a
-- published daily AQI has no PM2.5. GB 3095-2012 表4: an annual mean needs >= 324 valid daily values
-- and >= 27 in every month (February >= 25); a year short of that (赤峰市 2024, from March) is shown
-- with is_complete_year false and is not scored nor used to judge a target.
{%- set min_valid_days_per_year = 324 %}
{%- set min_valid_days_per_month = 27 %}
{%- set min_valid_days_february = 25 %}

with pm25_days as (
    select region_code, year, cast(extract(month from observed_date) as integer) as month, concentration
    from {{ ref('int_air_quality_daily_statistics') }}
    where metric = 'pm25_24h' and is_valid
),

months as (
    select region_code, year, month, count(*) as valid_days
    from pm25_days
    group by region_code, year, month
),

complete_months as (
    select region_code, year,
           sum(case when valid_days >= case when month = 2 then {{ min_valid_days_february }}
                                            else {{ min_valid_days_per_month }} end
                    then 1 else 0 end) as complete_months
    from months
    group by region_code, year
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
    cast(a.valid_days as integer) as valid_days,
    a.valid_days >= {{ min_valid_days_per_year }} and m.complete_months = 12 as is_complete_year,
    l.standards,
    l.input_load_ids
from annual as a
inner join complete_months as m
    on m.region_code = a.region_code
   and m.year = a.year
left join {{ ref('int_air_quality_annual') }} as l
    on l.region_code = a.region_code
   and l.year = a.year
