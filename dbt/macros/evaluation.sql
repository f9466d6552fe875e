{#- Does `value` satisfy a plan target? Comparators as read from the plans (docs/evaluation.md):
    '='  equal within a relative 1e-9 (e.g. 100% coverage);  '≈' (原文"左右") within ±5% of the target;
    'range' between target_value and target_value_max, both inclusive. NULL when value is NULL. -#}
{% macro meets_target(value, comparator, target_value, target_value_max) -%}
case
    when {{ value }} is null or {{ target_value }} is null then null
    when {{ comparator }} = '>=' then {{ value }} >= {{ target_value }}
    when {{ comparator }} = '>' then {{ value }} > {{ target_value }}
    when {{ comparator }} = '<=' then {{ value }} <= {{ target_value }}
    when {{ comparator }} = '<' then {{ value }} < {{ target_value }}
    when {{ comparator }} = '=' then abs({{ value }} - {{ target_value }}) <= 1e-9 * greatest(1, abs({{ target_value }}))
    when {{ comparator }} = '≈' then abs({{ value }} - {{ target_value }}) <= 0.05 * abs({{ target_value }})
    when {{ comparator }} = 'range' then {{ value }} between {{ target_value }} and {{ target_value_max }}
end
{%- endmacro %}

{#- The year plans are judged in: targets with target_year >= this are "not yet due".
    Override with --vars '{evaluation_year: 2026}' for reproducible reports. -#}
{% macro evaluation_year() -%}
{{ var('evaluation_year', 'cast(extract(year from current_date) as integer)') }}
{%- endmacro %}
