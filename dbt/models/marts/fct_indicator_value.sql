-- One row per region, year and indicator. Adding an indicator: write int_indicator_<code>.sql
-- (region_code, year, indicator_code, numerator, denominator, value, input_load_ids) and list it here.
{%- set indicator_models = [
    'int_indicator_hc17',
] %}

with indicator_values as (
    {% for model in indicator_models %}
    select region_code, year, indicator_code, numerator, denominator, value, input_load_ids
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    v.region_code,
    r.region_name_zh,
    v.year,
    v.indicator_code,
    i.indicator_name_zh,
    i.indicator_name_en,
    v.value,
    v.numerator,
    v.denominator,
    i.unit,
    i.direction,
    v.input_load_ids
from indicator_values as v
inner join {{ ref('dim_indicator') }} as i using (indicator_code)
left join {{ ref('dim_region') }} as r using (region_code)
