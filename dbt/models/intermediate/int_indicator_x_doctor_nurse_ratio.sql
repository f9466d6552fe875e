-- X_DOCTOR_NURSE_RATIO 医护比 = registered nurses / practising (assistant) physicians.
{{ indicator_ratio(
    'X_DOCTOR_NURSE_RATIO',
    numerator_model='stg_healthcare_resources',
    numerator='registered_nurses',
    denominator='practising_physicians',
    multiplier=1
) }}
