-- HC23 孕产妇系统管理率 = systematically managed mothers / live births × 100.
{{ indicator_ratio(
    'HC23',
    numerator_model='stg_maternal_child_health',
    numerator='mothers_systematically_managed',
    denominator='live_births',
    multiplier=100
) }}
