-- HC24 每万人口全科医生数 = general practitioners / resident population (intermediate.int_population) × 10000.
{{ indicator_ratio(
    'HC24',
    numerator_model='stg_healthcare_resources',
    numerator='general_practitioners',
    denominator='population',
    multiplier=10000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
