-- HC26 每千人口医疗卫生机构床位数 = beds of medical and health institutions / resident population × 1000.
{{ indicator_ratio(
    'HC26',
    numerator_model='stg_healthcare_resources',
    numerator='medical_institution_beds',
    denominator='resident_population',
    multiplier=1000,
    denominator_model='stg_population_by_age'
) }}
