"""Build dbt/seeds/indicator_weights.csv: the expert (subjective) weights of the index.

The national Delphi/AHP weights are not public (../shared/reference/index_method.md), so the default
is explicit and equal: each of the 5 first-level dimensions gets 1/5, split equally over its
second-level dimensions, split equally over their indicators. HC18-HC20 (健康细胞, marked ※ in the
2018 table: "将根据'健康细胞'建设进展情况适时纳入评价") are listed but not scored.
Replace expert_weight with real values when they are supplied; they are renormalised over the
indicators present in each year, so they need not sum to 1.

    python scripts/build_indicator_weights.py
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "dbt" / "seeds" / "dim_indicator.csv"
OUT = ROOT / "dbt" / "seeds" / "indicator_weights.csv"
NOT_SCORED = {"HC18", "HC19", "HC20"}


def main() -> None:
    with SEED.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["indicator_code"].startswith("HC")]
    scored = [r for r in rows if r["indicator_code"] not in NOT_SCORED]
    level1 = sorted({r["level1_zh"] for r in scored})
    level2_by_level1 = defaultdict(set)
    indicators_by_level2 = defaultdict(list)
    for r in scored:
        level2_by_level1[r["level1_zh"]].add(r["level2_zh"])
        indicators_by_level2[(r["level1_zh"], r["level2_zh"])].append(r["indicator_code"])
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["indicator_code", "expert_weight", "is_scored", "weight_source"])
        for r in rows:
            code = r["indicator_code"]
            if code in NOT_SCORED:
                writer.writerow([code, 0, "false", "not scored (健康细胞 ※, seed 004)"])
                continue
            l1, l2 = r["level1_zh"], r["level2_zh"]
            weight = 1 / len(level1) / len(level2_by_level1[l1]) / len(indicators_by_level2[(l1, l2)])
            writer.writerow([code, f"{weight:.10f}", "true", "placeholder: equal within each dimension"])
    print(f"wrote {len(rows)} weights to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
