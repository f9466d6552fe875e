{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL (median over windows, unnest); not built in the PostgreSQL copy -#}
-- 数据质量问题 / Data-quality findings, one row per finding, from every check of the
-- data-quality models (docs/data-quality.md §8):
--   consistency_over_time  int_dq_time_consistency (unit errors ERROR, ±33 % band WARN)
--   outlier                int_dq_outliers (modified z-score, WARN)
--   related_data           int_dq_rule_violations (rules of dbt/seeds/dq_consistency_rules.csv)
--   denominator            int_dq_denominators (feed population vs census-based, WARN)
--   completeness           fct_report_completeness: a report not received by its due date (WARN)
--   timeliness             fct_report_completeness: a report received late, within
--                          timeliness_alert_days of its due date (WARN)
-- ERROR findings fail the ERROR-severity test on this model, which blocks publishing. A finding
-- listed in dbt/seeds/dq_acknowledged_findings.csv (a confirmed error of the source) stays as WARN
-- with the reason in acknowledged_reason.
with time_consistency as (
    select
        'consistency_over_time' as check_type,
        case when unit_power is not null then 'UNIT_ERROR' else 'TIME_BAND' end as rule_id,
        severity, region_code, year, indicator_code, feed, series_id as series,
        region_code || ' ' || year as row_key,
        value, expected_low, expected_high,
        case when unit_power is not null then
            series_id || ' ' || year || ' 年 = ' || {{ dq_fmt('value') }} || '，是前三年（' || preceding_first_year || '–'
            || preceding_last_year || '）均值 ' || {{ dq_fmt('preceding_mean') }} || ' 的 ' || {{ dq_fmt('ratio') }}
            || ' 倍：可能的单位错误（' || unit_factor || '）'
        else
            series_id || ' ' || year || ' 年 = ' || {{ dq_fmt('value') }} || '，与前三年（' || preceding_first_year || '–'
            || preceding_last_year || '）均值 ' || {{ dq_fmt('preceding_mean') }} || ' 之比 ' || {{ dq_fmt('ratio') }}
            || '，超出 ±33% 区间 [' || {{ dq_fmt('expected_low') }} || ', ' || {{ dq_fmt('expected_high') }} || ']'
        end as message_zh,
        case when unit_power is not null then
            series_id || ' ' || year || ' = ' || {{ dq_fmt('value') }} || ' is ' || {{ dq_fmt('ratio') }}
            || ' times the mean ' || {{ dq_fmt('preceding_mean') }} || ' of ' || preceding_first_year || '-'
            || preceding_last_year || ': probable unit error (' || unit_factor || ')'
        else
            series_id || ' ' || year || ' = ' || {{ dq_fmt('value') }} || ' is ' || {{ dq_fmt('ratio') }}
            || ' times the mean ' || {{ dq_fmt('preceding_mean') }} || ' of ' || preceding_first_year || '-'
            || preceding_last_year || ', outside the band [' || {{ dq_fmt('expected_low') }} || ', '
            || {{ dq_fmt('expected_high') }} || ']'
        end as message_en,
        input_load_ids, source_file, source_row
    from {{ ref('int_dq_time_consistency') }}
),

outliers as (
    select
        'outlier' as check_type,
        upper(comparison) as rule_id,
        'WARN' as severity, region_code, year, indicator_code, cast(null as varchar) as feed,
        indicator_code as series,
        region_code || ' ' || year as row_key,
        value, expected_low, expected_high,
        indicator_code || ' ' || year || ' 年 = ' || {{ dq_fmt('value') }} || '，修正Z分数 ' || {{ dq_fmt('modified_z') }}
            || case when comparison = 'comparison_group' then '（同年 ' || group_size || ' 个地区比较）'
                    else '（本地区 ' || group_size || ' 年历史比较）' end
            || '，超出 |M| ≤ ' || {{ dq_fmt('threshold') }} || ' 的范围 [' || {{ dq_fmt('expected_low') }} || ', '
            || {{ dq_fmt('expected_high') }} || ']' as message_zh,
        indicator_code || ' ' || year || ' = ' || {{ dq_fmt('value') }} || ': modified z-score ' || {{ dq_fmt('modified_z') }}
            || case when comparison = 'comparison_group' then ' against ' || group_size || ' regions in the same year'
                    else ' against the region''s own ' || group_size || ' years' end
            || ', outside |M| <= ' || {{ dq_fmt('threshold') }} || ', expected range [' || {{ dq_fmt('expected_low') }}
            || ', ' || {{ dq_fmt('expected_high') }} || ']' as message_en,
        input_load_ids, cast(null as varchar) as source_file, cast(null as varchar) as source_row
    from {{ ref('int_dq_outliers') }}
),

related as (
    select
        'related_data' as check_type,
        v.rule_id,
        r.severity, v.region_code, v.year, cast(null as varchar) as indicator_code, r.feed,
        v.rule_id as series,
        v.row_key,
        v.left_value as value,
        cast(null as double precision) as expected_low,
        v.allowed_value as expected_high,
        replace(replace(replace(replace(replace(r.message_zh, '{left}', {{ dq_fmt('v.left_value') }}),
            '{right}', {{ dq_fmt('v.right_value') }}), '{region}', v.region_code), '{year}', cast(v.year as varchar)),
            '{side}', coalesce(v.side, '')) || '（' || v.row_key || '）' as message_zh,
        replace(replace(replace(replace(replace(r.message_en, '{left}', {{ dq_fmt('v.left_value') }}),
            '{right}', {{ dq_fmt('v.right_value') }}), '{region}', v.region_code), '{year}', cast(v.year as varchar)),
            '{side}', coalesce(v.side, '')) || ' (' || v.row_key || ')' as message_en,
        v.input_load_ids, cast(null as varchar) as source_file, cast(null as varchar) as source_row
    from {{ ref('int_dq_rule_violations') }} as v
    inner join {{ ref('dq_consistency_rules') }} as r using (rule_id)
),

denominators as (
    select
        'denominator' as check_type,
        'POPULATION_VS_CENSUS' as rule_id,
        'WARN' as severity, region_code, year, cast(null as varchar) as indicator_code, feed,
        feed || '.' || column_name as series,
        region_code || ' ' || year as row_key,
        reported_population as value, expected_low, expected_high,
        feed || '.' || column_name || ' 报告 ' || year || ' 年人口 ' || {{ dq_fmt('reported_population') }}
            || '，普查口径人口（int_population，' || census_source || '）为 ' || {{ dq_fmt('census_population') }}
            || '，相差 ' || {{ dq_fmt('100 * relative_difference') }} || '%' as message_zh,
        feed || '.' || column_name || ' reports a ' || year || ' population of ' || {{ dq_fmt('reported_population') }}
            || '; the census-based int_population (' || census_source || ') gives ' || {{ dq_fmt('census_population') }}
            || ' (' || {{ dq_fmt('100 * relative_difference') }} || ' %)' as message_en,
        input_load_ids, source_file, source_row
    from {{ ref('int_dq_denominators') }}
),

reports as (
    select
        case when status = 'missing' then 'completeness' else 'timeliness' end as check_type,
        case when status = 'missing' then 'MISSING_REPORT' else 'LATE_REPORT' end as rule_id,
        'WARN' as severity, region_code, year, cast(null as varchar) as indicator_code, feed,
        feed as series,
        region_code || ' ' || year as row_key,
        cast(days_late as double precision) as value,
        cast(null as double precision) as expected_low,
        cast(0 as double precision) as expected_high,
        coalesce(publisher_zh, feed) || '：' || coalesce(region_name_zh, region_code) || ' ' || year || ' 年 ' || feed
            || case when status = 'missing' then ' 报表未报送，截止日期 ' || due_date || '，已过 ' || days_late || ' 天'
                    else ' 报表逾期 ' || days_late || ' 天报送（截止 ' || due_date || '，收到 '
                         || cast(cast(first_received_at as date) as varchar) || '）' end as message_zh,
        coalesce(publisher_en, feed) || ': the ' || year || ' ' || feed || ' report of ' || region_code
            || case when status = 'missing' then ' has not been received; due ' || due_date || ', ' || days_late || ' days ago'
                    else ' arrived ' || days_late || ' days late (due ' || due_date || ', received '
                         || cast(cast(first_received_at as date) as varchar) || ')' end as message_en,
        cast(null as varchar) as input_load_ids, cast(null as varchar) as source_file, cast(null as varchar) as source_row
    from {{ ref('fct_report_completeness') }}
    where status = 'missing'
       or (status = 'late' and days_since_due <= {{ dq_param('timeliness_alert_days') }})
),

findings as (
    select * from time_consistency
    union all select * from reports
    union all select * from outliers
    union all select * from related
    union all select * from denominators
),

load_ids as (
    select distinct f.check_type, f.rule_id, f.series, f.row_key, trim(l.load_id) as load_id
    from findings as f, unnest(string_split(f.input_load_ids, ';')) as l(load_id)
),

files as (
    select k.check_type, k.rule_id, k.series, k.row_key,
           string_agg(distinct lo.source_file, '; ' order by lo.source_file) as source_files,
           string_agg(distinct lo.feed, ';' order by lo.feed) as feeds
    from load_ids as k
    inner join raw._loads as lo on lo.load_id = k.load_id
    group by all
),

-- each finding's source rows once, listed by file and row number (a build gives the same text every time)
rows_ as (
    select check_type, rule_id, series, row_key,
           string_agg(source_file || ':' || source_row_number, '; ' order by source_file, source_row_number)
               as source_rows
    from (
        select distinct k.check_type, k.rule_id, k.series, k.row_key, s.source_file, s.source_row_number
        from load_ids as k
        inner join findings as f using (check_type, rule_id, series, row_key)
        inner join {{ ref('int_dq_source_rows') }} as s
            on s.load_id = k.load_id and s.region_code = f.region_code and s.year = f.year
    )
    group by all
)

select
    md5(f.check_type || '|' || f.rule_id || '|' || f.series || '|' || f.row_key) as finding_id,
    f.check_type,
    f.rule_id,
    case when a.rule_id is not null and f.severity = 'ERROR' then 'WARN' else f.severity end as severity,
    f.severity as rule_severity,
    a.reason_zh || ' / ' || a.reason_en as acknowledged_reason,
    f.region_code,
    r.region_name_zh,
    f.indicator_code,
    coalesce(f.feed, fi.feeds) as feed,
    f.series,
    f.year,
    f.row_key,
    f.value,
    f.expected_low,
    f.expected_high,
    f.message_zh,
    f.message_en,
    coalesce(f.source_file, fi.source_files) as source_file,
    coalesce(f.source_file || ':' || f.source_row, ro.source_rows) as source_row,
    f.input_load_ids
from findings as f
left join files as fi using (check_type, rule_id, series, row_key)
left join rows_ as ro using (check_type, rule_id, series, row_key)
left join {{ ref('dim_region') }} as r on r.region_code = f.region_code
left join {{ ref('dq_acknowledged_findings') }} as a
    on a.rule_id = f.rule_id and a.region_code = f.region_code and (a.year is null or a.year = f.year)
