-- HC05 生活垃圾无害化处理率 = municipal solid waste treated harmlessly (t) / collected (t) × 100.
{{ indicator_ratio(
    'HC05',
    numerator_model='stg_urban_construction',
    numerator='msw_harmless_treated',
    denominator='msw_collected',
    multiplier=100
) }}
