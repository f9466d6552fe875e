-- HC27 提供中医药服务的基层医疗卫生机构占比 = primary-care institutions providing TCM / primary-care institutions × 100.
{{ indicator_ratio(
    'HC27',
    numerator_model='stg_healthcare_resources',
    numerator='primary_care_institutions_tcm',
    denominator='primary_care_institutions',
    multiplier=100
) }}
