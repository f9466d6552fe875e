-- 数据质量汇总 / Open data-quality findings by severity, per region and per department (the
-- publisher of the feeds a finding comes from, dbt/seeds/dq_feed_publishers.csv ← sources/feeds/*.yml).
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
)

select * from by_region
union all
select * from by_department
