"""Write the bundled SAMPLE DATA (示例数据) for the indicator feeds: deterministic, not official.

    .venv/bin/python scripts/generate_sample_feeds.py            # rewrites sources/data/<feed>/*.csv
    .venv/bin/python scripts/generate_sample_feeds.py --check    # exit 1 if the committed files differ

Every value is a plausible count for the seed regions, 2015-2024, built from a per-capita rate
that drifts over the years plus seeded noise; rates are published as counts (numerator and
denominator) so the warehouse computes them from summed counts. The same value model feeds
scripts/generate_national.py (every county-level region, N years) for scale tests.

Each feed is one department's table (FEEDS below): the Chinese column headers here are the ones
declared in sources/feeds/<feed>.yml.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
YEARS = range(2015, 2025)
SEED = 20240401


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    population: int          # resident population around 2020 (people)
    urban_share: float       # share living in the city proper (城区), drives urban-construction counts
    is_dev_zone: bool = False


# Seed regions. Populations follow sources/data/population_by_age (2020) or the 2020 census.
SEED_REGIONS = [
    Region("150200", "包头市", 2_709_493, 0.62),
    Region("150271", "稀土高新区", 170_412, 0.95, is_dev_zone=True),
    Region("150400", "赤峰市", 4_036_364, 0.30),
    Region("370400", "枣庄市", 3_855_997, 0.40),
    Region("370406", "山亭区", 406_327, 0.25),
    # 余杭区 (seed plan 001). No population_by_age row: its per-capita indicators stay empty
    # until a population feed covers it (a missing input gives no value).
    Region("330110", "余杭区", 1_245_592, 0.55),
]


class Ctx:
    """One region-year: population and a seeded random stream."""

    def __init__(self, region: Region, year: int, rng: random.Random):
        self.region, self.year, self.rng = region, year, rng
        self.t = (year - 2015) / 9  # 0 in 2015 .. 1 in 2024
        # Slow growth, a little slower in small places.
        self.population = round(region.population * (1 + 0.002 * (year - 2020)))
        self.values: dict[str, float | int | str] = {}

    def trend(self, start: float, end: float, noise: float = 0.03) -> float:
        """A rate drifting from `start` (2015) to `end` (2024), with relative noise."""
        return (start + (end - start) * self.t) * (1 + self.rng.uniform(-noise, noise))

    def count(self, rate_per: float, per: float, base: float | None = None) -> int:
        return max(0, round((base if base is not None else self.population) * rate_per / per))

    def share_of(self, total: int, share: float) -> int:
        return min(total, max(0, round(total * min(share, 1.0))))

    def rare(self, expected: float) -> int:
        """A small count (deaths): Poisson-like around `expected`, never negative."""
        # Knuth's method; expected values here are small (< 50).
        limit, k, p = math.exp(-expected), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1


Value = Callable[[Ctx], "int | float | str"]


@dataclass(frozen=True)
class Column:
    name: str        # canonical column (sources/feeds/<feed>.yml)
    header: str      # publisher's Chinese header in the file
    value: Value


def _fixed(digits: int, v: float) -> str:
    return f"{v:.{digits}f}"


# -- healthcare resources (卫健委 卫生资源统计) -------------------------------------------------
def _physicians(c: Ctx) -> int:
    return c.count(c.trend(2.45, 3.35), 1000)


def _primary_institutions(c: Ctx) -> int:
    # Village clinics dominate: about one primary-care institution per 1,400 residents.
    return max(3, c.count(1 / 1400 * (1 - 0.05 * c.t), 1))


def _village_clinics(c: Ctx) -> int:
    # Most of the rural remainder; 门诊部 and 诊所 take the rest (at least a tenth of the total).
    total = int(c.values["primary_care_institutions"])
    in_scope = sum(int(c.values[k]) for k in ("community_health_centres", "community_health_stations", "township_hospitals"))
    return max(0, min(round(total * 0.75 * (1 - c.region.urban_share)), total - in_scope - round(total * 0.1)))


HEALTHCARE_RESOURCES = [
    Column("practising_physicians", "执业(助理)医师数(人)", _physicians),
    Column("registered_nurses", "注册护士数(人)", lambda c: c.count(c.trend(2.35, 3.85), 1000)),
    Column("general_practitioners", "全科医生数(人)", lambda c: c.count(c.trend(1.4, 3.6), 10000)),
    Column("public_health_staff", "专业公共卫生机构人员数(人)", lambda c: c.count(c.trend(6.2, 8.6), 10000)),
    Column("medical_institution_beds", "医疗卫生机构床位数(张)", lambda c: c.count(c.trend(5.1, 6.9), 1000)),
    Column("primary_care_institutions", "基层医疗卫生机构数(个)", _primary_institutions),
    Column("primary_care_institutions_tcm", "能提供中医药服务的基层医疗卫生机构数(个)",
           lambda c: c.share_of(int(c.values["primary_care_institutions"]), c.trend(0.62, 0.97, 0.02))),
    # HC27's scope by type (社区卫生服务中心、社区卫生服务站、乡镇卫生院、村卫生室); the rest of
    # 基层医疗卫生机构 are 门诊部 and 诊所/医务室, outside HC27.
    Column("community_health_centres", "社区卫生服务中心数(个)",
           lambda c: max(1, round(int(c.values["primary_care_institutions"]) * 0.015 * (0.5 + c.region.urban_share)))),
    Column("community_health_stations", "社区卫生服务站数(个)",
           lambda c: round(int(c.values["primary_care_institutions"]) * 0.06 * c.region.urban_share)),
    Column("township_hospitals", "乡镇卫生院数(个)",
           lambda c: round(int(c.values["primary_care_institutions"]) * 0.05 * (1 - c.region.urban_share))),
    Column("village_clinics", "村卫生室数(个)", _village_clinics),
    Column("community_health_centres_tcm", "能提供中医药服务的社区卫生服务中心数(个)",
           lambda c: c.share_of(int(c.values["community_health_centres"]), c.trend(0.95, 1.0, 0.01))),
    Column("community_health_stations_tcm", "能提供中医药服务的社区卫生服务站数(个)",
           lambda c: c.share_of(int(c.values["community_health_stations"]), c.trend(0.80, 0.95, 0.02))),
    Column("township_hospitals_tcm", "能提供中医药服务的乡镇卫生院数(个)",
           lambda c: c.share_of(int(c.values["township_hospitals"]), c.trend(0.93, 0.99, 0.01))),
    Column("village_clinics_tcm", "能提供中医药服务的村卫生室数(个)",
           lambda c: c.share_of(int(c.values["village_clinics"]), c.trend(0.55, 0.80, 0.03))),
]

# -- fiscal expenditure (财政局 一般公共预算支出决算) -----------------------------------------
FISCAL_EXPENDITURE = [
    # 万元, two decimals as published; about 1.2-1.6 万元 per resident.
    Column("general_budget_expenditure", "一般公共预算支出(万元)",
           lambda c: _fixed(2, c.population * c.trend(1.2, 1.6, 0.05))),
    Column("health_expenditure", "卫生健康支出(万元)",
           lambda c: _fixed(2, float(c.values["general_budget_expenditure"]) * c.trend(0.062, 0.085, 0.05))),
]

# -- maternal and child health (卫健委 妇幼卫生年报) ------------------------------------------
def _live_births(c: Ctx) -> int:
    rate = 10.5 - 4.5 * c.t  # births per 1,000 residents falling 10.5 -> 6.0
    if c.year in (2016, 2017):
        rate += 1.2  # the two-child policy bump
    return c.count(rate * (1 + c.rng.uniform(-0.04, 0.04)), 1000)


MATERNAL_CHILD_HEALTH = [
    Column("live_births", "活产数(人)", _live_births),
    Column("infant_deaths", "婴儿死亡数(人)", lambda c: c.rare(int(c.values["live_births"]) * (5.2 - 2.2 * c.t) / 1000)),
    Column("under5_deaths", "5岁以下儿童死亡数(人)",
           lambda c: int(c.values["infant_deaths"]) + c.rare(int(c.values["live_births"]) * 1.6 / 1000)),
    Column("maternal_deaths", "孕产妇死亡数(人)", lambda c: c.rare(int(c.values["live_births"]) * (18 - 6 * c.t) / 100000)),
    Column("mothers_systematically_managed", "孕产妇系统管理人数(人)",
           lambda c: c.share_of(int(c.values["live_births"]), c.trend(0.905, 0.955, 0.01))),
    Column("children_0_6", "0-6岁儿童数(人)", lambda c: c.count(c.trend(75, 58, 0.02), 1000)),
    Column("children_0_6_health_managed", "0-6岁儿童健康管理人数(人)",
           lambda c: c.share_of(int(c.values["children_0_6"]), c.trend(0.90, 0.948, 0.01))),
]

# -- disease control (卫健委 疾控: 法定传染病报告, 严重精神障碍管理) -----------------------------
def _class_ab_cases(c: Ctx) -> int:
    per_100k = c.trend(265, 205, 0.06)
    if c.year in (2020, 2022):
        per_100k *= 0.8  # fewer reported cases in the pandemic years (COVID-19 itself excluded here)
    return c.count(per_100k, 100000)


DISEASE_CONTROL = [
    Column("class_ab_cases", "甲乙类传染病报告发病数(例)", _class_ab_cases),
    Column("smi_registered_patients", "在册严重精神障碍患者数(人)", lambda c: c.count(c.trend(4.3, 5.0, 0.03), 1000)),
    Column("smi_standard_managed", "规范管理严重精神障碍患者数(人)",
           lambda c: c.share_of(int(c.values["smi_registered_patients"]), c.trend(0.78, 0.93, 0.02))),
]

# -- drinking water (卫健委 卫生监督所 饮用水卫生监测) -----------------------------------------
DRINKING_WATER = [
    Column("water_samples_tested", "检测水样数(份)", lambda c: max(24, c.count(1 / 4500 * (1 + 0.3 * c.t), 1))),
    Column("water_samples_compliant", "合格水样数(份)",
           lambda c: c.share_of(int(c.values["water_samples_tested"]), c.trend(0.905, 0.975, 0.015))),
]

# -- centralised drinking-water sources (生态环境局 集中式饮用水水源地水质) ---------------------
WATER_SOURCES = [
    Column("water_sources_assessed", "集中式饮用水水源地数(个)",
           lambda c: max(1, round(c.region.population / 450_000 + c.rng.choice((0, 1))))),
    Column("water_sources_compliant", "水质达标水源地数(个)",
           lambda c: int(c.values["water_sources_assessed"])
           # Now and then one source of four or more fails Class III in a year (HC04 stays above 70 %).
           - (1 if int(c.values["water_sources_assessed"]) >= 4 and c.rng.random() < 0.3 - 0.25 * c.t else 0)),
]

# -- rural sanitary toilets (农业农村局 农村户厕) ---------------------------------------------
def _rural_households(c: Ctx) -> int:
    return c.count((1 - c.region.urban_share) / 2.7, 1)


RURAL_TOILETS = [
    Column("rural_households", "农村常住户数(户)", _rural_households),
    Column("rural_households_sanitary_toilet", "使用无害化卫生厕所户数(户)",
           lambda c: c.share_of(int(c.values["rural_households"]), c.trend(0.58, 0.91, 0.03))),
]

# -- urban construction statistics (住建局 城市建设统计年鉴: 市容环卫, 园林绿化, 排水) ------------
def _city_proper_10k(c: Ctx) -> float:
    return c.population * c.region.urban_share * (1 + 0.012 * (c.year - 2020)) / 10000


URBAN_CONSTRUCTION = [
    Column("city_proper_population", "城区人口(万人)", lambda c: _fixed(2, _city_proper_10k(c))),
    Column("city_proper_temporary_population", "城区暂住人口(万人)",
           lambda c: _fixed(2, float(c.values["city_proper_population"]) * c.trend(0.10, 0.13, 0.05))),
    Column("built_up_area_km2", "建成区面积(平方公里)",
           lambda c: _fixed(2, float(c.values["city_proper_population"]) * 10000 / c.trend(9000, 8200, 0.02))),
    Column("public_toilets", "公共厕所(座)",
           lambda c: c.count(c.trend(3.2, 4.9, 0.04), 1, base=float(c.values["built_up_area_km2"]))),
    Column("park_green_area", "公园绿地面积(公顷)",
           lambda c: _fixed(2, (float(c.values["city_proper_population"]) + float(c.values["city_proper_temporary_population"]))
                            * 10000 * c.trend(12.0, 15.2, 0.03) / 10000)),
    Column("msw_collected", "生活垃圾清运量(万吨)",
           lambda c: _fixed(2, float(c.values["city_proper_population"]) * 10000 * 0.95 * 365 / 1000 / 10000
                            * (1 + c.rng.uniform(-0.04, 0.04)))),
    Column("msw_harmless_treated", "生活垃圾无害化处理量(万吨)",
           lambda c: _fixed(2, float(c.values["msw_collected"]) * min(1.0, c.trend(0.955, 1.0, 0.01)))),
    Column("sewage_discharged", "污水排放量(万立方米)",
           lambda c: _fixed(2, float(c.values["city_proper_population"]) * 10000 * 0.21 * 365 / 10000
                            * (1 + c.rng.uniform(-0.04, 0.04)))),
    Column("sewage_centrally_treated", "污水处理厂集中处理量(万立方米)",
           lambda c: _fixed(2, float(c.values["sewage_discharged"]) * min(1.0, c.trend(0.89, 0.975, 0.01)))),
]

# -- sports (体育局: 体育场地统计, 社会体育指导员, 国民体质监测, 全民健身活动状况调查) ---------------
SPORTS = [
    Column("sports_venue_area", "体育场地面积(平方米)", lambda c: c.count(c.trend(1.45, 2.65), 1)),
    Column("social_sports_instructors", "社会体育指导员数(人)", lambda c: c.count(c.trend(1.75, 2.6), 1000)),
    Column("fitness_tested", "国民体质监测受测人数(人)", lambda c: 1200 + c.rng.randrange(0, 2400, 12)),
    Column("fitness_passed", "达到合格及以上人数(人)",
           lambda c: c.share_of(int(c.values["fitness_tested"]), c.trend(0.875, 0.925, 0.01))),
    Column("exercise_surveyed", "体育锻炼调查人数(人)", lambda c: 1500 + c.rng.randrange(0, 3000, 10)),
    Column("regular_exercisers", "经常参加体育锻炼人数(人)",
           lambda c: c.share_of(int(c.values["exercise_surveyed"]), c.trend(0.332, 0.385, 0.03))),
]

# -- student physical fitness (教育局 国家学生体质健康标准测试) ----------------------------------
STUDENT_FITNESS = [
    Column("students_tested", "测试学生数(人)", lambda c: c.count(c.trend(105, 112, 0.02), 1000)),
    Column("students_good_or_excellent", "良好及以上学生数(人)",
           lambda c: c.share_of(int(c.values["students_tested"]), c.trend(0.29, 0.52, 0.04))),
    Column("students_passed", "合格及以上学生数(人)",
           lambda c: c.share_of(int(c.values["students_tested"]), c.trend(0.885, 0.935, 0.01))),
]

# -- health surveys (卫健委 健康素养监测 / 成人烟草流行调查; weighted counts) ------------------------
HEALTH_SURVEYS = [
    Column("literacy_respondents", "健康素养监测人数(加权)", lambda c: 1000 + c.rng.randrange(0, 2000, 8)),
    Column("literacy_literate", "具备基本健康素养人数(加权)",
           lambda c: c.share_of(int(c.values["literacy_respondents"]), c.trend(0.105, 0.285, 0.05))),
    Column("smoking_respondents", "15岁及以上调查人数(加权)", lambda c: 1000 + c.rng.randrange(0, 2000, 8)),
    Column("current_smokers", "现在吸烟人数(加权)",
           lambda c: c.share_of(int(c.values["smoking_respondents"]), c.trend(0.283, 0.238, 0.04))),
]

# HC36 (中国慢性病及其危险因素监测, every three years here): the survey's weighted prevalence with its
# sample size and 95 % CI, as the report prints them; the warehouse never recomputes it from counts.
HYPERTENSION_SURVEY_YEARS = (2015, 2018, 2021, 2024)


def _hypertension_survey(c: Ctx) -> tuple[str, str, str, str]:
    if c.year not in HYPERTENSION_SURVEY_YEARS:
        return (MISSING_MARKER,) * 4
    n = 900 + c.rng.randrange(0, 1200, 6)
    p = c.trend(11.8, 10.2, 0.06) / 100
    half = 1.96 * math.sqrt(1.8 * p * (1 - p) / n)  # design effect 1.8 of the complex sample
    return (_fixed(1, p * 100), str(n), _fixed(1, (p - half) * 100), _fixed(1, (p + half) * 100))


HEALTH_SURVEYS += [
    Column("hypertension_18_50_pct", "18-50岁人群高血压患病率(%,加权)", lambda c: _hypertension_survey_cached(c)[0]),
    Column("hypertension_18_50_sample_size", "18-50岁调查样本量(人)", lambda c: _hypertension_survey_cached(c)[1]),
    Column("hypertension_18_50_ci_low_pct", "患病率95%置信区间下限(%)", lambda c: _hypertension_survey_cached(c)[2]),
    Column("hypertension_18_50_ci_high_pct", "患病率95%置信区间上限(%)", lambda c: _hypertension_survey_cached(c)[3]),
]


def _hypertension_survey_cached(c: Ctx) -> tuple[str, str, str, str]:
    """The estimate's own row: the columns after the first read what it drew (one draw per survey)."""
    key = "_hypertension_survey"
    if key not in c.values:
        c.values[key] = _hypertension_survey(c)  # type: ignore[assignment]
    return c.values[key]  # type: ignore[return-value]


# -- patriotic health (爱国卫生运动委员会办公室: 病媒生物密度控制水平, 国家卫生县城/乡镇, 健康细胞) ----------
def _vector_level(c: Ctx) -> str:
    """GB/T 27770-27773 control level of one vector: A, B, C, or 不达标 (below C)."""
    r, fail, level_a = c.rng.random(), 0.3 - 0.25 * c.t, 0.1 + 0.3 * c.t
    return "不达标" if r < fail else "A" if r < fail + level_a else "B" if r < fail + level_a + 0.35 else "C"


def _is_prefecture(c: Ctx) -> bool:
    return c.region.code.endswith("00")


PATRIOTIC_HEALTH = [
    Column("rodent_density_level", "鼠密度控制水平", _vector_level),
    Column("mosquito_density_level", "蚊密度控制水平", _vector_level),
    Column("fly_density_level", "蝇密度控制水平", _vector_level),
    Column("cockroach_density_level", "蟑螂密度控制水平", _vector_level),
    # A district or zone has no 县城 of its own; a prefecture has about one county per 600,000 residents.
    Column("county_towns", "县城数(个)", lambda c: round(c.region.population / 600_000) if _is_prefecture(c) else 0),
    Column("national_hygienic_county_towns", "国家卫生县城数(个)",
           lambda c: c.share_of(int(c.values["county_towns"]), c.trend(0.1, 0.45, 0.2))),
    Column("townships", "乡镇数(个)", lambda c: max(1, round(c.region.population * (1 - c.region.urban_share) / 25_000))),
    Column("national_hygienic_townships", "国家卫生乡镇数(个)",
           lambda c: c.share_of(int(c.values["townships"]), c.trend(0.03, 0.14, 0.2))),
    Column("communities", "社区数(个)", lambda c: max(1, round(c.region.population * c.region.urban_share / 6_000))),
    Column("healthy_communities", "健康社区数(个)", lambda c: c.share_of(int(c.values["communities"]), c.trend(0.02, 0.35, 0.1))),
    Column("schools", "中小学校数(所)", lambda c: max(1, round(c.region.population / 4_500))),
    Column("healthy_schools", "健康学校数(所)", lambda c: c.share_of(int(c.values["schools"]), c.trend(0.03, 0.40, 0.1))),
    Column("enterprises", "规模以上企业数(家)", lambda c: max(1, round(c.region.population / 3_000))),
    Column("healthy_enterprises", "健康企业数(家)", lambda c: c.share_of(int(c.values["enterprises"]), c.trend(0.01, 0.18, 0.1))),
]

# -- basic medical insurance (医疗保障局 住院费用结算; 万元, two decimals) ------------------------
MEDICAL_INSURANCE = [
    Column("insured_inpatient_expenses", "参保人员住院医疗总费用(万元)",
           lambda c: _fixed(2, c.population * c.trend(0.09, 0.14, 0.05))),
    Column("fund_paid_inpatient_expenses", "基本医保基金支付住院费用(万元)",
           lambda c: _fixed(2, float(c.values["insured_inpatient_expenses"]) * c.trend(0.62, 0.70, 0.02))),
]

# -- occupational health (卫健委 职业健康: 在岗期间职业健康检查) ------------------------------------
OCCUPATIONAL_HEALTH = [
    Column("workers_exam_due", "应进行职业健康检查劳动者数(人)", lambda c: c.count(c.trend(18, 22, 0.05), 1000)),
    Column("workers_examined", "实际进行职业健康检查劳动者数(人)",
           lambda c: c.share_of(int(c.values["workers_exam_due"]), c.trend(0.78, 0.96, 0.02))),
]

# -- food sampling (市场监督管理局 食品安全监督抽检 + 评价性抽检) -------------------------------------
FOOD_SAMPLING = [
    Column("food_sample_batches", "食品抽检批次(批次)", lambda c: c.count(c.trend(3.2, 6.5, 0.05), 1000)),
]

# -- media health-science popularisation (宣传部 主要媒体健康科普情况; HC41's rubric reads these) --
MEDIA_HEALTH = [
    Column("main_media_outlets", "主要媒体数(家)", lambda c: 9 + c.rng.randrange(0, 5) if _is_prefecture(c) else 3 + c.rng.randrange(0, 2)),
    Column("outlets_with_health_column", "开设健康科普专栏的主要媒体数(家)",
           lambda c: c.share_of(int(c.values["main_media_outlets"]), c.trend(0.45, 1.0, 0.1))),
    Column("outlets_publishing_regularly", "专栏定期播发的主要媒体数(家)",
           lambda c: c.share_of(int(c.values["outlets_with_health_column"]), c.trend(0.6, 0.95, 0.1))),
    Column("new_media_accounts", "政务新媒体账号数(个)", lambda c: 12 + c.rng.randrange(0, 10) if _is_prefecture(c) else 4 + c.rng.randrange(0, 4)),
    Column("new_media_with_health_column", "开设健康科普栏目的政务新媒体账号数(个)",
           lambda c: c.share_of(int(c.values["new_media_accounts"]), c.trend(0.3, 0.9, 0.1))),
]

# -- volunteers (文明办 全国志愿服务信息系统 注册志愿者) -------------------------------------------
VOLUNTEERS = [
    Column("registered_volunteers", "注册志愿者人数(人)", lambda c: c.count(c.trend(8.0, 18.0, 0.04), 100)),
]

# feed name -> its columns (in file order). Each becomes sources/data/<feed>/<feed>_<first>_<last>.csv.
FEEDS: dict[str, list[Column]] = {
    "healthcare_resources": HEALTHCARE_RESOURCES,
    "fiscal_expenditure": FISCAL_EXPENDITURE,
    "maternal_child_health": MATERNAL_CHILD_HEALTH,
    "disease_control": DISEASE_CONTROL,
    "drinking_water": DRINKING_WATER,
    "water_sources": WATER_SOURCES,
    "rural_toilets": RURAL_TOILETS,
    "urban_construction": URBAN_CONSTRUCTION,
    "sports": SPORTS,
    "student_fitness": STUDENT_FITNESS,
    "health_surveys": HEALTH_SURVEYS,
    "patriotic_health": PATRIOTIC_HEALTH,
    "medical_insurance": MEDICAL_INSURANCE,
    "occupational_health": OCCUPATIONAL_HEALTH,
    "food_sampling": FOOD_SAMPLING,
    "media_health": MEDIA_HEALTH,
    "volunteers": VOLUNTEERS,
}

# Gaps a real department's table has: (feed, region, year, column) published as "—" (not reported).
# They show that a missing input gives no indicator value, never a zero.
SAMPLE_GAPS = {
    ("healthcare_resources", "150271", 2019, "general_practitioners"),
    ("maternal_child_health", "370406", 2015, "maternal_deaths"),
    ("urban_construction", "150271", 2021, "park_green_area"),
}
MISSING_MARKER = "—"

KEY_HEADERS = ["行政区划代码", "地区名称", "年份"]


def feed_rows(feed: str, regions: list[Region], years: range, seed: int = SEED,
              gaps: set | frozenset = frozenset(), columns: list[Column] | None = None) -> list[list[str]]:
    """Rows (header first) of one feed's table (columns: FEEDS[feed] unless given). Same inputs, same output."""
    columns = columns if columns is not None else FEEDS[feed]
    rows = [KEY_HEADERS + [col.header for col in columns]]
    for region in regions:
        for year in years:
            # One stream per feed, region and year: adding a region or a year leaves the others unchanged.
            rng = random.Random(f"{seed}:{feed}:{region.code}:{year}")
            ctx = Ctx(region, year, rng)
            for col in columns:
                ctx.values[col.name] = col.value(ctx)
            cells = [MISSING_MARKER if (feed, region.code, year, col.name) in gaps else str(ctx.values[col.name])
                     for col in columns]
            rows.append([region.code, region.name_zh, str(year)] + cells)
    return rows


def to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# HC17 counts every elderly-care bed (民政统计: 养老机构 + 社区养老服务设施). The bundled pension_beds
# table kept its institution beds; the community beds column is added from them here.
PENSION_BEDS_FILE = Path("pension_beds") / "pension_beds_2016_2024.csv"
COMMUNITY_BEDS_HEADER = "社区养老服务设施床位数(张)"


def community_beds(code: str, year: int, institution_beds: int, seed: int = SEED) -> int:
    """Community elderly-care beds: 20 % of the institution beds in 2015 rising to 32 % in 2024, ±5 %."""
    rng = random.Random(f"{seed}:pension_beds:community:{code}:{year}")
    t = (year - 2015) / 9
    return round(institution_beds * (0.20 + 0.12 * t) * (1 + rng.uniform(-0.05, 0.05)))


def pension_beds_rows(committed: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(committed)))
    out = [rows[0][:4] + [COMMUNITY_BEDS_HEADER]]
    for row in rows[1:]:
        out.append(row[:4] + [str(community_beds(row[0], int(row[2]), int(row[3])))])
    return out


def sample_files(data_dir: Path) -> dict[Path, str]:
    files = {
        data_dir / feed / f"{feed}_{YEARS[0]}_{YEARS[-1]}.csv": to_csv(feed_rows(feed, SEED_REGIONS, YEARS, gaps=SAMPLE_GAPS))
        for feed in FEEDS
    }
    pension = data_dir / PENSION_BEDS_FILE
    if pension.exists():
        files[pension] = to_csv(pension_beds_rows(pension.read_text(encoding="utf-8")))
    return files


def main(argv: list[str] | None = None) -> int:
    return sample_main(argv, __doc__.splitlines()[0], sample_files)


def sample_main(argv: list[str] | None, description: str, files: Callable[[Path], dict[Path, str]]) -> int:
    """The command line of a sample-data script: write files(--data-dir), or --check them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-dir", type=Path, default=REPO / "sources" / "data")
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = parser.parse_args(argv)
    return write_or_check(files(args.data_dir), args.check)


def write_or_check(files: dict[Path, str], check: bool) -> int:
    """Write each file (path -> text), or with check=True only compare them with the files on disk:
    1 (and the stale paths on stderr) if any differs or is missing, else 0."""
    stale = []
    for path, text in files.items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    if stale:
        print("sample data differs from the generator: " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
