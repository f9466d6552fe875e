-- HC29 人均预期寿命 = e0 of the region's abridged life table for both sexes (int_life_table, Chiang's
-- method): e0 = T0 / l0, numerator T0 (person-years lived from birth by the 100,000 radix),
-- denominator l0 = 100,000. e0 by sex and the whole table: marts.fct_life_table.
select
    region_code,
    year,
    'HC29' as indicator_code,
    tx as numerator,
    lx as denominator,
    ex as value,
    input_load_ids
from {{ ref('int_life_table') }}
where sex = 'total' and age_start = 0
