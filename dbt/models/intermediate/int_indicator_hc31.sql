-- HC31 5岁以下儿童死亡率 = deaths under 5 / live births × 1000.
{{ indicator_ratio(
    'HC31',
    numerator_model='stg_maternal_child_health',
    numerator='under5_deaths',
    denominator='live_births',
    multiplier=1000
) }}
