{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 数据质量汇总 / Open data-quality findings by severity, per region and per department (the
-- publisher of the feeds a finding comes from, dbt/seeds/dq_feed_publishers.csv ← sources/feeds/*.yml),
-- with reporting completeness and timeliness (WHO DQR; DHIS2 reporting rates) over the reports now due:
--   completeness_pct = received / due × 100      timeliness_pct = received on time / due × 100
with findings as (
    select * from {{ ref('fct_data_quality_finding') }}
),

by_region as (
    select
        'region' as scope,
        f.region_code as scope_code,
        max(f.region_name_zh) as scope_name_zh,
        cast(null as varchar) as scope_name_en,
        count(*) filter (where f.severity = 'ERROR') as open_errors,
        count(*) filter (where f.severity = 'WARN') as open_warnings,
        count(*) as open_findings
    from findings as f
    group by f.region_code
),

finding_feeds as (
    select distinct f.finding_id, f.severity, trim(x.feed) as feed
    from findings as f, unnest(string_split(f.feed, ';')) as x(feed)
),

by_department as (
    select
        'department' as scope,
        p.publisher_zh as scope_code,
        p.publisher_zh as scope_name_zh,
        max(p.publisher_en) as scope_name_en,
        count(distinct ff.finding_id) filter (where ff.severity = 'ERROR') as open_errors,
        count(distinct ff.finding_id) filter (where ff.severity = 'WARN') as open_warnings,
        count(distinct ff.finding_id) as open_findings
    from finding_feeds as ff
    inner join {{ ref('dq_feed_publishers') }} as p using (feed)
    group by p.publisher_zh
),

reports as (
    select * from {{ ref('fct_report_completeness') }} where status <> 'not_due'
),

report_rates as (
    select 'region' as scope, region_code as scope_code, max(region_name_zh) as scope_name_zh,
           cast(null as varchar) as scope_name_en, count(*) as reports_due,
           count(*) filter (where status in ('on_time', 'late')) as reports_received,
           count(*) filter (where status = 'on_time') as reports_on_time
    from reports group by region_code
    union all
    select 'department', publisher_zh, publisher_zh, max(publisher_en), count(*),
           count(*) filter (where status in ('on_time', 'late')),
           count(*) filter (where status = 'on_time')
    from reports where publisher_zh is not null group by publisher_zh
),

open_findings as (
    select * from by_region
    union all
    select * from by_department
)

select
    coalesce(f.scope, r.scope) as scope,
    coalesce(f.scope_code, r.scope_code) as scope_code,
    coalesce(f.scope_name_zh, r.scope_name_zh) as scope_name_zh,
    coalesce(f.scope_name_en, r.scope_name_en) as scope_name_en,
    coalesce(f.open_errors, 0) as open_errors,
    coalesce(f.open_warnings, 0) as open_warnings,
    coalesce(f.open_findings, 0) as open_findings,
    r.reports_due,
    r.reports_received,
    r.reports_on_time,
    round(100.0 * r.reports_received / nullif(r.reports_due, 0), 1) as completeness_pct,
    round(100.0 * r.reports_on_time / nullif(r.reports_due, 0), 1) as timeliness_pct
from open_findings as f
full outer join report_rates as r using (scope, scope_code)
