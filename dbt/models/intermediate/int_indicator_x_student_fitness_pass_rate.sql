-- X_STUDENT_FITNESS_PASS_RATE 中小学学生体质健康标准合格率 = students rated pass or better / students tested × 100.
{{ indicator_ratio(
    'X_STUDENT_FITNESS_PASS_RATE',
    numerator_model='stg_student_fitness',
    numerator='students_passed',
    denominator='students_tested',
    multiplier=100
) }}
