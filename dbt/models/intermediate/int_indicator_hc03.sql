-- HC03 生活饮用水水质达标率 = compliant drinking-water samples / samples tested × 100.
{{ indicator_ratio(
    'HC03',
    numerator_model='stg_drinking_water',
    numerator='water_samples_compliant',
    denominator='water_samples_tested',
    multiplier=100
) }}
