-- 空气质量分指数 / IAQI per city, day and statistic, by the HJ 633 standard in force that day
-- (seed aqi_breakpoints: HJ 633-2012 before 2026-03-01, HJ 633-2026 from then on):
--   IAQI = (IAQI_hi − IAQI_lo) × (C − BP_lo) / (BP_hi − BP_lo) + IAQI_lo, rounded UP to an integer
--   (HJ 633 §5: 全部进位取整). C on a breakpoint takes the upper segment (same value either way).
-- Above the last breakpoint: iaqi_above_top of the seed — 500 (cap) for most statistics; in 2012
-- O3 8h > 800 μg/m3 has no IAQI (the O3 1-hour IAQI covers it, HJ 633-2012 表1 note 3), in 2026 it
-- is 300. Invalid statistics get no IAQI.
with standards as (
    select distinct standard, valid_from, valid_to from {{ ref('aqi_breakpoints') }}
)

select
    s.region_code,
    s.observed_date,
    s.year,
    s.metric,
    s.concentration,
    s.stations_used,
    s.is_valid,
    st.standard,
    case
        when not s.is_valid or b.metric is null then null
        when s.concentration > b.concentration_high then b.iaqi_above_top
        -- minus 1e-9: (50 × 14) / 35 must give 20, not 21 from a floating-point 20.000000000000004
        else cast(ceil(
            b.iaqi_low + (b.iaqi_high - b.iaqi_low) * (s.concentration - b.concentration_low)
                       / (b.concentration_high - b.concentration_low)
            - 1e-9) as integer)
    end as iaqi,
    s.data_as_of
from {{ ref('int_air_quality_daily_statistics') }} as s
left join standards as st
    on s.observed_date >= st.valid_from
   and (st.valid_to is null or s.observed_date < st.valid_to)
left join {{ ref('aqi_breakpoints') }} as b
    on b.standard = st.standard
   and b.metric = s.metric
   and s.concentration >= b.concentration_low
   and (s.concentration < b.concentration_high or b.is_top_segment)
