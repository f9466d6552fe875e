"""The same table as UTF-8, UTF-8 with BOM, GBK and GB18030 CSV, a multi-header XLSX and JSON
loads to identical canonical rows.

The canonical file tests/fixtures/feeds/clinic_resources_2020_2021.csv uses one notation rule
per cell; the other variants are written from the same values by the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_file
from dagster_project.feeds.regions import load_region_index

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
CSV_TEXT = (FIXTURES / "clinic_resources_2020_2021.csv").read_text(encoding="utf-8")

# Worked out by hand from the CSV, rule by rule (docs/feeds.md):
#   包头市 -> 150200 (R10); "26,458" -> 26458 (R2); 270.94 万人 × 10000 = 2,709,400 (R5); "20.19%" -> 20.19 (R3)
#   150271 (R10 code); "2020年" -> 2020 (R8); full-width "１２３４" -> 1234 (R1); "—" -> NULL (R6); 18.5
#   赤峰市 -> 150400; "1.2万" -> 12,000 (R4); 403.6 × 10000 = 4,036,000; "——" -> NULL (R6)
#   枣庄市 -> 370400; "31,002" -> 31002; 385.6 × 10000 = 3,856,000; "19.80%" -> 19.8
EXPECTED = [
    ("150200", 2020, 26458, 2709400, 20.19),
    ("150271", 2020, 1234, None, 18.5),
    ("150400", 2021, 12000, 4036000, None),
    ("370400", 2021, 31002, 3856000, 19.8),
]


def write_xlsx(path: Path) -> None:
    """A publisher's workbook: a merged title row, then two header rows with merged cells."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "床位"
    ws.append(["2020—2021年医疗卫生资源统计表", None, None, None, None])
    ws.merge_cells("A1:E1")
    ws.append(["地区", "年份", "资源", None, "老年人口占比"])
    ws.append([None, None, "床位数(张)", "常住人口(万人)", None])
    for rng in ("A2:A3", "B2:B3", "C2:D2", "E2:E3"):
        ws.merge_cells(rng)
    # Numbers stored as numbers where Excel would, text where the publisher typed notation.
    ws.append(["包头市", 2020, 26458, 270.94, "20.19%"])
    ws.append([150271, "2020年", "１２３４", "—", 18.5])
    ws.append(["赤峰市", 2021, "1.2万", 403.6, "——"])
    ws.append(["枣庄市", 2021, "31,002", 385.6, "19.80%"])
    wb.save(path)


def write_json(path: Path) -> None:
    lines = [line.split(",") for line in CSV_TEXT.replace('"26,458"', "26458").replace('"31,002"', "31002").splitlines()]
    header, rows = lines[0], lines[1:]
    records = [dict(zip(header, row)) for row in rows]
    records[0]["床位数(张)"] = 26458      # numbers as JSON numbers
    records[0]["常住人口(万人)"] = 270.94
    records[1]["常住人口(万人)"] = None   # JSON null
    path.write_text(json.dumps({"data": {"rows": records}}, ensure_ascii=False), encoding="utf-8")


VARIANTS = {
    "utf8.csv": ("csv", lambda p: p.write_bytes(CSV_TEXT.encode("utf-8"))),
    "utf8_bom.csv": ("csv", lambda p: p.write_bytes(b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"))),
    "gbk.csv": ("csv", lambda p: p.write_bytes(CSV_TEXT.replace("\n", "\r\n").encode("gbk"))),
    "gb18030.csv": ("csv", lambda p: p.write_bytes(CSV_TEXT.encode("gb18030"))),
    "multi_header.xlsx": ("xlsx", write_xlsx),
    "records.json": ("json", write_json),
}
OPTIONS = {
    "csv": {},
    "xlsx": {"excel": {"sheet": "床位", "header_rows": [2, 3]}, "file_pattern": "*.xlsx"},
    "json": {"json": {"records_path": "data.rows"}, "file_pattern": "*.json"},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_encoding_and_format_loads_identical_rows(tmp_path, variant):
    fmt, write = VARIANTS[variant]
    path = tmp_path / f"clinic_resources_{variant}"
    write(path)
    base = load_feed_config(FIXTURES / "clinic_resources.yml")
    cfg = FeedConfig.model_validate({**base.model_dump(by_alias=True, exclude_none=True), "format": fmt, **OPTIONS[fmt]})
    with duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME)) as con:
        ensure_tables(con, cfg)
        outcome = load_file(con, cfg, path, tmp_path / "archive",
                            regions=load_region_index(settings.PROJECT_ROOT / "sources" / "reference"))
        assert (outcome.status, outcome.rows_quarantined, outcome.problems) == ("loaded", 0, [])
        rows = con.execute(
            "select region_code, year, hospital_beds, resident_population, elderly_share_pct "
            "from raw.clinic_resources order by region_code, year").fetchall()
        row_numbers = [r[0] for r in con.execute("select _row_number from raw.clinic_resources order by _row_number").fetchall()]
    assert rows == EXPECTED
    # Row numbers point at the file as a person sees it: CSV lines 2-5, sheet rows 4-7, JSON records 1-4.
    assert row_numbers == {"csv": [2, 3, 4, 5], "xlsx": [4, 5, 6, 7], "json": [1, 2, 3, 4]}[fmt]


def test_gbk_bytes_really_differ_from_utf8():
    # Guards the test above against a variant that silently wrote the same bytes.
    assert CSV_TEXT.encode("gbk") != CSV_TEXT.encode("utf-8")
    assert "包头市".encode("gbk") == b"\xb0\xfc\xcd\xb7\xca\xd0"
