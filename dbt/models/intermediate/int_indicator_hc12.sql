-- HC12 城市人均体育场地面积 = sports-ground area (m²) / resident population (intermediate.int_population).
{{ indicator_ratio(
    'HC12',
    numerator_model='stg_sports',
    numerator='sports_venue_area',
    denominator='population',
    multiplier=1,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
