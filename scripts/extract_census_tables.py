"""Cut the bundled census denominators out of the real leiii/census files (MIT).

    .venv/bin/python scripts/extract_census_tables.py [/path/to/leiii/census/data/census]

Why a cut and not the upstream files: the prefecture CSV is 4 MB, almost all of it the WKT
`coord` boundary column we do not use, and the two county workbooks take ~30 s to open on every
nightly run. The script writes (deterministically, same input -> same bytes):

  sources/data/census_city/census_city_2010-2020_v1.csv
      the upstream prefecture CSV with the `coord` column removed; every other column and value
      is as published (still UTF-8 with BOM, all fields quoted).
  sources/data/census_county/census_county_2010_2020.csv
      one row per county and census year: 区划代码 (float 370406.0 -> "370406"), 地区, 普查年份,
      常住人口 (人口数_合计 / 合计), 60岁及以上人口 and 65岁及以上人口 = the sum of the published
      5-year age-band counts (男+女, 60-64 … 85+). Rows without a 区划代码 (blank lines between
      provinces in the workbooks) are skipped and counted on stdout.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
DEFAULT_UPSTREAM = Path("/work/shared/reference/realdata/census_leiii/data/census")

# (workbook, sheet, code column, name column, total column, band labels 60+ , band labels 65+)
COUNTY_TABLES = [
    ("census_county_2010_v1.xlsx", 2010, "区划代码", "地区", "合计",
     ["60-64岁", "65-69岁", "70-74岁", "75-79岁", "80-84岁", "85岁及以上"]),
    ("census_county_2020_v1.xlsx", 2020, "区划代码", "区县", "人口数_合计",
     ["60到64岁", "65到69岁", "70到74岁", "75到79岁", "80到84岁", "85岁以上"]),
]


def cut_city(upstream: Path, out_dir: Path) -> None:
    frame = pd.read_csv(upstream / "census_city_2010-2020_v1.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.drop(columns=["coord"]).to_csv(out_dir / "census_city_2010-2020_v1.csv", index=False,
                                         encoding="utf-8-sig", quoting=csv.QUOTE_ALL, lineterminator="\n")
    print(f"census_city: {len(frame)} rows")


def cut_county(upstream: Path, out_dir: Path) -> None:
    rows = []
    for workbook, year, code_col, name_col, total_col, bands in COUNTY_TABLES:
        sheet = pd.read_excel(upstream / workbook, sheet_name=0)
        band_cols = {b: [c for c in sheet.columns if b in str(c)] for b in bands}
        for band, cols in band_cols.items():
            # Each band must be exactly one male and one female column, or the sum is wrong.
            assert len(cols) == 2, f"{workbook}: age band {band} matched {cols}"
        cols_60 = [c for b in bands for c in band_cols[b]]
        cols_65 = [c for b in bands[1:] for c in band_cols[b]]
        skipped = 0
        for _, rec in sheet.iterrows():
            code = rec[code_col]
            if pd.isna(code):
                skipped += 1
                continue
            def whole(value):
                return "" if pd.isna(value) else str(int(round(float(value))))
            rows.append({
                "区划代码": str(int(code)),
                "地区": rec[name_col],
                "普查年份": year,
                "常住人口": whole(rec[total_col]),
                "60岁及以上人口": whole(rec[cols_60].sum(min_count=len(cols_60))),
                "65岁及以上人口": whole(rec[cols_65].sum(min_count=len(cols_65))),
            })
        print(f"census_county {year}: {len(sheet) - skipped} rows, {skipped} rows without 区划代码 skipped")
    out_dir.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out_dir / "census_county_2010_2020.csv", index=False, encoding="utf-8",
                              lineterminator="\n")


def main(argv: list[str]) -> int:
    upstream = Path(argv[1]) if len(argv) > 1 else DEFAULT_UPSTREAM
    cut_city(upstream, REPO / "sources" / "data" / "census_city")
    cut_county(upstream, REPO / "sources" / "data" / "census_county")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
