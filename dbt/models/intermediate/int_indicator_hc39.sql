-- HC39 15岁以上人群吸烟率 = current smokers 15+ / respondents 15+ × 100 (survey-weighted counts).
{{ indicator_ratio(
    'HC39',
    numerator_model='stg_health_surveys',
    numerator='current_smokers',
    denominator='smoking_respondents',
    multiplier=100
) }}
