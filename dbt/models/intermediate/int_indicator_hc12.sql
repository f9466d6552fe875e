-- HC12 城市人均体育场地面积 = sports-ground area (m²) / resident population.
{{ indicator_ratio(
    'HC12',
    numerator_model='stg_sports',
    numerator='sports_venue_area',
    denominator='resident_population',
    multiplier=1,
    denominator_model='stg_population_by_age'
) }}
