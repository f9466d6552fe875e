-- HC30 婴儿死亡率 = infant deaths / live births × 1000.
{{ indicator_ratio(
    'HC30',
    numerator_model='stg_maternal_child_health',
    numerator='infant_deaths',
    denominator='live_births',
    multiplier=1000
) }}
