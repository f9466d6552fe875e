-- 基本医疗保险住院费用: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    insured_inpatient_expenses,
    fund_paid_inpatient_expenses,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'medical_insurance') }}
where _superseded_by_load_id is null
