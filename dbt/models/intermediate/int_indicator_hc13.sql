-- HC13 每千人拥有社会体育指导员人数比例 = social sports instructors / resident population (intermediate.int_population) × 1000.
{{ indicator_ratio(
    'HC13',
    numerator_model='stg_sports',
    numerator='social_sports_instructors',
    denominator='population',
    multiplier=1000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
