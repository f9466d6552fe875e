"""Readers return the text a person sees, with the row number a person would look up."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from dagster_project.feeds.config import FeedConfig, load_feed_config
from dagster_project.feeds.reader import _cell_text, read_file

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "feeds" / "clinic_resources.yml"


@pytest.mark.parametrize("value, text", [
    (26458, "26458"), (26458.0, "26458"), (270.94, "270.94"),
    (0.00001, "0.00001"),          # repr() would give "1e-05", which rule R2 rejects
    (1.5e16, "15000000000000000"),
    (None, None), (True, "True"),
])
def test_cell_text_never_uses_exponent_notation(value, text):
    assert _cell_text(value) == text


def test_merged_headers_label_every_column_they_span(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["表1 医疗卫生资源"])                       # row 1: title, merged across
    ws.merge_cells("A1:F1")
    ws.append([])                                         # row 2: empty spacer row
    ws.append(["地区", "资源", None, "老年人口占比", None, None])  # row 3
    ws.append([None, "床位数(张)", "常住人口(万人)", None, "备注说明", None])  # row 4
    for rng in ("A3:A4", "B3:C3", "D3:D4"):
        ws.merge_cells(rng)
    ws.append(["包头市", 26458, 270.94, "20.19%", None])  # row 5
    ws.append(["赤峰市", 12000, 403.6, "19.5%", "含部队医院"])  # row 6
    ws.append(["合计", 38458, 674.54, None, None])          # row 7
    ws.append(["枣庄市", 31002, 385.6, "19.8%", None])      # row 8
    ws.append([None, 31050, 385.7, "19.9%", None])          # row 9
    ws.merge_cells("A8:A9")                                # a region merged down over two rows
    path = tmp_path / "t.xlsx"
    wb.save(path)
    base = load_feed_config(FIXTURE)
    cfg = FeedConfig.model_validate({**base.model_dump(by_alias=True, exclude_none=True),
                                     "format": "xlsx", "excel": {"header_rows": [3, 4]}})
    table = read_file(path, cfg)
    # E has no upper header cell and is not merged: it must not inherit "老年人口占比";
    # the empty column F is formatting and is dropped.
    assert table.header == ["地区", "资源/床位数(张)", "资源/常住人口(万人)", "老年人口占比", "备注说明"]
    assert [(r.row_number, r.values[0], r.values[4]) for r in table.rows] == [
        (5, "包头市", None), (6, "赤峰市", "含部队医院"), (7, "合计", None), (8, "枣庄市", None), (9, "枣庄市", None)]


def test_wrong_encoding_far_into_a_large_file_names_byte_and_line(tmp_path):
    """The encoding is checked in one streaming pass; the byte and line are those of the whole file."""
    import duckdb

    from dagster_project.feeds.reader import FileRejected, stage_file

    cfg = load_feed_config(FIXTURE).model_copy(update={"encoding": "utf-8"})
    line = "包头市,2020,26458\n".encode("utf-8")
    body = "地区,年份,床位数(张)\n".encode("utf-8") + line * 300_000  # about 6 MB, past the 4 MB chunk
    path = tmp_path / "big.csv"
    path.write_bytes(body + "赤峰市".encode("gbk") + b",2021,12000\n")
    with pytest.raises(FileRejected) as exc:
        stage_file(duckdb.connect(), path, cfg, "_s0", tmp_path)
    assert str(exc.value) == (f"big.csv: wrong encoding: not valid utf-8 at byte {len(body)} (line 300002); "
                              "declare the right 'encoding' in clinic_resources.yml or use 'auto'")
