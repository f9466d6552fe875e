-- HC27 提供中医药服务的基层医疗卫生机构占比 = institutions providing TCM / institutions × 100, over the four
-- types the definition names: 社区卫生服务中心, 社区卫生服务站, 乡镇卫生院, 村卫生室. 门诊部 and 诊所/医务室,
-- which the health statistics also count as 基层医疗卫生机构, are outside it. A type not reported leaves no value.
{{ indicator_ratio(
    'HC27',
    numerator_model='stg_healthcare_resources',
    numerator='community_health_centres_tcm + community_health_stations_tcm + township_hospitals_tcm + village_clinics_tcm',
    denominator='community_health_centres + community_health_stations + township_hospitals + village_clinics',
    multiplier=100
) }}
