-- HC25 每万人口拥有公共卫生人员数 = public-health staff / resident population (intermediate.int_population) × 10000.
{{ indicator_ratio(
    'HC25',
    numerator_model='stg_healthcare_resources',
    numerator='public_health_staff',
    denominator='population',
    multiplier=10000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
