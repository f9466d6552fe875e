{#- The dbt hub (dbt_utils) is unreachable here, so the one compound-key test we need lives here. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
