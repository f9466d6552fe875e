{#-
  回填某一年 / Backfill one year (docs/operations.md, "Backfill a year"). The Dagster job `backfill_year`
  runs `dbt build` of the models tagged `backfill_year` with the environment variable HCW_BACKFILL_YEAR=Y
  (by hand: `dbt build --select tag:backfill_year --vars '{backfill_year: Y}'`; a changed var makes dbt
  re-parse the whole project, a changed environment variable only the files that read it). Then:

  - a year-grained model (one or more rows per year, config from year_partition_config()) reads every
    year it needs (the previous year, a reference year, interpolated population), but selects and writes
    only year Y: its year-Y rows are deleted and inserted again (the table becomes incremental for that
    build only); every other year's rows are left as they are;
  - without it (every nightly build) nothing changes: the model is a table rebuilt whole.
-#}

{#- The year being backfilled (var backfill_year, else HCW_BACKFILL_YEAR), or none. -#}
{% macro backfill_year() -%}
    {%- set year = var('backfill_year', env_var('HCW_BACKFILL_YEAR', '')) -%}
    {{- return(none if year is none or year == '' else year | int) -}}
{%- endmacro %}

{#- The config of a year-grained table: a table, or with backfill_year incremental over that year only. -#}
{% macro year_partition_config() -%}
    {%- if backfill_year() is none -%}
        {{- return({'materialized': 'table'}) -}}
    {%- else -%}
        {{- return({'materialized': 'incremental', 'incremental_strategy': 'append', 'on_schema_change': 'fail',
                    'pre_hook': ["{{ delete_backfill_year() }}"]}) -}}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: delete year Y's rows (all of them, so a row that is no longer computed goes too). -#}
{% macro delete_backfill_year(column='year') -%}
    {%- if backfill_year() is not none and execute and load_relation(this) is not none -%}
    delete from {{ this }} where {{ column }} = {{ backfill_year() }}
    {%- endif -%}
{%- endmacro %}

{#- `and <column> = Y` while backfilling year Y, nothing otherwise (append to a where clause). -#}
{% macro backfill_year_filter(column='year') -%}
    {%- if backfill_year() is not none %} and {{ column }} = {{ backfill_year() }}{% endif -%}
{%- endmacro %}
