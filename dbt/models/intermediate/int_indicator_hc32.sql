-- HC32 孕产妇死亡率 = maternal deaths / live births × 100000.
{{ indicator_ratio(
    'HC32',
    numerator_model='stg_maternal_child_health',
    numerator='maternal_deaths',
    denominator='live_births',
    multiplier=100000
) }}
