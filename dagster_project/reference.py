"""Reference data that is not a department feed: region code lists bundled in sources/reference/.

Two tables, replaced whole on every run (the lists are versioned with the repository):

  raw.region_codes          one row per code and period: GB/T 2260 1981-2024 (every code ever used,
                            with its years and status) plus the NBS statistical list (current codes,
                            including development zones such as 稀土高新区 150271 that GB/T 2260 lacks)
  raw.region_code_changes   the GB/T 2260 `新代码` column exploded: one row per (old code period, new
                            code), with the year of the change and whether the new code succeeds the
                            old one or only received part of its area

dbt builds marts.dim_region (hierarchy) and marts.dim_region_code_history (old code -> current codes)
from them; docs/regions-and-air-quality.md explains both.
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from dagster_project import settings

GBT2260_FILE = Path("admin_codes_gbt2260") / "result.csv"
NBS_DIR = Path("admin_codes_nbs")
# 新代码 token: a 6-digit code, optionally followed by the year of the change in brackets: 150205[1999]
NEW_CODE_TOKEN = re.compile(r"^(\d{6})(?:\[(\d{4})\])?$")
# (file, level, width of the code in the file, column holding the parent's short code)
NBS_FILES = (
    ("provinces.csv", "省级", 2, None),
    ("cities.csv", "地级", 4, "provinceCode"),
    ("areas.csv", "县级", 6, "cityCode"),
)
# GB/T 2260 `二级行政区` says 直辖 for a county directly under a municipality or province.
DIRECTLY_UNDER_PROVINCE = "直辖"


class RegionCodeListError(ValueError):
    """A bundled code list has a value we cannot interpret. The message names file, row and value."""


def _years(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.replace("", None)).astype("Int64")


def read_gbt2260(ref: Path) -> pd.DataFrame:
    return pd.read_csv(ref / GBT2260_FILE, dtype=str, encoding="utf-8-sig", keep_default_na=False)


def region_code_frame(ref: Path | None = None) -> pd.DataFrame:
    ref = ref or settings.reference_dir()
    gb = read_gbt2260(ref)
    gb_frame = pd.DataFrame({
        "region_code": gb["代码"],
        "region_name_zh": gb["名称"],
        "region_level": gb["级别"],
        "code_list": "GB/T 2260",
        "status_zh": gb["状态"],
        "is_current": gb["状态"] == "在用",
        "valid_from": _years(gb["启用时间"]),
        "valid_to": _years(gb["变更/弃用时间"]),
        "new_code": gb["新代码"].replace("", None),
        "province_name_zh": gb["一级行政区"],
        # 二级行政区 is empty for provinces and 直辖 for counties directly under a province.
        "prefecture_name_zh": gb["二级行政区"].where(~gb["二级行政区"].isin(["", DIRECTLY_UNDER_PROVINCE]), None),
        "listed_parent_code": None,
    })
    frames = [gb_frame]
    for file, level, width, parent_column in NBS_FILES:
        nbs = pd.read_csv(ref / NBS_DIR / file, dtype=str, keep_default_na=False)
        bad = nbs[nbs["code"].str.len() != width]
        if len(bad):
            row = bad.index[0] + 2  # header is line 1
            raise RegionCodeListError(
                f"{NBS_DIR / file} row {row} column 'code' value {bad['code'].iloc[0]!r}: expected {width} digits")
        frames.append(pd.DataFrame({
            "region_code": nbs["code"].str.ljust(6, "0"),
            "region_name_zh": nbs["name"],
            "region_level": level,
            "code_list": "NBS 统计用区划代码",
            "status_zh": "在用",
            "is_current": True,
            "valid_from": pd.array([None] * len(nbs), dtype="Int64"),
            "valid_to": pd.array([None] * len(nbs), dtype="Int64"),
            "new_code": None,
            "province_name_zh": None,
            "prefecture_name_zh": None,
            "listed_parent_code": nbs[parent_column].str.ljust(6, "0") if parent_column else None,
        }))
    return pd.concat(frames, ignore_index=True)


def region_code_change_frame(ref: Path | None = None) -> pd.DataFrame:
    """Explode GB/T 2260 `新代码` ("130108[2001];130111") into one row per new code.

    A 变更 row without 新代码 kept its code under a new name: it gets a successor row to itself.

    change_kind:
      successor         the old code ended (变更/弃用) and its area went to this code in that year
      part_transferred  only part of the area moved: from a code still in use (在用 + 新代码), or
                        from an abolished code years before it ended (bracket year < 变更/弃用时间)
    """
    ref = ref or settings.reference_dir()
    gb = read_gbt2260(ref)
    rows = []
    for idx, rec in gb.iterrows():
        new_codes = rec["新代码"]
        if not new_codes and rec["状态"] == "变更":
            # 变更 without 新代码: the code was kept under a new name (211400 锦西市 -> 葫芦岛市, 1994).
            new_codes = rec["代码"]
        if not new_codes:
            continue
        valid_to = int(rec["变更/弃用时间"]) if rec["变更/弃用时间"] else None
        for token in new_codes.split(";"):
            match = NEW_CODE_TOKEN.match(token.strip())
            if not match:
                raise RegionCodeListError(
                    f"{GBT2260_FILE} row {idx + 2} column '新代码' value {rec['新代码']!r}: "
                    f"'{token}' is not a 6-digit code with an optional [year]")
            change_year = int(match[2]) if match[2] else valid_to
            is_successor = rec["状态"] != "在用" and change_year == valid_to
            rows.append({
                "old_code": rec["代码"],
                "old_name_zh": rec["名称"],
                "old_valid_from": int(rec["启用时间"]),
                "old_valid_to": valid_to,
                "old_status_zh": rec["状态"],
                "new_code": match[1],
                "change_year": change_year,
                "change_kind": "successor" if is_successor else "part_transferred",
            })
    return pd.DataFrame(rows, columns=["old_code", "old_name_zh", "old_valid_from", "old_valid_to", "old_status_zh",
                                       "new_code", "change_year", "change_kind"]).astype(
        {"old_valid_to": "Int64", "change_year": "Int64"})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            dg.AssetKey(["raw", "region_codes"]), group_name="raw", kinds={"duckdb"}, owners=["team:data-engineering"],
            description="行政区划代码表 / Region codes: real GB/T 2260 list 1981-2024 (CC0, yescallop/areacodes) "
                        "and the NBS statistical list with development zones (WTFPL, modood)."),
        dg.AssetSpec(
            dg.AssetKey(["raw", "region_code_changes"]), group_name="raw", kinds={"duckdb"},
            owners=["team:data-engineering"],
            description="区划代码变更 / GB/T 2260 新代码 exploded: old code period -> new code, year of the "
                        "change, successor or part transferred."),
    ],
    name="region_codes",
)
def region_codes():
    frame = region_code_frame()
    changes = region_code_change_frame()
    database = settings.warehouse_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute("create schema if not exists raw")
        con.register("incoming", frame)
        con.register("incoming_changes", changes)
        # Reference lists are replaced whole: they are versioned with the repository.
        con.execute("create or replace table raw.region_codes as select * from incoming")
        con.execute("create or replace table raw.region_code_changes as select * from incoming_changes")
        from dagster_project.nightly import record_reference_load, reference_digest

        record_reference_load(con, reference_digest())  # the nightly plan reloads the lists when they change
    yield dg.MaterializeResult(asset_key=["raw", "region_codes"],
                               metadata={"rows": len(frame), "dagster/row_count": len(frame)})
    yield dg.MaterializeResult(asset_key=["raw", "region_code_changes"],
                               metadata={"rows": len(changes), "dagster/row_count": len(changes)})
