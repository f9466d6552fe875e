-- HC21 严重精神障碍患者规范管理率 = severe-mental-disorder patients managed to standard / registered patients × 100.
{{ indicator_ratio(
    'HC21',
    numerator_model='stg_disease_control',
    numerator='smi_standard_managed',
    denominator='smi_registered_patients',
    multiplier=100
) }}
