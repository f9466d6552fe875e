-- HC17 每千名老年人口拥有养老床位数 = all elderly-care beds (养老机构 + 社区养老服务设施, as the definition and the
-- civil-affairs statistics count them) / residents aged 60+ (intermediate.int_population.population_60_plus)
-- × 1000. A year without the community beds has no value.
{{ indicator_ratio(
    'HC17',
    numerator_model='stg_pension_beds',
    numerator='institution_beds + community_beds',
    denominator='population_60_plus',
    multiplier=1000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
