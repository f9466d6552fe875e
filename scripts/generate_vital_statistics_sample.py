"""Write the bundled SAMPLE DATA (示例数据) for the vital-statistics feeds: deterministic, not official.

    .venv/bin/python scripts/generate_vital_statistics_sample.py          # rewrites the three feeds' CSVs
    .venv/bin/python scripts/generate_vital_statistics_sample.py --check  # exit 1 if the committed files differ

Three tables, one row per region, year, sex and age group (0, 1-4, 5-9, ..., 80-84, 85+):

  population_by_sex_age   分性别年龄组常住人口 (统计局): the resident population of the feed
                          population_by_age spread over sex and age so that every region-year's total
                          and its 60+ count equal that feed's values exactly (the bundled census has
                          only totals and 60+/65+ shares, no sex x 5-year age table);
  deaths_by_cause         分性别年龄组死因别死亡数 (卫健委 死因监测): all-cause deaths and four ICD-10
                          cause groups (I00-I99, C00-C97, J30-J98, E10-E14), Poisson-like around
                          population x an age-specific rate;
  cancer_incidence        分性别年龄组恶性肿瘤新发病例数 (肿瘤登记, C00-C97).

Rates are plausible values for northern China around 2020 (male all-cause nMx 0.006 at age 0 rising to
0.18 at 85+, female rates lower, 2 % a year mortality decline; cancer incidence 15 to 1,750 per
100,000 by age, rising 1 % a year), not official statistics.
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_sample_feeds import sample_main, to_csv  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEED = 20261201
YEARS = range(2016, 2025)          # the years population_by_age covers
AGE_GROUPS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 85, 5)] + ["85+"]
AGE_START = [0, 1] + list(range(5, 90, 5))
SEXES = [("男", "male"), ("女", "female")]

# Region mortality level (1 = the base schedule) and name, for the regions population_by_age covers.
REGION_MORTALITY = {"150200": 1.00, "150271": 0.92, "150400": 1.10, "370400": 1.00, "370406": 1.06}

# Male all-cause nMx in 2020 by age group (per person-year); females by a factor per age group.
MALE_MX_2020 = [0.0060, 0.00035, 0.00020, 0.00022, 0.00045, 0.00065, 0.00075, 0.00100, 0.00140,
                0.00220, 0.00340, 0.00520, 0.00800, 0.01250, 0.01950, 0.03300, 0.05500, 0.09000, 0.18000]
FEMALE_FACTOR = [0.85, 0.85, 0.80, 0.70, 0.50, 0.45, 0.45, 0.50, 0.50, 0.52, 0.55, 0.56, 0.57, 0.58,
                 0.60, 0.65, 0.72, 0.80, 0.90]
MORTALITY_DECLINE = 0.02

# Share of all-cause deaths by cause group and age group (same for both sexes; sums stay below 1).
CAUSES = [
    ("A00-Y89", "全死因"),
    ("I00-I99", "心脑血管疾病"),
    ("C00-C97", "恶性肿瘤"),
    ("J30-J98", "慢性呼吸系统疾病"),
    ("E10-E14", "糖尿病"),
]
CAUSE_SHARE = {
    "I00-I99": [0.01, 0.02, 0.02, 0.03, 0.05, 0.08, 0.12, 0.18, 0.22, 0.26, 0.30, 0.33, 0.36, 0.38,
                0.40, 0.42, 0.44, 0.46, 0.48],
    "C00-C97": [0.01, 0.06, 0.10, 0.10, 0.08, 0.08, 0.12, 0.18, 0.24, 0.30, 0.33, 0.34, 0.33, 0.31,
                0.28, 0.25, 0.21, 0.18, 0.14],
    "J30-J98": [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.02, 0.03, 0.04, 0.05, 0.06,
                0.08, 0.10, 0.12, 0.13, 0.14],
    "E10-E14": [0.00, 0.00, 0.00, 0.00, 0.00, 0.01, 0.01, 0.01, 0.01, 0.02, 0.02, 0.02, 0.03, 0.03,
                0.03, 0.03, 0.03, 0.03, 0.02],
}

# New cancer cases per 100,000 (both sexes, 2020) by age group; males x1.15, females x0.85.
CANCER_PER_100K_2020 = [15, 15, 8, 8, 12, 20, 35, 60, 95, 160, 250, 380, 560, 800, 1100, 1400, 1650,
                        1750, 1650]
CANCER_SEX_FACTOR = {"male": 1.15, "female": 0.85}
CANCER_TREND = 0.01

# Age structure (relative sizes) below 60 and from 60, and the male share by age group.
SHAPE_UNDER_60 = [0.9, 4.0, 5.4, 5.3, 4.6, 5.4, 7.6, 8.0, 7.0, 7.2, 8.6, 8.8, 7.4]
SHAPE_60_PLUS = [6.2, 5.4, 3.6, 2.5, 1.6, 0.9]
MALE_SHARE = [0.530, 0.530, 0.530, 0.530, 0.525, 0.515, 0.510, 0.508, 0.507, 0.505, 0.503, 0.500,
              0.497, 0.495, 0.490, 0.480, 0.465, 0.440, 0.400]

HEADERS = {
    "population_by_sex_age": ["行政区划代码", "地区名称", "年份", "性别", "年龄组", "常住人口(人)"],
    "deaths_by_cause": ["行政区划代码", "地区名称", "年份", "性别", "年龄组", "ICD-10编码", "死因", "死亡数(人)"],
    "cancer_incidence": ["行政区划代码", "地区名称", "年份", "性别", "年龄组", "新发病例数(例)"],
}


def _population_by_age(data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / "population_by_age" / "population_by_age_2016_2024.csv"
    with path.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["行政区划代码"] in REGION_MORTALITY]


def _split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights that sum exactly to total (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))[: total - sum(parts)]:
        parts[i] += 1
    return parts


def population_cells(total: int, aged_60_plus: int) -> dict[tuple[str, int], int]:
    """(sex, age index) -> persons: the total and the 60+ count are kept exactly."""
    by_age = _split(total - aged_60_plus, SHAPE_UNDER_60) + _split(aged_60_plus, SHAPE_60_PLUS)
    cells = {}
    for i, n in enumerate(by_age):
        male = round(n * MALE_SHARE[i])
        cells[("male", i)] = male
        cells[("female", i)] = n - male
    return cells


def _poisson(rng: random.Random, expected: float) -> int:
    if expected <= 0:
        return 0
    if expected > 60:   # normal approximation for large counts
        return max(0, round(rng.gauss(expected, math.sqrt(expected))))
    limit, k, p = math.exp(-expected), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if n > 200:
        mean, sd = n * p, math.sqrt(n * p * (1 - p))
        return min(n, max(0, round(rng.gauss(mean, sd))))
    return sum(1 for _ in range(n) if rng.random() < p)


def tables(data_dir: Path) -> dict[str, list[list[str]]]:
    """The bundled sample: the seed regions of population_by_age, each with its mortality level."""
    rows = [(r["行政区划代码"], r["地区名称"], int(r["年份"]), int(r["常住人口(人)"]), int(r["60岁及以上人口(人)"]))
            for r in _population_by_age(data_dir)]
    return vital_tables(rows, REGION_MORTALITY, SEED)


def vital_tables(population: list[tuple[str, str, int, int, int]], mortality_level: dict[str, float],
                 seed: int = SEED) -> dict[str, list[list[str]]]:
    """The three tables (header first) for region-years given as (code, name, year, residents, aged 60+);
    mortality_level[code] scales the base death rates (1 = the base schedule). Same inputs, same output."""
    out = {feed: [headers] for feed, headers in HEADERS.items()}
    for code, name, year, total, aged_60_plus in population:
        cells = population_cells(total, aged_60_plus)
        rng = random.Random(f"{seed}:{code}:{year}")
        level = mortality_level[code] * (1 - MORTALITY_DECLINE) ** (year - 2020)
        for sex_zh, sex in SEXES:
            for i, age in enumerate(AGE_GROUPS):
                pop = cells[(sex, i)]
                key = [code, name, str(year), sex_zh, age]
                out["population_by_sex_age"].append(key + [str(pop)])
                mx = MALE_MX_2020[i] * (1 if sex == "male" else FEMALE_FACTOR[i]) * level
                all_cause = _poisson(rng, pop * mx)
                out["deaths_by_cause"].append(key + ["A00-Y89", "全死因", str(all_cause)])
                left = all_cause
                for cause, cause_zh in CAUSES[1:]:
                    share = CAUSE_SHARE[cause][i]
                    deaths = min(left, _binomial(rng, all_cause, share))
                    left -= deaths
                    out["deaths_by_cause"].append(key + [cause, cause_zh, str(deaths)])
                rate = CANCER_PER_100K_2020[i] * CANCER_SEX_FACTOR[sex] * (1 + CANCER_TREND) ** (year - 2020)
                out["cancer_incidence"].append(key + [str(_poisson(rng, pop * rate / 100_000))])
    return out


def sample_files(data_dir: Path) -> dict[Path, str]:
    return {data_dir / feed / f"{feed}_{YEARS[0]}_{YEARS[-1]}.csv": to_csv(rows)
            for feed, rows in tables(data_dir).items()}


def main(argv: list[str] | None = None) -> int:
    return sample_main(argv, __doc__.splitlines()[0], sample_files)


if __name__ == "__main__":
    sys.exit(main())
