-- HC26 每千人口医疗卫生机构床位数 = beds of medical and health institutions / resident population (intermediate.int_population) × 1000.
{{ indicator_ratio(
    'HC26',
    numerator_model='stg_healthcare_resources',
    numerator='medical_institution_beds',
    denominator='population',
    multiplier=1000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
