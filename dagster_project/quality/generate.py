"""Suites written from metadata, so a bound or a column type is declared once.

    python scripts/generate_expectations.py          # write the files
    python scripts/generate_expectations.py --check  # exit 1 if a committed file is out of date

What it writes (and the only files it ever writes):
  expectations/fct_indicator_value.json
      from dbt/seeds/dim_indicator.csv: for each indicator, value within [hard_min, hard_max]
      (ERROR) and within [soft_min, soft_max] (WARN); plus the mart's grain and code rules.
  expectations/generated/raw_<feed>_feed_rules.json
      from sources/feeds/<feed>.yml: integer (count) columns >= 0, required columns not null,
      grain unique, region codes 6 digits and present in raw.region_codes (joined in SQL), years between 1980 and
      the current year, dates between 1980-01-01 and today (ERROR); every region reports every year the feed covers (WARN; feeds
      published at least yearly, i.e. stale_after <= 400 days, so not the decennial census).

Ownership rule: a file whose meta.generated_by names this script belongs to the generator and
is rewritten; any other file is hand-written and never touched (the generator stops with an
error rather than overwrite it). Hand-written raw suites (expectations/raw_<feed>.json) stay the
place for rules that need judgement; a generated rule that the hand-written suite already has
(same expectation type on the same columns) is left out, so a bad value is reported once.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_configs
from dagster_project.quality.gx_checks import GENERATED_DIR_NAME, expectation_columns

GENERATED_BY = "scripts/generate_expectations.py"
DIM_INDICATOR_SEED = settings.DBT_PROJECT_DIR / "seeds" / "dim_indicator.csv"
# GB/T 2260 code lists start in 1981 (sources/reference); an earlier year is a typo.
FIRST_PLAUSIBLE_YEAR = 1980
CURRENT_ROWS = "_superseded_by_load_id is null"
# Completeness per region and year applies to feeds published at least yearly. A census
# (stale_after_days 4000) has no yearly series: a region in one census only is a code change.
YEARLY_STALE_AFTER_DAYS = 400


class GeneratorError(RuntimeError):
    pass


def _exp(type_: str, kwargs: dict[str, Any], severity: str, notes: str, scope: str | None = None) -> dict[str, Any]:
    meta = {"severity": severity, "notes": notes, **({"scope": scope} if scope else {})}
    return {"type": type_, "kwargs": kwargs, "meta": meta}


def _number(text: str) -> int | float | None:
    text = (text or "").strip()
    if not text:
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def _bounds(lo: int | float | None, hi: int | float | None) -> dict[str, Any]:
    return {k: v for k, v in (("min_value", lo), ("max_value", hi)) if v is not None}


def _range_text(lo, hi) -> str:
    return f"{'-∞' if lo is None else lo} – {'∞' if hi is None else hi}"


def indicator_value_suite(seed: Path = DIM_INDICATOR_SEED) -> dict[str, Any]:
    with seed.open(encoding="utf-8") as fh:
        indicators = list(csv.DictReader(fh))
    expectations = [
        _exp("expect_compound_columns_to_be_unique", {"column_list": ["region_code", "year", "indicator_code"]},
             "ERROR", "每个地区、年份、指标一行 / one row per region, year and indicator"),
        _exp("expect_column_values_to_match_regex", {"column": "region_code", "regex": "^[0-9]{6}$"},
             "ERROR", "6位行政区划代码 / 6-digit region code"),
        _exp("expect_column_values_to_be_in_set",
             {"column": "indicator_code", "value_set": [i["indicator_code"] for i in indicators]},
             "ERROR", "指标代码须在 dim_indicator 中 / indicator code must exist in dim_indicator"),
    ]
    for ind in indicators:
        code, name_zh, name_en, unit = ind["indicator_code"], ind["indicator_name_zh"], ind["indicator_name_en"], ind["unit"]
        for level, severity, zh, en in (("hard", "ERROR", "取值超出可能范围", "outside its possible range"),
                                        ("soft", "WARN", "取值超出常见范围，请核实", "outside its plausible range, please verify")):
            lo, hi = _number(ind[f"{level}_min"]), _number(ind[f"{level}_max"])
            if lo is None and hi is None:
                continue
            expectations.append(_exp(
                "expect_column_values_to_be_between", {"column": f"value_{code}", **_bounds(lo, hi)}, severity,
                f"{code} {name_zh}{zh} {_range_text(lo, hi)} {unit} / {code} {name_en} {en} "
                f"[{level}_min, {level}_max] = [{_range_text(lo, hi)}]"))
    # One column per indicator (value where the row is that indicator, else NULL, which GX skips):
    # GX's row_condition costs ~0.3 s per expectation (35 s for this suite), a plain column ~0.02 s.
    pivot = ", ".join(f"case when indicator_code = '{i['indicator_code']}' then value end as value_{i['indicator_code']}"
                      for i in indicators)
    relation = (f"(select region_code, year, indicator_code, input_load_ids, value, {pivot} "
                f"from marts.fct_indicator_value)")
    return {
        "name": "fct_indicator_value",
        "notes": "指标值校验（由 dim_indicator 生成，请勿手改）/ Checks on the indicator mart, generated from "
                 "dbt/seeds/dim_indicator.csv: edit the seed, then run scripts/generate_expectations.py.",
        "meta": {
            "generated_by": GENERATED_BY,
            "generated_from": "dbt/seeds/dim_indicator.csv",
            "asset_key": ["marts", "fct_indicator_value"],
            "relation": relation,
            "row_id_columns": ["region_code", "year", "indicator_code", "input_load_ids"],
        },
        "expectations": expectations,
    }


def _already_declared(hand_written: dict[str, Any] | None, generated: dict[str, Any]) -> bool:
    if not hand_written:
        return False
    key = (generated["type"], sorted(expectation_columns(generated["kwargs"])))
    return any((e.get("type"), sorted(expectation_columns(e.get("kwargs", {})))) == key
               for e in hand_written.get("expectations", []))


def feed_rules_suite(cfg: FeedConfig, hand_written: dict[str, Any] | None = None) -> dict[str, Any]:
    table = f"raw.{cfg.table}"
    region_columns = [c.name for c in cfg.columns if c.type == "region"]
    year_columns = [c.name for c in cfg.columns if c.type == "year"]
    date_columns = [c.name for c in cfg.columns if c.type == "date"]
    candidates = []
    for col in cfg.columns:
        label = f"{col.zh or col.name}"
        if col.type == "integer":
            candidates.append(_exp("expect_column_values_to_be_between", {"column": col.name, "min_value": 0},
                                   "ERROR", f"{label}是计数，不能为负 / {col.name} is a count and cannot be negative"))
        if col.required or col.name in cfg.grain:
            candidates.append(_exp("expect_column_values_to_not_be_null", {"column": col.name},
                                   "ERROR", f"{label}必填 / {col.name} is required"))
    grain_notes = (f"每个{'、'.join(cfg.column(g).zh or g for g in cfg.grain)}一行 / "
                   f"one row per {', '.join(cfg.grain)}")
    if len(cfg.grain) == 1:  # GX's compound rule needs two columns or more
        candidates.append(_exp("expect_column_values_to_be_unique", {"column": cfg.grain[0]}, "ERROR", grain_notes))
    else:
        candidates.append(_exp("expect_compound_columns_to_be_unique", {"column_list": list(cfg.grain)}, "ERROR",
                               grain_notes))
    for col in region_columns:
        candidates.append(_exp("expect_column_values_to_match_regex", {"column": col, "regex": "^[0-9]{6}$"},
                               "ERROR", "6位行政区划代码 / 6-digit region code"))
        candidates.append(_exp("expect_column_values_to_be_in_set",
                               {"column": f"{col}_is_in_code_list", "value_set": [True]}, "ERROR",
                               f"{col}：行政区划代码须在代码表 raw.region_codes 中 / {col} must be in raw.region_codes"))
    for col in year_columns:
        candidates.append(_exp("expect_column_values_to_be_between",
                               {"column": col, "min_value": FIRST_PLAUSIBLE_YEAR, "max_value": {"$PARAMETER": "current_year"}},
                               "ERROR", f"年份须在{FIRST_PLAUSIBLE_YEAR}年至今年之间 / year between "
                                        f"{FIRST_PLAUSIBLE_YEAR} and the current year"))
    for col in date_columns:
        candidates.append(_exp("expect_column_values_to_be_in_set", {"column": f"{col}_is_in_range", "value_set": [True]},
                               "ERROR", f"{col}：日期须在{FIRST_PLAUSIBLE_YEAR}-01-01至今天之间 / {col} between "
                                        f"{FIRST_PLAUSIBLE_YEAR}-01-01 and today"))
    expectations = [e for e in candidates if not _already_declared(hand_written, e)]

    # Derived columns are computed in SQL: whole-table facts (years per region) and the lookup in
    # the region code list (a GX value_set of ~9,000 codes costs 3 s per check; a join costs nothing).
    derived = [f"f.{col} in (select region_code from raw.region_codes) as {col}_is_in_code_list"
               for col in region_columns]
    # Dates compared in SQL: GX 1.x has no date parsing for min/max strings on pandas frames.
    derived += [f"f.{col} between date '{FIRST_PLAUSIBLE_YEAR}-01-01' and current_date as {col}_is_in_range"
                for col in date_columns]
    joins = ""
    if region_columns and year_columns and cfg.stale_after <= YEARLY_STALE_AFTER_DAYS:
        # Completeness: each region has a row for every year the feed covers; compared row by
        # row so each gap names its region and file.
        region, year = region_columns[0], year_columns[0]
        derived += ["r.years_reported as years_reported_for_region", "t.years_in_feed"]
        joins = (f" join (select {region}, count(distinct {year}) as years_reported from {table} "
                 f"where {CURRENT_ROWS} group by {region}) as r using ({region})"
                 f" cross join (select count(distinct {year}) as years_in_feed from {table} where {CURRENT_ROWS}) as t")
        expectations.append(_exp(
            "expect_column_pair_values_to_be_equal",
            {"column_A": "years_reported_for_region", "column_B": "years_in_feed"}, "WARN",
            "数据不完整：该地区缺少部分年份 / incomplete: the region lacks some of the years the feed covers",
            # a region missing from the new file is not in its rows: judged on the whole table, in SQL
            scope="table"))
    relation = table
    meta: dict[str, Any] = {"where": CURRENT_ROWS}
    if derived:
        relation = f"(select f.*, {', '.join(derived)} from {table} as f{joins} where f.{CURRENT_ROWS})"
        meta = {}
    row_id_columns = ["_source_file", "_row_number", *cfg.grain]
    parameters = {}
    if year_columns:
        parameters["current_year"] = {"value": "select cast(year(current_date) as integer)"}
    return {
        "name": f"raw_{cfg.name}_feed_rules",
        "notes": f"{cfg.title_zh}：由数据源声明生成的规则（请勿手改）/ {cfg.title_en}: rules generated from "
                 f"sources/feeds/{cfg.name}.yml; edit the YAML, then run scripts/generate_expectations.py.",
        "meta": {
            "generated_by": GENERATED_BY,
            "generated_from": f"sources/feeds/{cfg.name}.yml",
            "asset_key": ["raw", cfg.name],
            "relation": relation,
            **meta,
            "row_id_columns": row_id_columns,
            **({"parameters": parameters} if parameters else {}),
            **({"depends_on": [["raw", "region_codes"]]} if region_columns else {}),
        },
        "expectations": expectations,
    }


def render(document: dict[str, Any]) -> str:
    """One expectation per line: short enough to read, and a diff shows the rule that changed."""
    head = {k: v for k, v in document.items() if k != "expectations"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "expectations": [')
    body = [f"    {json.dumps(e, ensure_ascii=False)}" for e in document["expectations"]]
    lines.append(",\n".join(body))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def planned_files(expectations_dir: Path | None = None, feeds_dir: Path | None = None) -> dict[Path, str]:
    expectations_dir = expectations_dir or settings.EXPECTATIONS_DIR
    files = {expectations_dir / "fct_indicator_value.json": render(indicator_value_suite())}
    for cfg in load_feed_configs(feeds_dir):
        hand_path = expectations_dir / f"raw_{cfg.name}.json"
        hand_written = json.loads(hand_path.read_text(encoding="utf-8")) if hand_path.exists() else None
        files[expectations_dir / GENERATED_DIR_NAME / f"raw_{cfg.name}_feed_rules.json"] = render(
            feed_rules_suite(cfg, hand_written))
    return files


def _is_generated(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("meta", {}).get("generated_by") == GENERATED_BY
    except (OSError, json.JSONDecodeError):
        return False


def out_of_date(expectations_dir: Path | None = None, feeds_dir: Path | None = None) -> list[str]:
    """Paths whose content differs from what the generator would write (or that should be removed)."""
    expectations_dir = expectations_dir or settings.EXPECTATIONS_DIR
    planned = planned_files(expectations_dir, feeds_dir)
    stale = [str(p) for p, text in planned.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    stale += [str(p) for p in sorted((expectations_dir / GENERATED_DIR_NAME).glob("*.json"))
              if p not in planned and _is_generated(p)]
    return stale


def write_files(expectations_dir: Path | None = None, feeds_dir: Path | None = None) -> list[Path]:
    expectations_dir = expectations_dir or settings.EXPECTATIONS_DIR
    planned = planned_files(expectations_dir, feeds_dir)
    for path in planned:
        if path.exists() and not _is_generated(path):
            raise GeneratorError(f"{path} is hand-written (no meta.generated_by = {GENERATED_BY!r}); "
                                 "the generator will not overwrite it. Rename it or delete it first.")
    written = []
    for path, text in planned.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for path in sorted((expectations_dir / GENERATED_DIR_NAME).glob("*.json")):
        if path not in planned and _is_generated(path):  # its feed was removed
            path.unlink()
            written.append(path)
    return written
