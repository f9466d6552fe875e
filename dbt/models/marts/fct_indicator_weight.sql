-- Step 3-5 of the index: entropy (objective) weights from the data, expert (subjective) weights from
-- the seed indicator_weights, combined linearly: w = α·expert + (1−α)·entropy, α = var index_alpha.
-- Per year, over the indicators some region has that year; each weight column sums to 1 per year.
with scores as (
    select * from {{ ref('int_indicator_scores') }}
),

totals as (
    select year, indicator_code, sum(normalised_value) as z_sum, count(*) as n_regions
    from scores
    group by year, indicator_code
),

entropy as (
    select
        s.year,
        s.indicator_code,
        t.n_regions,
        -- e_j = −(1/ln n) Σ p ln p with p = z / Σz and 0·ln 0 = 0; undefined for fewer than 2 regions
        case
            when t.n_regions > 1 and t.z_sum > 0 then
                -sum(case when s.normalised_value > 0
                          then (s.normalised_value / t.z_sum) * ln(s.normalised_value / t.z_sum)
                          else 0 end) / ln(t.n_regions)
        end as entropy
    from scores as s
    inner join totals as t
        on t.year = s.year
       and t.indicator_code = s.indicator_code
    group by s.year, s.indicator_code, t.n_regions, t.z_sum
),

divergence as (
    select
        e.*,
        coalesce(1 - e.entropy, 0) as divergence,
        sum(coalesce(1 - e.entropy, 0)) over (partition by e.year) as divergence_sum,
        w.expert_weight / sum(w.expert_weight) over (partition by e.year) as expert_weight,
        i.level1_zh,
        i.indicator_name_zh
    from entropy as e
    inner join {{ ref('indicator_weights') }} as w on w.indicator_code = e.indicator_code
    inner join {{ ref('dim_indicator') }} as i on i.indicator_code = e.indicator_code
),

weights as (
    select
        *,
        -- no indicator varies (e.g. a single region): no objective information, expert weights alone
        case when divergence_sum > 0 then divergence / divergence_sum end as entropy_weight
    from divergence
)

select
    year,
    indicator_code,
    indicator_name_zh,
    level1_zh,
    n_regions,
    entropy,
    entropy_weight,
    expert_weight,
    cast({{ var('index_alpha', 0.5) }} as double precision) as alpha,
    case
        when entropy_weight is null then expert_weight
        else {{ var('index_alpha', 0.5) }} * expert_weight + (1 - {{ var('index_alpha', 0.5) }}) * entropy_weight
    end as combined_weight
from weights
