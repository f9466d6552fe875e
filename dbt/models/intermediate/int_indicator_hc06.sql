-- HC06 公共厕所设置密度 = public toilets / built-up area (km²).
{{ indicator_ratio(
    'HC06',
    numerator_model='stg_urban_construction',
    numerator='public_toilets',
    denominator='built_up_area_km2',
    multiplier=1
) }}
