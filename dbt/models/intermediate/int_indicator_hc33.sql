-- HC33 城乡居民达到《国民体质测定标准》合格以上的人数比例 = tested residents rated 合格 or better / residents tested × 100.
{{ indicator_ratio(
    'HC33',
    numerator_model='stg_sports',
    numerator='fitness_passed',
    denominator='fitness_tested',
    multiplier=100
) }}
