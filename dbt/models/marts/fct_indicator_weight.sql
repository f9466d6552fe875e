{{ config(tags=['backfill_year'], **year_partition_config()) }}
-- Step 2-5 of the index: the benchmarks and weights in effect per year and indicator: frozen ones for a
-- closed round (fct_index_round_parameters), this run's for an open round (int_index_live_parameters).
-- Each weight column sums to 1 per year over the informative indicators.
with frozen as (
    select * from {{ ref('fct_index_round_parameters') }}
    where true {{ backfill_year_filter() }}
),

live as (
    select * from {{ ref('int_index_live_parameters') }}
    where year not in (select distinct year from frozen) {{ backfill_year_filter() }}
)

select
    year, indicator_code, indicator_name_zh, level1_zh, min_value, max_value, n_regions, is_informative,
    entropy, entropy_weight, expert_weight, alpha, combined_weight, benchmark_year,
    'closed' as round_status, frozen_at
from frozen
union all
select
    year, indicator_code, indicator_name_zh, level1_zh, min_value, max_value, n_regions, is_informative,
    entropy, entropy_weight, expert_weight, alpha, combined_weight, benchmark_year,
    'open' as round_status, cast(null as timestamp) as frozen_at
from live
