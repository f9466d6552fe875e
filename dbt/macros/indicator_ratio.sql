{#
  indicator_ratio: the shape most indicators share, value = numerator / denominator × multiplier,
  for one region and year.

    indicator_code     'HC24'
    numerator_model    staging model holding the numerator, e.g. 'stg_healthcare_resources'
    numerator          SQL expression over that model's columns, e.g. 'general_practitioners'
    denominator        SQL expression for the denominator
    denominator_model  model holding the denominator when it is not the numerator's model: every per-capita
                       indicator names 'int_population' (the one population source of record, census-based);
                       omitted = the numerator's model (same row, no join)
    multiplier         100, 1000, 10000, 100000 or 1
    denominator_load_ids  the denominator model's lineage column: 'load_id' for a staging model,
                       'input_load_ids' for intermediate.int_population (the census-based population)

  Rules kept here once for every indicator:
  - counts in, rate out: numerator and denominator are published counts (summable when regions
    are aggregated), the rate is computed, never averaged;
  - a missing input gives no row: a region-year without the numerator, without the denominator,
    or with a zero denominator (rate undefined) is left out, never reported as 0;
  - input_load_ids names the raw loads used (lineage to raw._loads).
  Portable SQL (DuckDB and PostgreSQL): explicit casts to double precision, no dialect functions.
#}
{% macro indicator_ratio(indicator_code, numerator_model, numerator, denominator, multiplier=1, denominator_model=none, denominator_load_ids='load_id') %}
{%- if denominator_model is none or denominator_model == numerator_model %}
with inputs as (
    select
        region_code,
        year,
        cast({{ numerator }} as double precision) as numerator,
        cast({{ denominator }} as double precision) as denominator,
        load_id as input_load_ids
    from {{ ref(numerator_model) }}
)
{%- else %}
with numerators as (
    select region_code, year, cast({{ numerator }} as double precision) as numerator, load_id
    from {{ ref(numerator_model) }}
),

denominators as (
    select region_code, year, cast({{ denominator }} as double precision) as denominator, {{ denominator_load_ids }} as load_id
    from {{ ref(denominator_model) }}
),

inputs as (
    select
        numerators.region_code,
        numerators.year,
        numerators.numerator,
        denominators.denominator,
        numerators.load_id || ';' || denominators.load_id as input_load_ids
    from numerators
    inner join denominators
        on numerators.region_code = denominators.region_code
       and numerators.year = denominators.year
)
{%- endif %}

select
    region_code,
    year,
    '{{ indicator_code }}' as indicator_code,
    numerator,
    denominator,
    numerator * {{ multiplier }} / denominator as value,
    input_load_ids
from inputs
where numerator is not null
  and denominator is not null
  and denominator > 0
{% endmacro %}
