-- 体育（场地、社会体育指导员、国民体质监测、体育锻炼调查）: current values only (a revised file supersedes the rows it covers; raw keeps the history).
select
    region_code,
    year,
    sports_venue_area,
    social_sports_instructors,
    fitness_tested,
    fitness_passed,
    exercise_surveyed,
    regular_exercisers,
    _load_id as load_id,
    _source_file as source_file,
    _row_number as source_row_number
from {{ source('raw', 'sports') }}
where _superseded_by_load_id is null
