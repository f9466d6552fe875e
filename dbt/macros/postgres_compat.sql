{#- PostgreSQL compatibility (HCW_DBT_TARGET=postgres; dagster_project/postgres.py, docs/analysts.md).

    Seed column_types in the seeds' YAML are written for DuckDB (e.g. `double`). PostgreSQL has no
    type `double`, so on PostgreSQL the seed table is created with each declared type translated by
    portable_type(); DuckDB keeps dbt's default implementation untouched. -#}

{%- macro portable_type(type_name) -%}
    {{- return(adapter.dispatch('portable_type')(type_name)) -}}
{%- endmacro -%}

{%- macro default__portable_type(type_name) -%}
    {{- return(type_name) -}}
{%- endmacro -%}

{%- macro postgres__portable_type(type_name) -%}
    {#- DuckDB spellings without a PostgreSQL equivalent of the same name. -#}
    {%- set duckdb_to_postgres = {
        'double': 'double precision',
        'float': 'real',
        'float4': 'real',
        'float8': 'double precision',
        'tinyint': 'smallint',
        'hugeint': 'numeric(39, 0)',
        'ubigint': 'numeric(20, 0)',
        'uinteger': 'bigint',
        'usmallint': 'integer',
        'utinyint': 'smallint',
        'string': 'text',
        'blob': 'bytea',
        'datetime': 'timestamp',
    } -%}
    {{- return(duckdb_to_postgres.get(type_name | trim | lower, type_name)) -}}
{%- endmacro -%}

{#- dbt's default__create_csv_table with the declared types passed through portable_type(). -#}
{% macro postgres__create_csv_table(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}

  {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = portable_type(column_override.get(col_name, inferred_type)) -%}
            {%- set column_name = (col_name | string) -%}
            {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
  {% endset %}

  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}

  {{ return(sql) }}
{% endmacro %}
