{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 检查的数列 / The series the consistency-over-time and outlier checks look at, one row per
-- series, region and year:
--   indicator  each indicator's value, numerator and denominator (marts.fct_indicator_value);
--              a unit error here is an ERROR (it would be published); the value and numerator of
--              a change indicator (unit '% change': HC37) are left out, as a change near zero or
--              changing sign has no level to compare with its past
--   raw        the raw columns listed in dbt/seeds/dq_checked_columns.csv, with their own
--              unit-error severity, file and row
-- depends_on: {{ ref('dq_checked_columns') }}
-- The raw feeds read (keep in step with dq_checked_columns.csv; dbt resolves them when parsing):
-- depends_on: {{ source('raw', 'population_by_age') }}
-- depends_on: {{ source('raw', 'healthcare_resources') }}
-- depends_on: {{ source('raw', 'maternal_child_health') }}
-- depends_on: {{ source('raw', 'pension_beds') }}
-- depends_on: {{ source('raw', 'city_panel') }}
{%- set columns = dq_seed_rows('dq_checked_columns') %}
{%- set change_indicators = ['HC37'] %}

with indicator_series as (
    {%- for measure in ['value', 'numerator', 'denominator'] %}
    select
        'indicator' as series_kind,
        indicator_code || case when '{{ measure }}' = 'value' then '' else ' {{ measure }}' end as series_id,
        cast(null as varchar) as feed,
        indicator_code,
        '{{ measure }}' as measure,
        region_code,
        year,
        cast({{ measure }} as double precision) as value,
        input_load_ids,
        cast(null as varchar) as source_file,
        cast(null as varchar) as source_row,
        'ERROR' as unit_error_severity
    from {{ ref('fct_indicator_value') }}
    where {{ measure }} is not null
    {%- if measure != 'denominator' %}
      and indicator_code not in ('{{ change_indicators | join("', '") }}')
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from indicator_series
{%- for c in columns %}
union all
select
    'raw' as series_kind,
    '{{ c["feed"] }}.{{ c["column_name"] }}' as series_id,
    '{{ c["feed"] }}' as feed,
    cast(null as varchar) as indicator_code,
    '{{ c["column_name"] }}' as measure,
    region_code,
    year,
    cast({{ c['column_name'] }} as double precision) as value,
    _load_id as input_load_ids,
    _source_file as source_file,
    cast(_row_number as varchar) as source_row,
    '{{ c["unit_error_severity"] }}' as unit_error_severity
from {{ source('raw', c['feed']) }}
where _superseded_by_load_id is null and {{ c['column_name'] }} is not null
{%- endfor %}
