-- HC20 健康企业覆盖率 = enterprises certified as 健康企业 / above-designated-size enterprises × 100 (爱卫办 register).
-- 健康细胞 ※: shown, not scored (reference.indicator_weights.is_scored).
{{ indicator_ratio(
    'HC20',
    numerator_model='stg_patriotic_health',
    numerator='healthy_enterprises',
    denominator='enterprises',
    multiplier=100
) }}
