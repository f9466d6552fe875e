-- HC18 健康社区覆盖率 = communities certified as 健康社区 / communities × 100 (爱卫办 healthy-cell register).
-- 健康细胞 ※: shown, not scored (reference.indicator_weights.is_scored).
{{ indicator_ratio(
    'HC18',
    numerator_model='stg_patriotic_health',
    numerator='healthy_communities',
    denominator='communities',
    multiplier=100
) }}
