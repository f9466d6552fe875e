-- HC04 集中式饮用水水源地安全保障达标率 = centralised sources meeting Class III / sources assessed × 100.
{{ indicator_ratio(
    'HC04',
    numerator_model='stg_water_sources',
    numerator='water_sources_compliant',
    denominator='water_sources_assessed',
    multiplier=100
) }}
