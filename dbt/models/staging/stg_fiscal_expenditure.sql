-- 一般公共预算支出（含卫生健康支出）: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    general_budget_expenditure,
    health_expenditure,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'fiscal_expenditure') }}
where _superseded_by_load_id is null
