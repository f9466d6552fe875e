{#- A value computed from counts that differs from the value a department published for the same
    region, year and indicator by more than `tolerance` (1 %): each failing row names both values. -#}
{% test published_value_agrees(model, tolerance=0.01) %}
select
    region_code,
    region_name_zh,
    year,
    indicator_code,
    value as computed_value,
    published_value,
    indicator_code || ' ' || region_code || ' ' || cast(year as varchar)
        || ': computed ' || cast(cast(value as numeric(18, 4)) as varchar)
        || ' vs published ' || cast(cast(published_value as numeric(18, 4)) as varchar)
        || ' (differs by ' || cast(cast(100 * (value - published_value) / published_value as numeric(18, 1)) as varchar)
        || ' %)' as message
from {{ model }}
where value_source = 'computed'
  and published_value is not null
  and abs(value - published_value) > {{ tolerance }} * abs(published_value)
{% endtest %}
