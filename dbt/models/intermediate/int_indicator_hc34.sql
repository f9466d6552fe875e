-- HC34 甲乙类传染病发病率 = class A and B notifiable cases / resident population (intermediate.int_population) × 100000.
{{ indicator_ratio(
    'HC34',
    numerator_model='stg_disease_control',
    numerator='class_ab_cases',
    denominator='population',
    multiplier=100000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
