-- HC24 每万人口全科医生数 = general practitioners / resident population × 10000.
{{ indicator_ratio(
    'HC24',
    numerator_model='stg_healthcare_resources',
    numerator='general_practitioners',
    denominator='resident_population',
    multiplier=10000,
    denominator_model='stg_population_by_age'
) }}
