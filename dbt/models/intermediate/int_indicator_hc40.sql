-- HC40 经常参加体育锻炼人口比例 = people exercising regularly / people surveyed × 100.
{{ indicator_ratio(
    'HC40',
    numerator_model='stg_sports',
    numerator='regular_exercisers',
    denominator='exercise_surveyed',
    multiplier=100
) }}
