-- HC37 肿瘤年龄标化发病率变化幅度 = (ASR_t - ASR_ref) / ASR_ref × 100, ASR the age-standardised
-- cancer incidence per 100,000 of both sexes (direct method on the standard population of
-- var('hc37_standard_population'): Segi world by default, or China 2000; int_cancer_incidence_asr). Reference year: the previous year (year-on-year change), or the fixed
-- base year var('hc37_reference_year') when the evaluation sets one. No row without both years.
{%- set reference_year = var('hc37_reference_year', none) %}

with asr as (
    select region_code, year, asr_per_100k, input_load_ids
    from {{ ref('int_cancer_incidence_asr') }}
    where sex = 'total'
)

select
    t.region_code,
    t.year,
    'HC37' as indicator_code,
    t.asr_per_100k - r.asr_per_100k as numerator,
    r.asr_per_100k as denominator,
    (t.asr_per_100k - r.asr_per_100k) * 100 / r.asr_per_100k as value,
    t.input_load_ids || ';' || r.input_load_ids as input_load_ids
from asr as t
inner join asr as r
    on r.region_code = t.region_code
{%- if reference_year is none %}
   and r.year = t.year - 1
{%- else %}
   and r.year = {{ reference_year }}
   and t.year > {{ reference_year }}
{%- endif %}
where r.asr_per_100k > 0
