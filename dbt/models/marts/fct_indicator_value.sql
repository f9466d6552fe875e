-- One row per region, year and indicator. Adding an indicator: write int_indicator_<code>.sql
-- (region_code, year, indicator_code, numerator, denominator, value, input_load_ids) and list it here.
{%- set indicator_models = [
    'int_indicator_hc17',
    'int_indicator_hc01',
    'int_indicator_hc02',
    'int_indicator_x_pm25_annual_mean',
    'int_indicator_hc03',
    'int_indicator_hc04',
    'int_indicator_hc05',
    'int_indicator_hc06',
    'int_indicator_hc07',
    'int_indicator_hc08',
    'int_indicator_hc12',
    'int_indicator_hc13',
    'int_indicator_hc16',
    'int_indicator_hc21',
    'int_indicator_hc22',
    'int_indicator_hc23',
    'int_indicator_hc24',
    'int_indicator_hc25',
    'int_indicator_hc26',
    'int_indicator_hc27',
    'int_indicator_hc28',
    'int_indicator_hc30',
    'int_indicator_hc31',
    'int_indicator_hc32',
    'int_indicator_hc33',
    'int_indicator_hc34',
    'int_indicator_hc38',
    'int_indicator_hc39',
    'int_indicator_hc40',
    'int_indicator_x_doctors_per_1000',
    'int_indicator_x_nurses_per_1000',
    'int_indicator_x_doctor_nurse_ratio',
    'int_indicator_x_sewage_treatment_rate',
    'int_indicator_x_student_fitness_pass_rate',
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
    v.input_load_ids,
    -- annual completeness (GB 3095 表4) of the air-quality indicators; true for every other indicator
    c.valid_days,
    coalesce(c.is_complete_year, true) as is_complete_year
from indicator_values as v
inner join {{ ref('dim_indicator') }} as i using (indicator_code)
left join {{ ref('dim_region') }} as r using (region_code)
left join {{ ref('int_indicator_air_quality_coverage') }} as c
    on c.region_code = v.region_code
   and c.year = v.year
   and c.indicator_code = v.indicator_code
