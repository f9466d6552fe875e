-- X_DOCTORS_PER_1000 每千人口执业(助理)医师数 = practising (assistant) physicians / resident population (intermediate.int_population) × 1000.
{{ indicator_ratio(
    'X_DOCTORS_PER_1000',
    numerator_model='stg_healthcare_resources',
    numerator='practising_physicians',
    denominator='population',
    multiplier=1000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
