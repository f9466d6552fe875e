{#- A view, recreated by a backfill of one year too (tag backfill_year): it bakes in the run's index_alpha and
    index_benchmark_year, which fct_indicator_weight and fct_index_round_parameters read. -#}
{{ config(tags=['backfill_year']) }}
-- Step 2-5 of the index computed from this run's data, per year and indicator: benchmarks (min and
-- max over the evaluation units, or over a base year's units with --vars '{index_benchmark_year: 2020}'),
-- entropy weights from the normalised values, expert weights, and their combination
-- w = α·expert + (1−α)·entropy (α = var index_alpha). An indicator that fewer than two units report,
-- or on which every unit is equal, carries no information: it gives no points to anyone and its weight
-- is 0 (`is_informative`). Closed rounds use the parameters frozen in fct_index_round_parameters.
{%- set benchmark_year = var('index_benchmark_year', none) %}

with units as (
    select * from {{ ref('int_index_values') }} where is_evaluation_unit
),

year_bounds as (
    select year, indicator_code, min(value) as min_value, max(value) as max_value, count(*) as n_regions
    from units
    group by year, indicator_code
),

bounds as (
    {%- if benchmark_year is none %}
    select year, indicator_code, min_value, max_value, n_regions from year_bounds
    {%- else %}
    -- benchmarks fixed at the base year: a unit's score moves only when its own value moves
    select y.year, y.indicator_code, b.min_value, b.max_value, b.n_regions
    from year_bounds as y
    inner join year_bounds as b on b.indicator_code = y.indicator_code and b.year = {{ benchmark_year }}
    {%- endif %}
),

normalised as (
    select
        u.year,
        u.indicator_code,
        case
            when u.direction = 'lower_is_better' then (b.max_value - u.value) / (b.max_value - b.min_value)
            else (u.value - b.min_value) / (b.max_value - b.min_value)
        end as z_raw
    from units as u
    inner join bounds as b on b.year = u.year and b.indicator_code = u.indicator_code
    where b.n_regions >= 2 and b.max_value > b.min_value
),

clipped as (
    select year, indicator_code, least(greatest(z_raw, 0.0), 1.0) as z from normalised
),

totals as (
    select year, indicator_code, sum(z) as z_sum, count(*) as n_scored
    from clipped
    group by year, indicator_code
),

entropy as (
    select
        c.year,
        c.indicator_code,
        -- e_j = −(1/ln n) Σ p ln p with p = z / Σz and 0·ln 0 = 0
        case when t.z_sum > 0 and t.n_scored > 1 then
            -sum(case when c.z > 0 then (c.z / t.z_sum) * ln(c.z / t.z_sum) else 0 end) / ln(t.n_scored)
        end as entropy
    from clipped as c
    inner join totals as t on t.year = c.year and t.indicator_code = c.indicator_code
    group by c.year, c.indicator_code, t.z_sum, t.n_scored
),

parameters as (
    select
        b.year,
        b.indicator_code,
        i.indicator_name_zh,
        i.level1_zh,
        b.min_value,
        b.max_value,
        b.n_regions,
        b.n_regions >= 2 and b.max_value > b.min_value as is_informative,
        e.entropy,
        w.expert_weight as expert_weight_raw
    from bounds as b
    inner join {{ ref('indicator_weights') }} as w on w.indicator_code = b.indicator_code
    inner join {{ ref('dim_indicator') }} as i on i.indicator_code = b.indicator_code
    left join entropy as e on e.year = b.year and e.indicator_code = b.indicator_code
),

weighted as (
    select
        *,
        case when is_informative then coalesce(1 - entropy, 0) else 0 end as divergence,
        sum(case when is_informative then coalesce(1 - entropy, 0) else 0 end) over (partition by year) as divergence_sum,
        case when is_informative
             then expert_weight_raw / sum(case when is_informative then expert_weight_raw end) over (partition by year)
             else 0 end as expert_weight
    from parameters
)

select
    year,
    indicator_code,
    indicator_name_zh,
    level1_zh,
    min_value,
    max_value,
    n_regions,
    is_informative,
    entropy,
    -- no informative indicator varies: no objective information, expert weights alone
    case when divergence_sum > 0 then divergence / divergence_sum end as entropy_weight,
    expert_weight,
    cast({{ var('index_alpha', 0.5) }} as double precision) as alpha,
    case
        when not is_informative then 0
        when divergence_sum is null or divergence_sum = 0 then expert_weight
        else {{ var('index_alpha', 0.5) }} * expert_weight
             + (1 - {{ var('index_alpha', 0.5) }}) * divergence / divergence_sum
    end as combined_weight,
    {{ 'cast(null as integer)' if benchmark_year is none else benchmark_year }} as benchmark_year
from weighted
