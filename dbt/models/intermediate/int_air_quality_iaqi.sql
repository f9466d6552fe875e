-- 空气质量分指数 / IAQI per city, day and statistic by HJ 633-2012 (breakpoints: seed aqi_breakpoints):
--   IAQI = (IAQI_hi − IAQI_lo) × (C − BP_lo) / (BP_hi − BP_lo) + IAQI_lo, rounded UP to an integer
--   (HJ 633 §5: 全部进位取整). C on a breakpoint takes the upper segment (same value either way).
-- Above the top breakpoint the IAQI is capped at 500; O3 8h above 800 μg/m3 has no IAQI (the O3
-- 1-hour IAQI covers it, HJ 633 表1 note). Invalid statistics get no IAQI.
select
    s.region_code,
    s.observed_date,
    s.year,
    s.metric,
    s.concentration,
    s.n_values,
    s.is_valid,
    case when s.is_valid and b.metric is not null then
        -- minus 1e-9: (50 × 14) / 35 must give 20, not 21 from a floating-point 20.000000000000004
        cast(least(500, ceil(
            b.iaqi_low + (b.iaqi_high - b.iaqi_low) * (s.concentration - b.concentration_low)
                       / (b.concentration_high - b.concentration_low)
            - 1e-9)) as integer)
    end as iaqi
from {{ ref('int_air_quality_daily_statistics') }} as s
left join {{ ref('aqi_breakpoints') }} as b
    on b.metric = s.metric
   and s.concentration >= b.concentration_low
   and (s.concentration < b.concentration_high or b.is_top_segment)
