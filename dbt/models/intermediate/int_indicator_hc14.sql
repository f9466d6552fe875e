-- HC14 职业健康检查覆盖率 = exposed workers examined in service / exposed workers due for examination × 100
-- (卫健委 职业健康; GBZ 188 sets who is due).
{{ indicator_ratio(
    'HC14',
    numerator_model='stg_occupational_health',
    numerator='workers_examined',
    denominator='workers_exam_due',
    multiplier=100
) }}
