-- HC15 食品抽样检验3批次/千人 = food sample batches tested (监督抽检 + 评价性抽检, 市场监管局)
-- / resident population × 1000. Population: intermediate.int_population (census-based), not a feed's figure.
{{ indicator_ratio(
    'HC15',
    numerator_model='stg_food_sampling',
    numerator='food_sample_batches',
    denominator='population',
    multiplier=1000,
    denominator_model='int_population',
    denominator_load_ids='input_load_ids'
) }}
