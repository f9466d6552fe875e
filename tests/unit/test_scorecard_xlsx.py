"""The scorecards' streaming XLSX writer, read back with openpyxl (a maintained reader as the oracle)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from dagster_project.reports.xlsx import Style, XlsxBook

PUBLISHED = dt.datetime(2026, 12, 1, 15, 48, tzinfo=dt.timezone.utc)


def _book() -> XlsxBook:
    book = XlsxBook()
    header = book.style_id(Style(bold=True, fill="DCE6F1", wrap_centre=True))
    number = book.style_id(Style(number_format="#,##0.00"))
    red_number = book.style_id(Style(fill="D73027", number_format="#,##0.00"))
    ws = book.create_sheet("包头市")
    ws.row(1, [(1, "包头市 健康城市评价报告", book.style_id(Style(bold=True, size=13)))])
    ws.row(3, [(1, "指标代码 Code", header), (2, "2020", header)])
    # 61.35934723… has 17 significant digits in Python; the workbook keeps 16, as openpyxl writes.
    ws.row(4, [(1, "HC17", 0), (2, 61.359347230127684, number), (3, 2020, 0), (4, True, 0),
               (5, None, red_number), (6, "", 0), (7, " a < b & c ", 0)])
    ws.freeze = "C4"
    ws.widths.update({1: 14, 2: 40})
    ws.equal_rules("H5:H9", [('"未达成"', "D73027"), ('"达成"', "1A9850")])
    book.create_sheet("包头市")  # a taken name gets the next number, as openpyxl names it
    return book


def test_cells_styles_and_sheet_settings_read_back_with_openpyxl(tmp_path):
    path = _book().save(tmp_path / "book.xlsx", modified=PUBLISHED)
    wb = load_workbook(path)
    assert wb.sheetnames == ["包头市", "包头市1"]
    ws = wb["包头市"]
    assert ws["A1"].value == "包头市 健康城市评价报告" and ws["A1"].font.b and ws["A1"].font.sz == 13
    assert ws["A3"].font.b and ws["A3"].fill.fgColor.rgb == "00DCE6F1"
    assert ws["A3"].alignment.wrap_text and ws["A3"].alignment.vertical == "center"
    assert ws["B3"].value == "2020"  # a year label stays text
    assert ws["B4"].value == 61.35934723012768 and ws["B4"].number_format == "#,##0.00"
    assert ws["C4"].value == 2020 and isinstance(ws["C4"].value, int)
    assert ws["D4"].value is True
    assert ws["E4"].value is None and ws["E4"].fill.fgColor.rgb == "00D73027" and ws["E4"].number_format == "#,##0.00"
    assert ws["F4"].value is None  # an empty string is an empty cell (as openpyxl writes it)
    assert ws["G4"].value == " a < b & c "
    assert ws["A4"].font.b is False and ws["A4"].fill.fill_type is None
    assert ws.freeze_panes == "C4"
    assert ws.column_dimensions["A"].width == 14 and ws.column_dimensions["B"].width == 40
    rules = [(str(cf.sqref), r.operator, r.formula, r.priority, r.dxf.fill.bgColor.rgb)
             for cf in ws.conditional_formatting for r in cf.rules]
    assert rules == [("H5:H9", "equal", ['"未达成"'], 1, "00D73027"), ("H5:H9", "equal", ['"达成"'], 2, "001A9850")]
    assert wb.properties.modified == PUBLISHED.replace(tzinfo=None)


def test_same_content_same_bytes(tmp_path):
    first = _book().save(tmp_path / "a.xlsx", modified=PUBLISHED)
    second = _book().save(tmp_path / "b.xlsx", modified=PUBLISHED)
    assert first.read_bytes() == second.read_bytes()


def test_bad_input_is_refused_with_the_place_named(tmp_path):
    book = XlsxBook()
    ws = book.create_sheet("s")
    with pytest.raises(ValueError, match="control character"):
        ws.row(1, [(1, "bell\x07", 0)])
    ws.row(2, [(1, 1, 0)])
    with pytest.raises(ValueError, match="row 2 written after row 2"):
        ws.row(2, [(1, 1, 0)])
    with pytest.raises(ValueError, match="column 1 after column 2"):
        ws.row(3, [(2, 1, 0), (1, 1, 0)])
    with pytest.raises(TypeError, match=r"cell A4: cannot write date"):
        ws.row(4, [(1, dt.date(2026, 1, 1), 0)])
    with pytest.raises(ValueError, match="contains one of"):
        book.create_sheet("a/b")
