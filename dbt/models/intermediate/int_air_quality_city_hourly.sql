-- 城市小时浓度 / City hourly concentration = mean of its urban assessment stations' valid values
-- for that hour (HJ 663-2013: 城市点位 arithmetic mean). Each pollutant is averaged over the
-- stations that have it; background and regional stations are left out.
select
    s.region_code,
    h.observed_date,
    h.hour,
    avg(h.pm25) as pm25,
    avg(h.pm10) as pm10,
    avg(h.so2) as so2,
    avg(h.no2) as no2,
    avg(h.co) as co,
    avg(h.o3) as o3,
    count(*) as n_station_rows
from {{ ref('stg_air_quality_hourly') }} as h
inner join {{ ref('stg_air_quality_stations') }} as s on s.station_code = h.station_code
where s.is_urban
group by s.region_code, h.observed_date, h.hour
