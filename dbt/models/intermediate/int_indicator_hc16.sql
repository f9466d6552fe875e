-- HC16 学生体质监测优良率 = students rated 良好 or 优秀 / students tested × 100.
{{ indicator_ratio(
    'HC16',
    numerator_model='stg_student_fitness',
    numerator='students_good_or_excellent',
    denominator='students_tested',
    multiplier=100
) }}
