-- X_SEWAGE_TREATMENT_RATE 生活污水集中处理率 = sewage treated in centralised plants (m³) / sewage discharged (m³) × 100.
{{ indicator_ratio(
    'X_SEWAGE_TREATMENT_RATE',
    numerator_model='stg_urban_construction',
    numerator='sewage_centrally_treated',
    denominator='sewage_discharged',
    multiplier=100
) }}
