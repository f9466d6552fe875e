-- X_NURSES_PER_1000 每千人口注册护士数 = registered nurses / resident population × 1000.
{{ indicator_ratio(
    'X_NURSES_PER_1000',
    numerator_model='stg_healthcare_resources',
    numerator='registered_nurses',
    denominator='resident_population',
    multiplier=1000,
    denominator_model='stg_population_by_age'
) }}
