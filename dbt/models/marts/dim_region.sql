-- 行政区划 / One row per region code: current (or last known) name, level, and the province /
-- prefecture / county hierarchy. Codes come from the real GB/T 2260 list (1981-2024, every code ever
-- used) and the NBS statistical list (development zones such as 稀土高新区 150271), both loaded by
-- the Dagster asset raw/region_codes. Old codes resolve to current ones in dim_region_code_history.
with codes as (
    select
        region_code,
        region_name_zh,
        region_level,
        code_list,
        is_current,
        valid_from,
        valid_to,
        listed_parent_code,
        row_number() over (
            partition by region_code
            order by is_current desc, case code_list when 'GB/T 2260' then 0 else 1 end,
                     valid_from desc nulls last
        ) as preference
    from {{ source('raw', 'region_codes') }}
),

gbt2260_codes as (
    select distinct region_code from {{ source('raw', 'region_codes') }} where code_list = 'GB/T 2260'
),

best as (
    select * from codes where preference = 1
),

-- The NBS list has placeholder "cities" that are not prefectures: 1101 市辖区 (municipal districts),
-- 4190 省直辖县级行政区划 (counties directly under the province). Their counties hang on the province.
prefectures as (
    select region_code, region_name_zh
    from best
    where region_level = '地级'
      and region_name_zh not in ('市辖区', '县')
      and region_name_zh not like '%直辖县级行政区划'
),

provinces as (
    select region_code, region_name_zh from best where region_level = '省级'
),

placed as (
    select
        b.*,
        substr(b.region_code, 1, 2) || '0000' as province_code_guess,
        case when b.region_level = '县级' then substr(b.region_code, 1, 4) || '00' end as prefecture_code_guess
    from best as b
)

select
    p.region_code,
    p.region_name_zh,
    p.region_level,
    case p.region_level when '省级' then 1 when '地级' then 2 else 3 end as level_rank,
    p.is_current,
    p.code_list,
    g.region_code is not null as has_gbt2260_code,
    -- A county-level code only in the NBS list: a development zone / new area (开发区, 高新区, 新区 …).
    p.region_level = '县级' and g.region_code is null as is_statistical_zone,
    p.valid_from,
    p.valid_to,
    case
        when p.region_level = '省级' then null
        when pref.region_code is not null then pref.region_code
        else prov.region_code
    end as parent_code,
    case
        when p.region_level = '省级' then null
        when pref.region_code is not null then pref.region_name_zh
        else prov.region_name_zh
    end as parent_name_zh,
    case
        when p.region_level = '地级' then p.region_code
        else pref.region_code
    end as prefecture_code,
    case
        when p.region_level = '地级' then p.region_name_zh
        else pref.region_name_zh
    end as prefecture_name_zh,
    prov.region_code as province_code,
    prov.region_name_zh as province_name_zh
from placed as p
left join prefectures as pref on pref.region_code = p.prefecture_code_guess
left join provinces as prov on prov.region_code = p.province_code_guess
left join gbt2260_codes as g on g.region_code = p.region_code
