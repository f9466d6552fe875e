{#- Data-quality helpers. Every threshold and rule is a row of a seed (dbt/seeds/dq_*.csv). -#}

{#- One parameter of dbt/seeds/dq_parameters.csv, as a scalar subquery. -#}
{% macro dq_param(name) -%}
    (select cast(value as double precision) from {{ ref('dq_parameters') }} where parameter = '{{ name }}')
{%- endmacro %}

{#- The rows of a seed, read when the model runs (an empty list while dbt only parses). -#}
{% macro dq_seed_rows(seed_name) -%}
    {%- if execute -%}
        {%- set result = run_query('select * from ' ~ ref(seed_name)) -%}
        {{ return(result.rows) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{%- endmacro %}

{#- A number as text for messages: integers without decimals, others with up to 4 significant decimals. -#}
{% macro dq_fmt(expr) -%}
    case when {{ expr }} is null then 'NULL'
         when round({{ expr }}, 4) = round({{ expr }}) then cast(cast(round({{ expr }}) as bigint) as varchar)
         else cast(round({{ expr }}, 4) as varchar) end
{%- endmacro %}

{#- One select per rule of dq_consistency_rules, unioned: the rows that break the rule.
    Comparators (tolerance t is relative):
      <=            left > right × (1 + t) breaks the rule
      >=            left < right × (1 − t) breaks the rule
      same_regions  a region × year in one model but not the other, for years both models have -#}
{% macro dq_rule_violations() -%}
    {%- set rules = dq_seed_rows('dq_consistency_rules') -%}
    {%- if rules | length == 0 %}
    select
        cast(null as varchar) as rule_id, cast(null as varchar) as region_code, cast(null as integer) as year,
        cast(null as varchar) as row_key, cast(null as double precision) as left_value,
        cast(null as double precision) as right_value, cast(null as double precision) as allowed_value,
        cast(null as varchar) as side, cast(null as varchar) as input_load_ids
    where false
    {%- endif %}
    {%- for r in rules %}
    {%- if r['comparator'] in ('<=', '>=') %}
    {%- set t = r['tolerance'] | float %}
    select
        '{{ r["rule_id"] }}' as rule_id,
        cast(region_code as varchar) as region_code,
        cast(year as integer) as year,
        cast({{ r['row_key_expression'] }} as varchar) as row_key,
        cast({{ r['left_expression'] }} as double precision) as left_value,
        cast({{ r['right_expression'] }} as double precision) as right_value,
        cast({{ r['right_expression'] }} as double precision) * {{ (1 + t) if r['comparator'] == '<=' else (1 - t) }}
            as allowed_value,
        cast(null as varchar) as side,
        cast({{ r['load_id_column'] }} as varchar) as input_load_ids
    from {{ ref(r['model']) }}
    where {{ r['left_expression'] }} is not null
      and {{ r['right_expression'] }} is not null
      and cast({{ r['left_expression'] }} as double precision)
          {{ '>' if r['comparator'] == '<=' else '<' }}
          cast({{ r['right_expression'] }} as double precision) * {{ (1 + t) if r['comparator'] == '<=' else (1 - t) }}
    {%- elif r['comparator'] == 'same_regions' %}
    select
        '{{ r["rule_id"] }}' as rule_id,
        k.region_code,
        k.year,
        k.region_code || ' ' || k.year as row_key,
        cast(null as double precision) as left_value,
        cast(null as double precision) as right_value,
        cast(null as double precision) as allowed_value,
        k.side,
        k.input_load_ids
    from (
        select l.region_code, l.year, '{{ r["model"] }}' as side, l.input_load_ids
        from (select region_code, year, string_agg(distinct {{ r['load_id_column'] }}, ';') as input_load_ids
              from {{ ref(r['model']) }} group by region_code, year) as l
        where l.year in (select year from {{ ref(r['right_model']) }})
          and not exists (select 1 from {{ ref(r['right_model']) }} as x
                          where x.region_code = l.region_code and x.year = l.year)
        union all
        select l.region_code, l.year, '{{ r["right_model"] }}' as side, l.input_load_ids
        from (select region_code, year, string_agg(distinct {{ r['load_id_column'] }}, ';') as input_load_ids
              from {{ ref(r['right_model']) }} group by region_code, year) as l
        where l.year in (select year from {{ ref(r['model']) }})
          and not exists (select 1 from {{ ref(r['model']) }} as x
                          where x.region_code = l.region_code and x.year = l.year)
    ) as k
    {%- else %}
    {{ exceptions.raise_compiler_error("dq_consistency_rules " ~ r['rule_id'] ~ ": unknown comparator " ~ r['comparator']) }}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Fails when the model has rows of the given severity (ERROR findings: an ERROR-severity test). -#}
{% test dq_no_findings_of_severity(model, severity_value) %}
select finding_id, check_type, severity, region_code, indicator_code, year, message_en
from {{ model }}
where severity = '{{ severity_value }}'
{% endtest %}
