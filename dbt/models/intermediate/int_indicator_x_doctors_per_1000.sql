-- X_DOCTORS_PER_1000 每千人口执业(助理)医师数 = practising (assistant) physicians / resident population × 1000.
{{ indicator_ratio(
    'X_DOCTORS_PER_1000',
    numerator_model='stg_healthcare_resources',
    numerator='practising_physicians',
    denominator='resident_population',
    multiplier=1000,
    denominator_model='stg_population_by_age'
) }}
