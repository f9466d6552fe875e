-- 学生体质健康测试: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    students_tested,
    students_good_or_excellent,
    students_passed,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'student_fitness') }}
where _superseded_by_load_id is null
