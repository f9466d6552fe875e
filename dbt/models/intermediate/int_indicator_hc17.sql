-- HC17 每千名老年人口拥有养老床位数 = elderly-care beds / residents aged 60+ × 1000.
-- A region-year needs both inputs: a missing input gives no row, never a zero.
with beds as (
    select * from {{ ref('stg_pension_beds') }}
),

population as (
    select * from {{ ref('stg_population_by_age') }}
)

select
    beds.region_code,
    beds.year,
    'HC17' as indicator_code,
    cast(beds.institution_beds as double precision) as numerator,
    cast(population.population_60_plus as double precision) as denominator,
    case when population.population_60_plus > 0
         then cast(beds.institution_beds as double precision) * 1000 / population.population_60_plus
    end as value,
    beds.load_id || ';' || population.load_id as input_load_ids
from beds
inner join population
    on beds.region_code = population.region_code
   and beds.year = population.year
