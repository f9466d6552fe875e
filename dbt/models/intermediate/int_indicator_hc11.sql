-- HC11 基本医保住院费用实际报销比 = inpatient expenses paid by the basic medical insurance funds (职工 + 城乡居民)
-- / total inpatient expenses of insured patients (incl. items outside the policy scope) × 100 (医疗保障局).
{{ indicator_ratio(
    'HC11',
    numerator_model='stg_medical_insurance',
    numerator='fund_paid_inpatient_expenses',
    denominator='insured_inpatient_expenses',
    multiplier=100
) }}
