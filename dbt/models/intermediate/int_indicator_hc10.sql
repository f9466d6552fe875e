-- HC10 国家卫生县城（镇）占比 = (国家卫生县城 + 国家卫生乡镇) / (县城 + 乡镇) × 100, pooled as Baotou's plan
-- target '国家卫生县城(乡镇)达到10%' treats them (爱卫办 list of titles held; a region with neither has no value).
{{ indicator_ratio(
    'HC10',
    numerator_model='stg_patriotic_health',
    numerator='national_hygienic_county_towns + national_hygienic_townships',
    denominator='county_towns + townships',
    multiplier=100
) }}
