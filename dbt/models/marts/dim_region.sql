-- Regions with their current name. Codes come from the real GB/T 2260 list (1981-2024) and the
-- NBS statistical list (development zones such as 稀土高新区 150271), loaded by raw/region_codes.
with codes as (
    select
        region_code,
        region_name_zh,
        region_level,
        code_list,
        is_current,
        row_number() over (
            partition by region_code
            order by is_current desc, case code_list when 'GB/T 2260' then 0 else 1 end, valid_to desc nulls first
        ) as preference
    from {{ source('raw', 'region_codes') }}
)

select region_code, region_name_zh, region_level, code_list, is_current
from codes
where preference = 1
