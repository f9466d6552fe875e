-- 区划代码沿革 / Code crosswalk: every GB/T 2260 code period (1981-2024) and every NBS code, with the
-- current code(s) its area belongs to today, so a feed keyed by an old code still resolves.
--   150205 石拐矿区 (1983-1999, 变更 -> 150205) -> 150205 石拐区 (renamed, same code)
--   370421 滕县 (1981-1988, 弃用 -> 379010) -> 379010 -> … -> the code in use today
--   a code abolished into several codes (130103 桥东区 -> 130102;130104) -> several rows, is_unique false
-- Only successor changes are followed (the whole area moved at the end of the period); part
-- transfers from a code still in use stay with that code (raw.region_code_changes keeps them).
with recursive periods as (
    select
        region_code,
        region_name_zh,
        valid_from,
        valid_to,
        -- a period is live in year y when valid_from <= y < valid_until (it ended in valid_to)
        coalesce(valid_to, 9999) as valid_until,
        is_current
    from {{ source('raw', 'region_codes') }}
    where code_list = 'GB/T 2260'
),

successor_steps as (
    -- an ended period -> the period of the new code that is live in the year of the change
    select
        c.old_code,
        c.old_valid_from,
        p.region_code as next_code,
        p.valid_from as next_valid_from,
        p.is_current as next_is_current
    from {{ source('raw', 'region_code_changes') }} as c
    inner join periods as p
        on p.region_code = c.new_code
       and p.valid_from <= c.change_year
       and c.change_year < p.valid_until
    where c.change_kind = 'successor'
),

walk as (
    select
        region_code as old_code,
        valid_from as old_valid_from,
        region_code as code,
        valid_from,
        is_current,
        0 as steps
    from periods
    union all
    select
        w.old_code,
        w.old_valid_from,
        s.next_code,
        s.next_valid_from,
        s.next_is_current,
        w.steps + 1
    from walk as w
    inner join successor_steps as s
        on s.old_code = w.code
       and s.old_valid_from = w.valid_from
    -- a live code is the end of the walk; the bound only guards against a cycle in the source list
    where not w.is_current and w.steps < 20
),

resolved as (
    select old_code, old_valid_from, code as current_code, min(steps) as steps
    from walk
    where is_current
    group by old_code, old_valid_from, code
),

gbt2260_history as (
    select
        p.region_code as old_code,
        p.region_name_zh as old_name_zh,
        p.valid_from,
        p.valid_to,
        p.is_current as is_old_code_current,
        r.current_code,
        r.steps,
        'GB/T 2260' as code_list
    from periods as p
    left join resolved as r
        on r.old_code = p.region_code
       and r.old_valid_from = p.valid_from
),

nbs_only as (
    -- statistical codes GB/T 2260 never had (development zones): current, mapped to themselves
    select distinct
        n.region_code as old_code,
        n.region_name_zh as old_name_zh,
        cast(null as integer) as valid_from,
        cast(null as integer) as valid_to,
        true as is_old_code_current,
        n.region_code as current_code,
        0 as steps,
        'NBS 统计用区划代码' as code_list
    from {{ source('raw', 'region_codes') }} as n
    where n.code_list <> 'GB/T 2260'
      and not exists (select 1 from periods as p where p.region_code = n.region_code)
),

history as (
    select * from gbt2260_history
    union all
    select * from nbs_only
)

select
    h.old_code,
    h.old_name_zh,
    h.valid_from,
    h.valid_to,
    h.is_old_code_current,
    h.current_code,
    d.region_name_zh as current_name_zh,
    h.steps,
    count(h.current_code) over (partition by h.old_code, h.valid_from) as n_current_codes,
    count(h.current_code) over (partition by h.old_code, h.valid_from) = 1 as is_unique,
    -- the latest period of a code: what a feed that gives only the code (no year) means by it
    h.valid_from is not distinct from max(h.valid_from) over (partition by h.old_code) as is_latest_period,
    h.code_list
from history as h
left join {{ ref('dim_region') }} as d on d.region_code = h.current_code
