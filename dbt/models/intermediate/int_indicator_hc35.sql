-- HC35 重大慢性病过早死亡率 = probability (%) of dying between exact ages 30 and 70 from
-- cardiovascular disease (I00-I99), cancer (C00-C97), chronic respiratory disease (J30-J98) or
-- diabetes (E10-E14), both sexes, WHO/SDG 3.4.1 (int_ncd_probability_30_70):
-- numerator = deaths before 70 of 100,000 people at exact age 30, denominator = 100,000, × 100.
select
    region_code,
    year,
    'HC35' as indicator_code,
    probability_30_70 * 100000 as numerator,
    cast(100000 as double precision) as denominator,
    probability_30_70 * 100 as value,
    input_load_ids
from {{ ref('int_ncd_probability_30_70') }}
where sex = 'total'
