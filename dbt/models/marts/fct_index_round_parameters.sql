-- 评价轮次参数 / The benchmarks and weights of every closed evaluation round, frozen the first time
-- the round is built after it is closed (reference.evaluation_rounds), and never recomputed: a
-- region added later, or another year's data, cannot move a closed round's scores.
-- Re-issuing a round is a decision, not a side effect: delete its rows (docs/evaluation.md).
{{ config(materialized='incremental', unique_key=['year', 'indicator_code'], on_schema_change='append_new_columns',
          tags=['backfill_year']) }}

select
    p.*,
    r.round_name_zh,
    cast(current_timestamp as timestamp) as frozen_at
from {{ ref('int_index_live_parameters') }} as p
inner join {{ ref('evaluation_rounds') }} as r on r.year = p.year
where true {{ backfill_year_filter('p.year') }}  {#- a backfill freezes year Y only, if it is closed and not yet frozen #}
{% if is_incremental() %}
  and p.year not in (select distinct year from {{ this }})
{% endif %}
