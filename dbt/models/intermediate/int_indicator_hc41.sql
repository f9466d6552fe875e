-- HC41 媒体健康科普水平: no national formula exists. The score is the rubric declared in the seed
-- reference.hc41_media_rubric (each criterion's points, the feed columns it reads, the plan text it
-- comes from): score = Σ points × (numerator column / denominator column), out of Σ points = 100.
-- numerator = points earned, denominator = points available; a criterion whose inputs are missing
-- (or whose denominator is 0) leaves the region-year without a value.
{%- set media_columns = ['main_media_outlets', 'outlets_with_health_column', 'outlets_publishing_regularly',
                         'new_media_accounts', 'new_media_with_health_column'] %}

with counts as (
    {%- for column in media_columns %}
    select region_code, year, load_id, '{{ column }}' as column_name, cast({{ column }} as double precision) as n
    from {{ ref('stg_media_health') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

region_years as (
    select distinct region_code, year, load_id from counts
),

criteria as (
    select
        ry.region_code,
        ry.year,
        ry.load_id,
        r.points,
        case when d.n > 0 then r.points * n.n / d.n end as points_earned
    from region_years as ry
    cross join {{ ref('hc41_media_rubric') }} as r
    left join counts as n
        on n.region_code = ry.region_code and n.year = ry.year and n.column_name = r.numerator_column
    left join counts as d
        on d.region_code = ry.region_code and d.year = ry.year and d.column_name = r.denominator_column
)

select
    region_code,
    year,
    'HC41' as indicator_code,
    sum(points_earned) as numerator,
    cast(sum(points) as double precision) as denominator,
    100 * sum(points_earned) / sum(points) as value,
    load_id as input_load_ids
from criteria
group by region_code, year, load_id
having count(points_earned) = count(*)
