-- Step 2 of the index (docs/evaluation.md): every region's value normalised to [0, 1] against the
-- benchmarks in effect (fct_indicator_weight: the evaluation units' min and max), reversed where lower
-- is better, clipped to [0, 1] (a region outside a frozen round's range gets 0 or 1), and NULL for an
-- indicator without information (one reporter, or all equal): it gives no points to anyone.
-- target_band indicators (HC26 beds) count as higher-is-better here; plans judge them by their own comparator.
select
    v.region_code,
    v.year,
    v.indicator_code,
    v.level1_zh,
    v.direction,
    v.value,
    v.is_evaluation_unit,
    w.min_value,
    w.max_value,
    w.n_regions,
    case
        when not w.is_informative then null
        when v.direction = 'lower_is_better'
            then least(greatest((w.max_value - v.value) / (w.max_value - w.min_value), 0.0), 1.0)
        else least(greatest((v.value - w.min_value) / (w.max_value - w.min_value), 0.0), 1.0)
    end as normalised_value
from {{ ref('int_index_values') }} as v
inner join {{ ref('fct_indicator_weight') }} as w
    on w.year = v.year
   and w.indicator_code = v.indicator_code
