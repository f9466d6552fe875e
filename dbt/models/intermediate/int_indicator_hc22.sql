-- HC22 儿童健康管理率 = children 0-6 with a health-management visit / children 0-6 × 100.
{{ indicator_ratio(
    'HC22',
    numerator_model='stg_maternal_child_health',
    numerator='children_0_6_health_managed',
    denominator='children_0_6',
    multiplier=100
) }}
