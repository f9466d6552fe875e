-- HC08 人均公园绿地面积 = park green area (m²) / (city-proper population + city-proper temporary residents); a missing part of the denominator gives no row.
{{ indicator_ratio(
    'HC08',
    numerator_model='stg_urban_construction',
    numerator='park_green_area',
    denominator='city_proper_population + city_proper_temporary_population',
    multiplier=1
) }}
