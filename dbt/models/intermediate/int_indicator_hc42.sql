-- HC42 注册志愿者比例 = volunteers registered in the national volunteer-service information system (文明办)
-- / resident population × 100. Population: intermediate.int_population (census-based), not a feed's figure.
{{ indicator_ratio(
    'HC42',
    numerator_model='stg_volunteers',
    numerator='registered_volunteers',
    denominator='population',
    multiplier=100,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
