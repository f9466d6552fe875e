{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 报表完整性与及时性 / Completeness and timeliness of reporting (WHO Data Quality Review dimension 1;
-- DHIS2 reporting rates): one row per expected report = feed × region × year declared in
-- dbt/seeds/dq_report_expectations.csv. The report for year Y is due on due_month/due_day of Y + 1.
-- Received = the feed has a row for the region and year; when = the earliest _loaded_at of such a
-- row, revisions included (the first version is when it arrived). Status:
--   on_time  received by the due date          late     received after it
--   missing  not received and the due date passed    not_due  not received, not yet due
-- "Today" is the dbt var dq_as_of (default: the current date), so tests can fix it.
-- depends_on: {{ ref('dq_report_expectations') }}
-- depends_on: {{ source('raw', 'population_by_age') }}
-- depends_on: {{ source('raw', 'pension_beds') }}
-- depends_on: {{ source('raw', 'healthcare_resources') }}
-- depends_on: {{ source('raw', 'maternal_child_health') }}
{%- set expectations = dq_seed_rows('dq_report_expectations') %}
{%- set feeds = expectations | map(attribute='feed') | unique | list %}
{%- set as_of = "cast('" ~ var('dq_as_of') ~ "' as date)" if var('dq_as_of', none) else 'current_date' %}

with expected_years as (
    -- years first_year .. last_year, or up to last year when last_year is empty
    select
        feed, region_code, due_month, due_day,
        unnest(range(first_year, coalesce(last_year, extract(year from {{ as_of }})::integer - 1) + 1)) as year
    from {{ ref('dq_report_expectations') }}
),

expected as (
    select feed, region_code, cast(year as integer) as year, make_date(cast(year as integer) + 1, due_month, due_day) as due_date
    from expected_years
),

received as (
    {%- for feed in feeds %}
    select '{{ feed }}' as feed, region_code, year, min(_loaded_at) as first_received_at,
           count(*) filter (where _superseded_by_load_id is null) as current_rows
    from {{ source('raw', feed) }}
    group by region_code, year
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if feeds | length == 0 %}
    select cast(null as varchar) as feed, cast(null as varchar) as region_code, cast(null as integer) as year,
           cast(null as timestamp) as first_received_at, cast(null as bigint) as current_rows
    where false
    {%- endif %}
),

judged as (
    select
        e.feed,
        e.region_code,
        e.year,
        e.due_date,
        r.first_received_at,
        coalesce(r.current_rows, 0) as current_rows,
        case
            when r.first_received_at is not null and cast(r.first_received_at as date) <= e.due_date then 'on_time'
            when r.first_received_at is not null then 'late'
            when e.due_date < {{ as_of }} then 'missing'
            else 'not_due'
        end as status,
        case when r.first_received_at is not null
             then greatest(date_diff('day', e.due_date, cast(r.first_received_at as date)), 0)
             when e.due_date < {{ as_of }} then date_diff('day', e.due_date, {{ as_of }}) end as days_late,
        date_diff('day', e.due_date, {{ as_of }}) as days_since_due
    from expected as e
    left join received as r using (feed, region_code, year)
)

select
    j.feed,
    p.publisher_zh,
    p.publisher_en,
    j.region_code,
    d.region_name_zh,
    j.year,
    j.due_date,
    j.first_received_at,
    j.current_rows,
    j.status,
    case j.status when 'on_time' then '按时' when 'late' then '逾期' when 'missing' then '未报' else '未到期' end
        as status_zh,
    j.days_late,
    j.days_since_due
from judged as j
left join {{ ref('dq_feed_publishers') }} as p using (feed)
left join {{ ref('dim_region') }} as d on d.region_code = j.region_code
