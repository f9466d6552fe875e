-- HC25 每万人口拥有公共卫生人员数 = public-health staff / resident population × 10000.
{{ indicator_ratio(
    'HC25',
    numerator_model='stg_healthcare_resources',
    numerator='public_health_staff',
    denominator='resident_population',
    multiplier=10000,
    denominator_model='stg_population_by_age'
) }}
