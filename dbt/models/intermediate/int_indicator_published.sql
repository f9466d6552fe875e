-- Indicator values as departments publish them (a rate, no counts), one row per region, year and
-- indicator. One line per feed column declared with `indicator:` in sources/feeds/<feed>.yml
-- (tests/integration/test_published_values.py checks this list against the declarations).
-- marts.fct_indicator_value uses a published value only where no value can be computed from counts.
{%- set published_columns = [
    ('city_health_snapshot', 'beds_per_1000', 'HC26'),
    ('city_health_snapshot', 'doctors_per_1000', 'X_DOCTORS_PER_1000'),
    ('city_health_snapshot', 'nurses_per_1000', 'X_NURSES_PER_1000'),
] %}

{% for feed, column, indicator in published_columns %}
select
    region_code,
    year,
    '{{ indicator }}' as indicator_code,
    cast({{ column }} as double precision) as value,
    '{{ feed }}' as source_feed,
    '{{ column }}' as source_column,
    load_id as input_load_ids
from {{ ref('stg_' ~ feed) }}
where {{ column }} is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
