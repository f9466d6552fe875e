-- HC19 健康学校覆盖率 = schools certified as 健康学校 / primary and secondary schools × 100 (爱卫办 register).
-- 健康细胞 ※: shown, not scored (reference.indicator_weights.is_scored).
{{ indicator_ratio(
    'HC19',
    numerator_model='stg_patriotic_health',
    numerator='healthy_schools',
    denominator='schools',
    multiplier=100
) }}
