-- HC13 每千人拥有社会体育指导员人数比例 = social sports instructors / resident population × 1000.
{{ indicator_ratio(
    'HC13',
    numerator_model='stg_sports',
    numerator='social_sports_instructors',
    denominator='resident_population',
    multiplier=1000,
    denominator_model='stg_population_by_age'
) }}
