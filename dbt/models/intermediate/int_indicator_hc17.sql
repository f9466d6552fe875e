-- HC17 每千名老年人口拥有养老床位数 = elderly-care beds / residents aged 60+ × 1000.
{{ indicator_ratio(
    'HC17',
    numerator_model='stg_pension_beds',
    numerator='institution_beds',
    denominator='population_60_plus',
    multiplier=1000,
    denominator_model='stg_population_by_age'
) }}
