-- 空气质量指标年度完整性 / Valid-day count and annual completeness (GB 3095-2012 表4) of the
-- air-quality indicators, joined onto marts.fct_indicator_value. Other indicators have no row here.
{%- set models = ['int_indicator_hc01', 'int_indicator_hc02', 'int_indicator_x_pm25_annual_mean'] %}
{% for model in models %}
select region_code, year, indicator_code, valid_days, is_complete_year, standards
from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
