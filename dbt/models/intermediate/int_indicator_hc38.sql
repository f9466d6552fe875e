-- HC38 居民健康素养水平 = respondents with basic health literacy / respondents × 100 (survey-weighted counts).
{{ indicator_ratio(
    'HC38',
    numerator_model='stg_health_surveys',
    numerator='literacy_literate',
    denominator='literacy_respondents',
    multiplier=100
) }}
