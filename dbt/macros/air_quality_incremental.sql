{#-
  Incremental by date for the air-quality models (materialized='incremental',
  incremental_strategy='delete+insert', unique_key='observed_date'): a nightly build recomputes
  only the dates touched by loads newer than what the model already holds, deleting those dates
  and inserting them again; `dbt build --full-refresh` rebuilds every date and gives the same rows.
  Every row carries data_as_of, the load time (raw _loaded_at) of the newest raw row behind it;
  the model's watermark is max(data_as_of) of its own rows. HJ 663-2013 windows (the O3 8-hour
  means, the 24-hour means) never cross midnight, so a whole day is always recomputed from all its
  hours, old and new, and the increment boundary cannot cut a window.
  Not detected: a change of a seed (aqi_breakpoints) or of dim_region names; run a full refresh
  after those (docs/regions-and-air-quality.md).
-#}
{% macro air_quality_watermark() -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'data_as_of' in columns -%}
    (select coalesce(max(data_as_of), timestamp '0001-01-01') from {{ this }})
    {%- else -%}
    {#- the table was built before it carried data_as_of: every date is rebuilt once -#}
    timestamp '0001-01-01'
    {%- endif -%}
{%- endmacro %}

{#- observed_date filter: the dates of `relation` whose rows are newer than the watermark
    (`extra` = SQL selecting more dates, e.g. from another input), or every date on a full build. -#}
{% macro air_quality_dates_to_build(relation, loaded_at='data_as_of', extra=none, column='observed_date') -%}
    {%- if is_incremental() %}
    and {{ column }} in (
        select observed_date from {{ relation }} where {{ loaded_at }} > {{ air_quality_watermark() }}
        {%- if extra %}
        union
        {{ extra }}
        {%- endif %}
    )
    {%- endif %}
{%- endmacro %}
