{{ config(tags=['backfill_year'], **year_partition_config()) }}
-- Year-grained: a backfill of one year (var backfill_year, macros/backfill.sql) rewrites only that year's rows.
-- Contract (columns and types in _marts.yml) enforced on DuckDB: a model change that renames, drops or
-- retypes a column analysts read fails the build instead of reaching the published snapshot.
-- One row per region, year and indicator. Adding an indicator: write int_indicator_<code>.sql
-- (region_code, year, indicator_code, numerator, denominator, value, input_load_ids) and list it here.
-- value_source: 'computed' from counts when both inputs exist, else 'published' (int_indicator_published,
-- a department's ready-made rate); published_value is kept beside a computed value to compare them;
-- 'survey_estimate' for a survey's weighted estimate taken as published (HC36, no counts).
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
    'int_indicator_hc29',
    'int_indicator_hc30',
    'int_indicator_hc31',
    'int_indicator_hc32',
    'int_indicator_hc33',
    'int_indicator_hc34',
    'int_indicator_hc35',
    'int_indicator_hc37',
    'int_indicator_hc38',
    'int_indicator_hc39',
    'int_indicator_hc40',
    'int_indicator_x_doctors_per_1000',
    'int_indicator_x_nurses_per_1000',
    'int_indicator_x_doctor_nurse_ratio',
    'int_indicator_x_sewage_treatment_rate',
    'int_indicator_x_student_fitness_pass_rate',
    'int_indicator_hc09',
    'int_indicator_hc10',
    'int_indicator_hc11',
    'int_indicator_hc14',
    'int_indicator_hc15',
    'int_indicator_hc18',
    'int_indicator_hc19',
    'int_indicator_hc20',
    'int_indicator_hc41',
    'int_indicator_hc42',
] %}
{#- Survey estimates taken as published with their sample size and CI (no counts: not recomputable). #}
{%- set estimate_models = ['int_indicator_hc36'] %}

with computed_values as (
    {% for model in indicator_models %}
    select region_code, year, indicator_code, numerator, denominator, value, input_load_ids
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

published_values as (
    select region_code, year, indicator_code, value, input_load_ids
    from {{ ref('int_indicator_published') }}
),

indicator_values as (
    select c.*, cast('computed' as varchar) as value_source
    from computed_values as c
    union all
    {% for model in estimate_models %}
    select region_code, year, indicator_code, numerator, denominator, value, input_load_ids,
        cast('survey_estimate' as varchar)
    from {{ ref(model) }}
    union all
    {% endfor %}
    select p.region_code, p.year, p.indicator_code, null, null, p.value, p.input_load_ids,
        cast('published' as varchar)
    from published_values as p
    where not exists (
        select 1 from computed_values as c
        where c.region_code = p.region_code and c.year = p.year and c.indicator_code = p.indicator_code
    )
),

-- data_as_of: when the newest raw load behind a value was loaded (raw._loads, written by every
-- feed asset). A feed whose new file was rejected keeps its last good rows, and their older date.
data_as_of as (
    select ids.region_code, ids.year, ids.indicator_code, max(l.loaded_at) as data_as_of
    from (
        select region_code, year, indicator_code, unnest(string_to_array(input_load_ids, ';')) as load_id
        from indicator_values
    ) as ids
    inner join raw._loads as l on l.load_id = ids.load_id
    group by ids.region_code, ids.year, ids.indicator_code
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
    d.data_as_of,
    v.value_source,
    pv.value as published_value,
    -- annual completeness (GB 3095 表4) of the air-quality indicators; true for every other indicator
    c.valid_days,
    coalesce(c.is_complete_year, true) as is_complete_year
from indicator_values as v
inner join {{ ref('dim_indicator') }} as i using (indicator_code)
left join {{ ref('dim_region') }} as r using (region_code)
left join data_as_of as d
    on d.region_code = v.region_code and d.year = v.year and d.indicator_code = v.indicator_code
left join published_values as pv
    on pv.region_code = v.region_code and pv.year = v.year and pv.indicator_code = v.indicator_code
left join {{ ref('int_indicator_air_quality_coverage') }} as c
    on c.region_code = v.region_code
   and c.year = v.year
   and c.indicator_code = v.indicator_code
where true {{ backfill_year_filter('v.year') }}
