"""Generate the indicator feeds for EVERY current county-level region of China, N years, for
scale tests and benchmarks. Seeded and deterministic; written on demand, never committed.

    .venv/bin/python scripts/generate_national.py --years 5 --out /tmp/national
    # -> /tmp/national/<feed>/<feed>_national_2020_2024.csv for every indicator feed,
    #    plus population_by_age and pension_beds (the per-capita denominators and HC17)

Regions: the 县级 codes marked 在用 in sources/reference/admin_codes_gbt2260/result.csv (2,846 in the
2024 list). Each region gets a seeded population and urban share; the values come from the same
value model as the bundled sample data (scripts/generate_sample_feeds.py), so they are plausible,
synthetic and NOT official statistics.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_sample_feeds import FEEDS, REPO, Region, feed_rows, to_csv  # noqa: E402

DEFAULT_SEED = 20240401
LAST_YEAR = 2024


def county_regions(reference_csv: Path | None = None, seed: int = DEFAULT_SEED) -> list[Region]:
    """Current county-level regions with a seeded population (median about 350,000)."""
    path = reference_csv or REPO / "sources" / "reference" / "admin_codes_gbt2260" / "result.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["级别"] == "县级" and r["状态"] == "在用"]
    regions = []
    for row in sorted(rows, key=lambda r: r["代码"]):
        rng = random.Random(f"{seed}:region:{row['代码']}")
        population = int(min(3_500_000, max(15_000, math.exp(rng.gauss(math.log(350_000), 0.7)))))
        # 市辖区 (district codes xxxx01-xxxx20) are mostly urban, counties mostly rural.
        is_district = int(row["代码"][4:]) <= 20
        urban_share = rng.uniform(0.6, 0.95) if is_district else rng.uniform(0.15, 0.45)
        regions.append(Region(row["代码"], row["名称"], population, round(urban_share, 3)))
    return regions


def denominator_rows(feed: str, regions: list[Region], years: range, seed: int) -> list[list[str]]:
    """population_by_age and pension_beds in the bundled files' layout (same headers)."""
    if feed == "population_by_age":
        rows = [["行政区划代码", "地区名称", "年份", "常住人口(人)", "60岁及以上人口(人)"]]
    else:
        rows = [["行政区划代码", "地区名称", "年份", "养老机构床位数(张)"]]
    for region in regions:
        for year in years:
            rng = random.Random(f"{seed}:{feed}:{region.code}:{year}")
            population = round(region.population * (1 + 0.002 * (year - 2020)))
            elderly = round(population * (0.14 + 0.008 * (year - 2015)) * rng.uniform(0.85, 1.15))
            if feed == "population_by_age":
                rows.append([region.code, region.name_zh, str(year), str(population), str(elderly)])
            else:
                beds = round(elderly * rng.uniform(20, 45) / 1000)
                rows.append([region.code, region.name_zh, str(year), str(beds)])
    return rows


def generate(out_dir: Path, n_years: int, seed: int = DEFAULT_SEED, regions: list[Region] | None = None) -> dict[str, Path]:
    """Write every feed for N years ending in 2024; returns {feed: file}."""
    regions = regions if regions is not None else county_regions(seed=seed)
    years = range(LAST_YEAR - n_years + 1, LAST_YEAR + 1)
    written = {}
    tables = {feed: feed_rows(feed, regions, years, seed=seed) for feed in FEEDS}
    for feed in ("population_by_age", "pension_beds"):
        tables[feed] = denominator_rows(feed, regions, years, seed)
    for feed, rows in tables.items():
        path = out_dir / feed / f"{feed}_national_{years[0]}_{years[-1]}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_csv(rows), encoding="utf-8")
        written[feed] = path
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate national synthetic feeds (not committed).")
    parser.add_argument("--years", type=int, default=5, help="number of years ending in 2024 (default 5)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (one folder per feed)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if not 1 <= args.years <= 60:
        parser.error("--years must be between 1 and 60")
    started = time.monotonic()
    regions = county_regions(seed=args.seed)
    written = generate(args.out, args.years, args.seed, regions)
    rows = sum(len(regions) * args.years for _ in written)
    print(f"{len(regions)} county-level regions × {args.years} years × {len(written)} feeds = {rows:,} rows "
          f"in {args.out} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
