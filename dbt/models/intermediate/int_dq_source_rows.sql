{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 来源行 / Where each current raw row came from: load, file and row number per region and year,
-- so a finding on a value can name the file and row of its inputs.
{%- set staged = [
    'stg_census_city', 'stg_census_county', 'stg_disease_control', 'stg_drinking_water',
    'stg_fiscal_expenditure', 'stg_health_surveys', 'stg_healthcare_resources',
    'stg_maternal_child_health', 'stg_pension_beds', 'stg_population_by_age', 'stg_rural_toilets',
    'stg_sports', 'stg_student_fitness', 'stg_urban_construction', 'stg_water_sources',
    'stg_patriotic_health', 'stg_medical_insurance', 'stg_occupational_health', 'stg_food_sampling',
    'stg_media_health', 'stg_volunteers',
] %}
{%- for model in staged %}
select
    region_code,
    {{ 'census_year' if model.startswith('stg_census') else 'year' }} as year,
    load_id,
    source_file,
    source_row_number
from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
