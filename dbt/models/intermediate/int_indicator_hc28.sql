-- HC28 卫生健康支出占财政支出的比重 = general-budget health expenditure / total general-budget expenditure × 100.
{{ indicator_ratio(
    'HC28',
    numerator_model='stg_fiscal_expenditure',
    numerator='health_expenditure',
    denominator='general_budget_expenditure',
    multiplier=100
) }}
