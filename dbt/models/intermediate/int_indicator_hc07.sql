-- HC07 无害化卫生厕所普及率（农村） = rural households with a harmless sanitary toilet / rural households × 100.
{{ indicator_ratio(
    'HC07',
    numerator_model='stg_rural_toilets',
    numerator='rural_households_sanitary_toilet',
    denominator='rural_households',
    multiplier=100
) }}
