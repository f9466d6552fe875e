{{ config(enabled=(target.type == 'duckdb')) }}  {#- DuckDB SQL; not built in the PostgreSQL copy -#}
-- 外部一致性：同一次人口普查的两张公开表 / External consistency (WHO Data Quality Review
-- dimension 3): the same census published twice. The prefecture table (census_city: shares of
-- 60+ and 65+ in percent, boundaries harmonised to 2020) and the county yearbook table
-- (census_county: counts, whose prefecture rows are the city totals) must give the same age
-- shares for a prefecture and census year. Shares, not counts: boundary changes between 2010 and
-- 2020 move counts (合肥市 2010: 7.46 M on 2020 boundaries, 5.70 M on 2010 ones) far more than
-- shares. The rules CENSUS_SHARE_* of dq_consistency_rules compare them.
select
    c.region_code,
    c.census_year as year,
    c.share_60_plus_pct as city_share_60_plus_pct,
    round(100.0 * k.population_60_plus / k.population, 2) as county_share_60_plus_pct,
    c.share_65_plus_pct as city_share_65_plus_pct,
    round(100.0 * k.population_65_plus / k.population, 2) as county_share_65_plus_pct,
    c.load_id || ';' || k.load_id as input_load_ids
from {{ ref('stg_census_city') }} as c
inner join {{ ref('stg_census_county') }} as k
    on k.region_code = c.region_code and k.census_year = c.census_year
where k.population > 0
