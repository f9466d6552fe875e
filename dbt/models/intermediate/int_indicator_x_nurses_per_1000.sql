-- X_NURSES_PER_1000 每千人口注册护士数 = registered nurses / resident population (intermediate.int_population) × 1000.
{{ indicator_ratio(
    'X_NURSES_PER_1000',
    numerator_model='stg_healthcare_resources',
    numerator='registered_nurses',
    denominator='population',
    multiplier=1000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
