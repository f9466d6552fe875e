-- Comparison groups of the national evaluation: 地区 (东部/中部/西部) × 城市级别. Districts, counties
-- and development zones are not national evaluation units: they form their own tier so they are never
-- ranked against prefecture cities. The tier follows from the code's structure (GB/T 2260).
with regions as (
    select region_code, region_name_zh from {{ ref('dim_region') }}
)

select
    r.region_code,
    r.region_name_zh,
    p.region_of_china_zh,
    p.region_of_china_en,
    case
        when substr(r.region_code, 3, 4) = '0000' and substr(r.region_code, 1, 2) in ('11', '12', '31', '50')
            then '地级及以上市'
        when substr(r.region_code, 3, 4) = '0000' then '省级'
        when substr(r.region_code, 5, 2) = '00' then '地级及以上市'
        when substr(r.region_code, 1, 2) in ('11', '12', '31', '50') then '直辖市辖区'
        when r.region_name_zh like '%市' then '县级市'
        else '区县及开发区'
    end as city_tier_zh
from regions as r
left join {{ ref('region_of_china') }} as p
    on p.province_prefix = cast(substr(r.region_code, 1, 2) as integer)
