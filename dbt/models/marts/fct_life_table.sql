{{ config(tags=['backfill_year'], **year_partition_config()) }}
-- 简略寿命表 / Abridged period life tables (Chiang's method), one row per region, year, sex and age
-- group: nMx, nax, nqx, lx, ndx, nLx, Tx, ex. e0 by sex is the row with age_start = 0; e65 the row
-- with age_start = 65; ex_se and the 95% limits ex_lower_95 / ex_upper_95 give its sampling error
-- (Chiang's variance with the open interval's term). The computation and its sources are in
-- int_life_table.
select
    l.region_code,
    r.region_name_zh,
    l.year,
    l.sex,
    l.age_group,
    l.age_start,
    l.age_width,
    l.deaths,
    l.population,
    l.nmx,
    l.nax,
    l.nqx,
    l.lx,
    l.ndx,
    l.nlx,
    l.tx,
    l.ex,
    l.ex_se,
    l.ex_lower_95,
    l.ex_upper_95,
    l.table_deaths,
    l.table_population,
    l.is_unstable,
    l.unstable_reason,
    l.input_load_ids
from {{ ref('int_life_table') }} as l
left join {{ ref('dim_region') }} as r on r.region_code = l.region_code
where true {{ backfill_year_filter('l.year') }}
