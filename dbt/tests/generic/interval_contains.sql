{#- Rows whose estimate lies outside its own confidence interval [low, high], or whose interval is
    missing or reversed while the estimate is there (a survey estimate is published with its CI). -#}
{% test interval_contains(model, column_name, low, high) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and ({{ low }} is null or {{ high }} is null or {{ low }} > {{ column_name }} or {{ column_name }} > {{ high }})
{% endtest %}
