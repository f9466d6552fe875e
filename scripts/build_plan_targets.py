"""Build dbt/seeds/plan_targets.csv from the targets quoted in the five seed plans.

Source: ../shared/reference/targets.csv (241 targets, each quote verified verbatim against
../shared/seeds/). We keep the 220 that state a value (quantitative targets) and the 7 that state
a direction (稳步下降, 逐年提高: judged on the trend), and add what the warehouse needs to evaluate
them: the region code, the plan document, the target value in the indicator's own unit where the
plan wrote another unit, and the comparator as the plan means it.

    python scripts/build_plan_targets.py [path/to/targets.csv]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference" / "targets.csv"
OUT = ROOT / "dbt" / "seeds" / "plan_targets.csv"

# seed file -> (region code, region name, plan document, note on the region)
PLANS = {
    "000_22de70d6edcf9403.txt": ("150200", "包头市", "《包头市健康城市建设实施意见》(2017)", ""),
    "001_3c9aa8ef719523d3.txt": ("330110", "**区（匿名）", "《健康城区建设三年行动计划实施方案》",
                                 "anonymised district; place names in the text point to 杭州市余杭区 330110 (inferred)"),
    "002_241d3c140d600f76.txt": ("150400", "赤峰市", "赤政办字〔2018〕104号《\"健康赤峰2030\"实施方案》重点任务分工方案", ""),
    "003_c08ac351e3b58ac2.txt": ("150271", "包头稀土高新区", "《包头稀土高新区卫生与健康事业发展\"十四五\"规划》(2021-2025)", ""),
    "004_08065c791b191b91.txt": ("370406", "山亭区", "山政办字〔2019〕40号《山亭区建设国家健康城市实施方案》", ""),
}

# Plan units that differ from the indicator's unit: factor into the indicator unit, or None when the
# target measures something else (a head count, a relative change, percentage points).
UNIT_FACTORS = {
    "张/百名老人": 10.0,  # 4.5 per 100 elderly = 45 per 1,000 (HC17)
    "人（绝对数）": None,
    "万人（绝对数）": None,
    "百分点（左右）": None,
    "%（相对）": None,
    "%（原文未说明相对或百分点）": None,
}
EVALUABLE_COMPARATORS = {">=", ">", "<=", "<", "=", "≈", "range"}
DIRECTIONS = {"increase", "decrease"}

# How a plan's "=" is meant. "建成 N 个" / "达到 100%" is reached by N or more; "控制在/降至 X" by X or
# less. Table-driven: (test on the target, comparator as judged, reason shown beside the status).
EQUALS_READINGS = [
    (lambda r: r["target_kind"] in ("count", "process"), ">=",
     "“建成/达到 N” is met by N or more (plan '=' read as ≥)"),
    (lambda r: any(w in r["quote"] for w in ("控制", "降至", "降低到", "下降到", "以下", "低于", "消除")), "<=",
     "“控制在/降至/消除 X” is met by X or less (plan '=' read as ≤)"),
    (lambda r: r["unit"].count("/") == 1 and "医师" in r["unit"], ">=",
     "ratio target 1:X (医护比) compared as the ratio nurses/doctors ≥ X"),
    (lambda r: True, ">=", "“达到 X” is met by X or more (plan '=' read as ≥)"),
]


def comparator_as_meant(r: dict[str, str]) -> tuple[str, str]:
    if r["comparator"] != "=":
        return r["comparator"], ""
    return next((comparator, reason) for test, comparator, reason in EQUALS_READINGS if test(r))


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def build(source: Path) -> list[dict[str, str]]:
    with source.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["value"].strip() or (r["target_kind"] == "directional" and r["comparator"] in DIRECTIONS)
                or (r["target_kind"] == "qualitative" and r["comparator"] == "range")]
    out = []
    for r in rows:
        region_code, region_name, document, region_note = PLANS[r["seed_file"]]
        factor = UNIT_FACTORS.get(r["unit"], 1.0)
        # T001_017 states three recruitment numbers ("190;200;210"): kept, but not evaluable.
        single_value = _is_number(r["value"]) and (not r["value_max"] or _is_number(r["value_max"]))
        directional = r["comparator"] in DIRECTIONS
        comparable = factor is not None and (
            directional or (r["comparator"] in EVALUABLE_COMPARATORS and single_value and r["value"].strip() != ""))
        value = float(r["value"]) * factor if comparable and not directional else None
        value_max = float(r["value_max"]) * factor if comparable and not directional and r["value_max"] else None
        comparator, comparator_note = comparator_as_meant(r)
        out.append({
            "target_id": r["target_id"],
            "region_code": region_code,
            "region_name_zh": region_name,
            "plan_document": document,
            "seed_file": r["seed_file"],
            "target_year": r["year_for_comparison"],
            "target_year_as_written": r["target_year"],
            "indicator_code": r["hc_code"] or r["extra_code"],
            "is_national_indicator": "true" if r["hc_code"] else "false",
            "mapping_quality": r["mapping_quality"],
            "indicator_text_zh": r["indicator_text"],
            "comparator": comparator,
            "comparator_as_written": r["comparator"],
            "comparator_note": comparator_note,
            "target_value_as_written": r["value"],
            "target_value_max_as_written": r["value_max"],
            "unit_as_written": r["unit"],
            "target_value": "" if value is None else f"{value:g}",
            "target_value_max": "" if value_max is None else f"{value_max:g}",
            "is_comparable": "true" if comparable else "false",
            "target_kind": r["target_kind"],
            "source_quote": r["quote"],
            "notes": "; ".join(filter(None, [r["notes"], region_note])),
        })
    return out


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    rows = build(source)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} targets to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
