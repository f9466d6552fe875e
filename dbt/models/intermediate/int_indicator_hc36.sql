-- HC36 18-50岁人群高血压患病率: the chronic-disease risk-factor survey's (慢性病及其危险因素监测) weighted
-- prevalence, taken as published with its unweighted sample size and 95 % confidence interval. It is a
-- design-weighted estimate: it cannot be recomputed from counts, so numerator and denominator are empty
-- and fct_indicator_value marks it value_source 'survey_estimate'. The staging tests check that the
-- interval contains the estimate and that the sample size is positive.
select
    region_code,
    year,
    'HC36' as indicator_code,
    cast(null as double precision) as numerator,
    cast(null as double precision) as denominator,
    cast(hypertension_18_50_pct as double precision) as value,
    hypertension_18_50_sample_size as sample_size,
    cast(hypertension_18_50_ci_low_pct as double precision) as ci_low,
    cast(hypertension_18_50_ci_high_pct as double precision) as ci_high,
    load_id as input_load_ids
from {{ ref('stg_health_surveys') }}
where hypertension_18_50_pct is not null
