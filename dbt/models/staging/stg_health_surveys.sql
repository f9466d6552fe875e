-- 健康素养与吸烟调查: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    literacy_respondents,
    literacy_literate,
    smoking_respondents,
    current_smokers,
    hypertension_18_50_pct,
    hypertension_18_50_sample_size,
    hypertension_18_50_ci_low_pct,
    hypertension_18_50_ci_high_pct,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'health_surveys') }}
where _superseded_by_load_id is null
