-- HC09 病媒生物密度控制水平 = vectors whose density meets control level C or better / 4 × 100.
-- The four assessments: 鼠 GB/T 27770-2011, 蚊 GB/T 27771-2011, 蝇 GB/T 27772-2011, 蟑螂 GB/T 27773-2011,
-- each graded A, B or C (C is what the 国家卫生城市 standard requires) or 不达标. No national scalar
-- formula exists; the share of the four meeting C is the one dim_indicator declares. A year with any
-- of the four not assessed has no value (the raw suite admits only A, B, C, 不达标).
{%- set vectors = ['rodent', 'mosquito', 'fly', 'cockroach'] %}
{%- set at_c_or_better -%}
    {% for v in vectors %}(case when {{ v }}_density_level in ('A', 'B', 'C') then 1 else 0 end){% if not loop.last %} + {% endif %}{% endfor %}
{%- endset %}
{%- set all_assessed -%}
    case when {% for v in vectors %}{{ v }}_density_level is not null{% if not loop.last %} and {% endif %}{% endfor %} then 4 end
{%- endset %}
{{ indicator_ratio(
    'HC09',
    numerator_model='stg_patriotic_health',
    numerator=at_c_or_better,
    denominator=all_assessed,
    multiplier=100
) }}
