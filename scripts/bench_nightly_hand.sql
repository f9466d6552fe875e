-- The hand-written reference of scripts/bench_nightly.py: every indicator the nightly job computes
-- from the yearly feeds, in one DuckDB statement over the same CSV files, written from the indicator
-- definitions (dbt/seeds/dim_indicator.csv) without the dbt models. A feed name in braces is replaced by the list of
-- that feed's CSV files. Result: region_code, year, indicator_code, numerator, denominator, value.
-- Cells read as text; '—' (not reported) is NULL; numerators and denominators in the unit each feed
-- YAML declares (a 万吨 column times 10,000 is tonnes), as marts.fct_indicator_value keeps them.
-- Two statements: the macro yearly(files) (a region-year feed with every column a number), then the query.
create or replace temp macro yearly(files) as table
    select lpad("行政区划代码", 6, '0') as region_code, "年份"::integer as year,
           columns(* exclude ("行政区划代码", "地区名称", "年份"))::double
    from read_csv(files, header = true, all_varchar = true, nullstr = '—');
with
population as (
    select lpad("行政区划代码", 6, '0') as region_code, "年份"::integer as year,
           nullif("常住人口(人)", '—')::double as residents, nullif("60岁及以上人口(人)", '—')::double as aged_60
    from read_csv({population_by_age}, header = true, all_varchar = true)
),
-- one table per feed: region_code, year and every published column as a number (yearly(), above)
hr as (from yearly({healthcare_resources})),
fiscal as (from yearly({fiscal_expenditure})),
mch as (from yearly({maternal_child_health})),
dc as (from yearly({disease_control})),
dw as (from yearly({drinking_water})),
ws as (from yearly({water_sources})),
rt as (from yearly({rural_toilets})),
uc as (from yearly({urban_construction})),
sp as (from yearly({sports})),
sf as (from yearly({student_fitness})),
hs as (from yearly({health_surveys})),
mi as (from yearly({medical_insurance})),
oh as (from yearly({occupational_health})),
fs as (from yearly({food_sampling})),
md as (from yearly({media_health})),
vo as (from yearly({volunteers})),
beds as (from yearly({pension_beds})),
ph as (select lpad("行政区划代码", 6, '0') as region_code, "年份"::integer as year, * exclude ("行政区划代码", "地区名称", "年份")
       from read_csv({patriotic_health}, header = true, all_varchar = true, nullstr = '—')),

-- the census-based population of every per-capita indicator: a census year's count (the prefecture
-- table first: total, and 60+ = total × its 60+ share / 100; else the county table's counts), the
-- straight line between 2010 and 2020 of the same table, else the yearly feed; one source per
-- region and year for both columns
census_city as (
    select lpad(city_code, 6, '0') as region_code, y.year,
           case y.year when 2010 then popu_2010 else popu_2020 end::double as residents,
           case y.year when 2010 then popu_2010 else popu_2020 end::double
               * case y.year when 2010 then age_60_2010 else age_60_2020 end::double / 100 as aged_60
    from read_csv({census_city}, header = true, all_varchar = true), (values (2010), (2020)) as y(year)
    where case y.year when 2010 then popu_2010 else popu_2020 end is not null
),
census_county as (
    select lpad("区划代码", 6, '0') as region_code, "普查年份"::integer as year, "常住人口"::double as residents,
           "60岁及以上人口"::double as aged_60
    from read_csv({census_county}, header = true, all_varchar = true)
    where "常住人口" is not null
      and (lpad("区划代码", 6, '0'), "普查年份"::integer) not in (select (region_code, year) from census_city)
),
census as (
    select *, 'city' as tab from census_city union all select *, 'county' from census_county
),
between_censuses as (
    select a.region_code, y.year, a.residents + (b.residents - a.residents) * (y.year - 2010) / 10.0 as residents,
           a.aged_60 + (b.aged_60 - a.aged_60) * (y.year - 2010) / 10.0 as aged_60
    from census as a join census as b on b.region_code = a.region_code and b.tab = a.tab and a.year = 2010 and b.year = 2020,
         range(2011, 2020) as y(year)
),
denominator_population as (
    select region_code, year, best.residents, best.aged_60 from (
        select region_code, year, arg_min(struct_pack(residents, aged_60), priority) as best from (
            select region_code, year, residents, aged_60, 1 as priority from census
            union all select region_code, year, residents, aged_60, 2 from between_censuses
            union all select region_code, year, residents, aged_60, 3 from population
        ) group by all
    )
),

ratios as (
    -- (indicator, numerator, denominator, multiplier): the definitions' counts
    select region_code, year, 'HC03' as indicator_code, "合格水样数(份)" as n, "检测水样数(份)" as d, 100 as k from dw
    union all select region_code, year, 'HC04', "水质达标水源地数(个)", "集中式饮用水水源地数(个)", 100 from ws
    -- counts in the units the feeds declare (万吨 -> 吨, 万立方米 -> 立方米, 公顷 -> 平方米, 万人 -> 人)
    union all select region_code, year, 'HC05', "生活垃圾无害化处理量(万吨)" * 10000, "生活垃圾清运量(万吨)" * 10000, 100 from uc
    union all select region_code, year, 'HC06', "公共厕所(座)", "建成区面积(平方公里)", 1 from uc
    union all select region_code, year, 'HC07', "使用无害化卫生厕所户数(户)", "农村常住户数(户)", 100 from rt
    -- m² of park per city-proper resident (registered + temporary)
    union all select region_code, year, 'HC08', "公园绿地面积(公顷)" * 10000,
                     ("城区人口(万人)" + "城区暂住人口(万人)") * 10000, 1 from uc
    union all select region_code, year, 'X_SEWAGE_TREATMENT_RATE', "污水处理厂集中处理量(万立方米)" * 10000, "污水排放量(万立方米)" * 10000, 100 from uc
    union all select region_code, year, 'HC11', "基本医保基金支付住院费用(万元)", "参保人员住院医疗总费用(万元)", 100 from mi
    union all select s.region_code, s.year, 'HC12', "体育场地面积(平方米)", p.residents, 1 from sp as s join denominator_population as p using (region_code, year)
    union all select s.region_code, s.year, 'HC13', "社会体育指导员数(人)", p.residents, 1000 from sp as s join denominator_population as p using (region_code, year)
    union all select region_code, year, 'HC33', "达到合格及以上人数(人)", "国民体质监测受测人数(人)", 100 from sp
    union all select region_code, year, 'HC40', "经常参加体育锻炼人数(人)", "体育锻炼调查人数(人)", 100 from sp
    union all select region_code, year, 'HC14', "实际进行职业健康检查劳动者数(人)", "应进行职业健康检查劳动者数(人)", 100 from oh
    union all select f.region_code, f.year, 'HC15', "食品抽检批次(批次)", p.residents, 1000 from fs as f join denominator_population as p using (region_code, year)
    union all select region_code, year, 'HC16', "良好及以上学生数(人)", "测试学生数(人)", 100 from sf
    union all select region_code, year, 'X_STUDENT_FITNESS_PASS_RATE', "合格及以上学生数(人)", "测试学生数(人)", 100 from sf
    union all select b.region_code, b.year, 'HC17', "养老机构床位数(张)" + "社区养老服务设施床位数(张)", p.aged_60, 1000
              from beds as b join denominator_population as p using (region_code, year)
    union all select region_code, year, 'HC18', "健康社区数(个)"::double, "社区数(个)"::double, 100 from ph
    union all select region_code, year, 'HC19', "健康学校数(所)"::double, "中小学校数(所)"::double, 100 from ph
    union all select region_code, year, 'HC20', "健康企业数(家)"::double, "规模以上企业数(家)"::double, 100 from ph
    union all select region_code, year, 'HC10', "国家卫生县城数(个)"::double + "国家卫生乡镇数(个)"::double,
                     "县城数(个)"::double + "乡镇数(个)"::double, 100 from ph
    -- HC09: vectors at control level C or better (GB/T 27770-27773) of the four assessed
    union all select region_code, year, 'HC09',
                     list_count(list_filter(["鼠密度控制水平", "蚊密度控制水平", "蝇密度控制水平", "蟑螂密度控制水平"], lambda x: x in ('A', 'B', 'C'))),
                     case when "鼠密度控制水平" is not null and "蚊密度控制水平" is not null and "蝇密度控制水平" is not null
                               and "蟑螂密度控制水平" is not null then 4 end, 100 from ph
    union all select region_code, year, 'HC21', "规范管理严重精神障碍患者数(人)", "在册严重精神障碍患者数(人)", 100 from dc
    union all select d.region_code, d.year, 'HC34', "甲乙类传染病报告发病数(例)", p.residents, 100000 from dc as d join denominator_population as p using (region_code, year)
    union all select region_code, year, 'HC22', "0-6岁儿童健康管理人数(人)", "0-6岁儿童数(人)", 100 from mch
    union all select region_code, year, 'HC23', "孕产妇系统管理人数(人)", "活产数(人)", 100 from mch
    union all select region_code, year, 'HC30', "婴儿死亡数(人)", "活产数(人)", 1000 from mch
    union all select region_code, year, 'HC31', "5岁以下儿童死亡数(人)", "活产数(人)", 1000 from mch
    union all select region_code, year, 'HC32', "孕产妇死亡数(人)", "活产数(人)", 100000 from mch
    union all select h.region_code, h.year, 'HC24', "全科医生数(人)", p.residents, 10000 from hr as h join denominator_population as p using (region_code, year)
    union all select h.region_code, h.year, 'HC25', "专业公共卫生机构人员数(人)", p.residents, 10000 from hr as h join denominator_population as p using (region_code, year)
    union all select h.region_code, h.year, 'HC26', "医疗卫生机构床位数(张)", p.residents, 1000 from hr as h join denominator_population as p using (region_code, year)
    union all select h.region_code, h.year, 'X_DOCTORS_PER_1000', "执业(助理)医师数(人)", p.residents, 1000 from hr as h join denominator_population as p using (region_code, year)
    union all select h.region_code, h.year, 'X_NURSES_PER_1000', "注册护士数(人)", p.residents, 1000 from hr as h join denominator_population as p using (region_code, year)
    union all select region_code, year, 'X_DOCTOR_NURSE_RATIO', "注册护士数(人)", "执业(助理)医师数(人)", 1 from hr
    -- HC27: the four primary-care types of the definition (社区卫生服务中心/站, 乡镇卫生院, 村卫生室)
    union all select region_code, year, 'HC27',
                     "能提供中医药服务的社区卫生服务中心数(个)" + "能提供中医药服务的社区卫生服务站数(个)"
                         + "能提供中医药服务的乡镇卫生院数(个)" + "能提供中医药服务的村卫生室数(个)",
                     "社区卫生服务中心数(个)" + "社区卫生服务站数(个)" + "乡镇卫生院数(个)" + "村卫生室数(个)", 100 from hr
    union all select region_code, year, 'HC28', "卫生健康支出(万元)", "一般公共预算支出(万元)", 100 from fiscal
    union all select region_code, year, 'HC38', "具备基本健康素养人数(加权)", "健康素养监测人数(加权)", 100 from hs
    union all select region_code, year, 'HC39', "现在吸烟人数(加权)", "15岁及以上调查人数(加权)", 100 from hs
    union all select v.region_code, v.year, 'HC42', "注册志愿者人数(人)", p.residents, 100 from vo as v join denominator_population as p using (region_code, year)
    -- HC41: the media rubric, 50 + 30 + 20 points earned in proportion (dbt/seeds/hc41_media_rubric.csv)
    union all select region_code, year, 'HC41',
                     50 * "开设健康科普专栏的主要媒体数(家)" / "主要媒体数(家)" + 30 * "专栏定期播发的主要媒体数(家)" / "主要媒体数(家)"
                         + 20 * "开设健康科普栏目的政务新媒体账号数(个)" / "政务新媒体账号数(个)",
                     case when "主要媒体数(家)" > 0 and "政务新媒体账号数(个)" > 0 then 100 end, 100 from md
),

-- vital statistics: sex 男/女 as published, age groups 0, 1-4, 5-9, ..., 85+
ages(age_group, age_start, width, standard_weight) as (values
    ('0', 0, 1, 12000), ('1-4', 1, 4, 12000), ('5-9', 5, 5, 10000), ('10-14', 10, 5, 9000), ('15-19', 15, 5, 9000),
    ('20-24', 20, 5, 8000), ('25-29', 25, 5, 8000), ('30-34', 30, 5, 6000), ('35-39', 35, 5, 6000),
    ('40-44', 40, 5, 6000), ('45-49', 45, 5, 6000), ('50-54', 50, 5, 5000), ('55-59', 55, 5, 4000),
    ('60-64', 60, 5, 4000), ('65-69', 65, 5, 3000), ('70-74', 70, 5, 2000), ('75-79', 75, 5, 1000),
    ('80-84', 80, 5, 500), ('85+', 85, null, 500)
),
people as (
    select lpad("行政区划代码", 6, '0') as region_code, "年份"::integer as year, "性别" as sex, "年龄组" as age_group,
           "常住人口(人)"::double as population
    from read_csv({population_by_sex_age}, header = true, all_varchar = true, nullstr = '—')
),
deaths as (
    select lpad("行政区划代码", 6, '0') as region_code, "年份"::integer as year, "性别" as sex, "年龄组" as age_group,
           "ICD-10编码" as icd, "死亡数(人)"::double as deaths
    from read_csv({deaths_by_cause}, header = true, all_varchar = true, nullstr = '—')
),
cases as (
    select lpad("行政区划代码", 6, '0') as region_code, "年份"::integer as year, "性别" as sex, "年龄组" as age_group,
           "新发病例数(例)"::double as cases
    from read_csv({cancer_incidence}, header = true, all_varchar = true, nullstr = '—')
),
death_cells as (
    select region_code, year, sex, age_group,
           sum(deaths) filter (where icd = 'A00-Y89') as all_deaths,
           sum(deaths) filter (where icd in ('I00-I99', 'C00-C97', 'J30-J98', 'E10-E14')) as ncd_deaths,
           count(deaths) filter (where icd in ('I00-I99', 'C00-C97', 'J30-J98', 'E10-E14')) as ncd_cells
    from deaths group by all
),
cells as (  -- both sexes: the two sexes summed
    select p.region_code, p.year, p.age_group, sum(p.population) as population, sum(d.all_deaths) as all_deaths,
           sum(d.ncd_deaths) as ncd_deaths, sum(d.ncd_cells) as ncd_cells
    from people as p join death_cells as d using (region_code, year, sex, age_group)
    where p.sex in ('男', '女')
    group by all
),
infant as (  -- a0 and 4a1 (Coale-Demeny, Preston et al. 2001 table 3.3): both sexes = mean of the two
    select region_code, year, m0,
           case when m0 >= 0.107 then (0.330 + 0.350) / 2 else (0.045 + 2.684 * m0 + 0.053 + 2.800 * m0) / 2 end as a0,
           case when m0 >= 0.107 then (1.352 + 1.361) / 2 else (1.651 - 2.816 * m0 + 1.522 - 1.518 * m0) / 2 end as a1
    from (select region_code, year, all_deaths / population as m0 from cells where age_group = '0' and population > 0)
),
life as (  -- Chiang's abridged life table, radix 100,000
    select c.region_code, c.year, a.age_start, a.width, c.all_deaths / c.population as m,
           case when a.width is null then c.population / c.all_deaths  -- the open interval lives 1 / M
                when a.age_start = 0 then i.a0 when a.age_start = 1 then i.a1 else a.width / 2 end as ax,
           count(*) over w as groups, min(c.population) over w as min_population,
           max(case when a.width is null then c.all_deaths end) over w as open_deaths
    from cells as c join ages as a using (age_group) join infant as i using (region_code, year)
    window w as (partition by c.region_code, c.year)
),
life_q as (
    select *, case when width is null then 1.0 else least(1.0, width * m / (1 + (width - ax) * m)) end as q
    from life where groups = 19 and min_population > 0 and open_deaths > 0
),
life_l as (
    select *, 100000 * coalesce(product(1 - q) over (partition by region_code, year order by age_start
                                                     rows between unbounded preceding and 1 preceding), 1) as l
    from life_q
),
hc29 as (
    select region_code, year, 'HC29' as indicator_code,
           sum(case when width is null then l / m else width * (l - l * q) + ax * l * q end) as n, 100000.0 as d, 1 as k
    from life_l group by all
),
hc35 as (  -- WHO/SDG 3.4.1: 1 - Π(1 - 5q) over 30-34 .. 65-69, 5q = 5M / (1 + 2.5M)
    select region_code, year, 'HC35' as indicator_code,
           100000 * (1 - product(1 - least(1.0, 5 * (ncd_deaths / population) / (1 + 2.5 * ncd_deaths / population)))) as n,
           100000.0 as d, 100 as k
    from cells join ages using (age_group)
    where age_start between 30 and 65 and ncd_cells = 2 * 4 and population > 0
    group by all having count(*) = 8
),
asr as (  -- direct age standardisation to Segi's world population (0 and 1-4 pooled into 0-4)
    select region_code, year, sum(cases / population * weight) / sum(weight) * 100000 as asr, count(*) as groups
    from (
        select p.region_code, p.year, case when a.age_start < 5 then 0 else a.age_start end as standard_start,
               any_value(a.standard_weight) as weight, sum(c.cases) as cases, sum(p.population) as population
        from people as p join cases as c using (region_code, year, sex, age_group) join ages as a using (age_group)
        where p.sex in ('男', '女')
        group by all
    )
    where population > 0
    group by all
),
hc37 as (  -- change on the previous year, %
    select t.region_code, t.year, 'HC37' as indicator_code, t.asr - r.asr as n, r.asr as d, 100 as k
    from asr as t join asr as r on r.region_code = t.region_code and r.year = t.year - 1
    where t.groups = 18 and r.groups = 18 and r.asr > 0
)

select region_code, year, indicator_code, n::double as numerator, d::double as denominator, n * k / d as value
from (select * from ratios union all select * from hc29 union all select * from hc35 union all select * from hc37)
where n is not null and d is not null and d > 0
union all
-- HC36: the survey's weighted prevalence as published (no counts)
select region_code, year, 'HC36', null, null, "18-50岁人群高血压患病率(%,加权)"
from hs where "18-50岁人群高血压患病率(%,加权)" is not null
