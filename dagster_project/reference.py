"""Reference data that is not a department feed: region code lists bundled in sources/reference/."""


import dagster as dg
import duckdb
import pandas as pd

from dagster_project import settings


def region_code_frame() -> pd.DataFrame:
    ref = settings.reference_dir()
    gb = pd.read_csv(ref / "admin_codes_gbt2260" / "result.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    gb_frame = pd.DataFrame({
        "region_code": gb["代码"],
        "region_name_zh": gb["名称"],
        "region_level": gb["级别"],
        "code_list": "GB/T 2260",
        "is_current": gb["状态"] == "在用",
        "valid_from": pd.to_numeric(gb["启用时间"].replace("", None)).astype("Int64"),
        "valid_to": pd.to_numeric(gb["变更/弃用时间"].replace("", None)).astype("Int64"),
        "new_code": gb["新代码"].replace("", None),
    })
    frames = [gb_frame]
    for file, level, width in (("provinces.csv", "省级", 2), ("cities.csv", "地级", 4), ("areas.csv", "县级", 6)):
        nbs = pd.read_csv(ref / "admin_codes_nbs" / file, dtype=str, keep_default_na=False)
        frames.append(pd.DataFrame({
            "region_code": nbs["code"].str.ljust(6, "0"),
            "region_name_zh": nbs["name"],
            "region_level": level,
            "code_list": "NBS 统计用区划代码",
            "is_current": True,
            "valid_from": pd.array([None] * len(nbs), dtype="Int64"),
            "valid_to": pd.array([None] * len(nbs), dtype="Int64"),
            "new_code": None,
        }))
    return pd.concat(frames, ignore_index=True)


@dg.asset(
    key=dg.AssetKey(["raw", "region_codes"]),
    group_name="raw",
    description="行政区划代码表 / Region codes: real GB/T 2260 list 1981-2024 (CC0, yescallop/areacodes) "
                "and the NBS statistical list with development zones (WTFPL, modood).",
    kinds={"duckdb"},
)
def region_codes() -> dg.MaterializeResult:
    frame = region_code_frame()
    database = settings.warehouse_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute("create schema if not exists raw")
        con.register("incoming", frame)
        # Reference lists are replaced whole: they are versioned with the repository.
        con.execute("create or replace table raw.region_codes as select * from incoming")
    return dg.MaterializeResult(metadata={"rows": len(frame), "dagster/row_count": len(frame)})
