"""The scorecards as one Excel workbook: 总览 sheets per comparison group, then one sheet per region
(Chinese sheet names, at most 31 characters), frozen header rows, number formats and fills by target
status (static fills, plus conditional-format rules so edited statuses recolour).

Written by the small streaming writer in xlsx.py (openpyxl reads it back; building 2.5 million
openpyxl cell objects was most of the national run's time)."""

from __future__ import annotations

import re
from pathlib import Path

from dagster_project.reports.data import STATUS, INDEX_COLUMNS, Snapshot, attention_list
from dagster_project.reports.xlsx import Style, XlsxBook

NUMBER_FORMAT = "#,##0.00"
HEADER = Style(bold=True, fill="DCE6F1", wrap_centre=True)
TITLE = Style(bold=True, size=13)
SECTION = Style(bold=True, size=12)
NUMBER = Style(number_format=NUMBER_FORMAT)
# (status fill or None, number?) → style of a target cell, and a status fill on a number cell
TARGET_STYLES = {(colour, number): Style(fill=colour, number_format=NUMBER_FORMAT if number else "General")
                 for colour in [None, *dict.fromkeys(c.lstrip("#").upper() for _, c, _ in STATUS.values())]
                 for number in (False, True)}  # in STATUS order: the style ids, and so the bytes, never vary
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
TARGET_NUMBER_COLUMNS = (6, 11, 12, 13, 14, 15)
TARGET_FILLED_COLUMNS = (8, 9, 11)
TARGET_LABELS = ["目标编号 Target", "规划文件 Plan", "指标代码 Code", "目标 Target text", "比较 Comparator",
                 "目标值 Target value", "目标年 Target year", "状态 Status", "Status (en)", "判定年 Judged year",
                 "判定值 Judged value", "最新值 Latest value", "预测值 Projected", "预测下限 Low", "预测上限 High",
                 "置信度 Confidence", "不可比原因 Not comparable because", "需要关注 Attention rank"]


def status_colour(status: str | None) -> str | None:
    """The status colour as RRGGBB (the fill of status cells), None for an unknown status."""
    if status not in STATUS:
        return None
    return STATUS[status][1].lstrip("#").upper()


def sheet_title(name: str, code: str, used: set[str]) -> str:
    """Chinese name first, ≤ 31 characters, unique; the code is added when the name is taken or cut."""
    base = INVALID_SHEET_CHARS.sub("_", name)
    title = base if len(base) <= 31 else base[: 31 - len(code) - 1] + "_" + code
    if title in used:
        title = (base[: 31 - len(code) - 1] + "_" + code)[:31]
    used.add(title)
    return title


class _Ids:
    """The workbook's style ids, looked up once per book (a national book has 2.5 million cells)."""

    def __init__(self, book: XlsxBook):
        self.header = book.style_id(HEADER)
        self.title = book.style_id(TITLE)
        self.section = book.style_id(SECTION)
        self.number = book.style_id(NUMBER)
        self.target = {key: book.style_id(style) for key, style in TARGET_STYLES.items()}


def _header(ws, row: int, labels: list[str], ids: _Ids) -> None:
    ws.row(row, [(col, label, ids.header) for col, label in enumerate(labels, start=1)])


def _status_rules(ws, cell_range: str) -> None:
    ws.equal_rules(cell_range, [(f'"{zh}"', colour.lstrip("#").upper()) for zh, colour, _ in STATUS.values()])


def write_region_sheet(ws, snapshot: Snapshot, region, ids: _Ids) -> None:
    years = region.years()
    number = ids.number
    ws.row(1, [(1, f"{region.name_zh} 健康城市评价报告 Healthy City scorecard ({region.code})", ids.title)])
    ws.row(2, [(1, f"数据来源 Source: {snapshot.path.name}, 发布于 published "
                   f"{snapshot.published_at.isoformat(timespec='minutes')}", 0)])
    # Indicators: one row per indicator, one column per year (header row 3, frozen with the code and name).
    labels = ["指标代码 Code", "指标 Indicator", "单位 Unit", *[str(y) for y in years], "来源 Source", "数据日期 As of"]
    _header(ws, 3, labels, ids)
    ws.freeze = "C4"
    row = 4
    year_columns = list(enumerate(years, start=4))
    index_rows = [region.index.get(y) or {} for y in years]
    for col, zh, en in INDEX_COLUMNS:
        cells = [(1, col, 0), (2, f"{zh} {en}", 0), (3, "0-100", 0)]
        cells += [(j, v, number) for (j, _), idx in zip(year_columns, index_rows) if (v := idx.get(col)) is not None]
        ws.row(row, cells)
        row += 1
    n = len(years)
    for code in sorted(region.values):
        ind = snapshot.indicators.get(code)
        series = region.values[code]
        feeds = snapshot.feeds.get((region.code, code))
        cells = [(1, code, 0), (2, f"{ind.name_zh} {ind.name_en}" if ind else code, 0), (3, ind.unit if ind else "", 0)]
        cells += [(j, v, number) for j, y in year_columns if (v := series.get(y)) is not None]
        cells += [(4 + n, ", ".join(feeds) if feeds else (ind.source_feeds if ind else ""), 0),
                  (5 + n, snapshot.data_as_of.get((region.code, code), ""), 0)]
        ws.row(row, cells)
        row += 1
    # Targets below, with their own header row.
    row += 1
    ws.row(row, [(1, "规划目标 Plan targets", ids.section)])
    row += 1
    _header(ws, row, TARGET_LABELS, ids)
    first = row + 1
    rank = {t["target_id"]: i for i, t in enumerate(attention_list(snapshot, region), start=1)} if region.targets else {}
    for t in region.targets:
        row += 1
        status = t.get("status")
        values = [t["target_id"], t.get("plan_document"), t.get("indicator_code"), t.get("indicator_text_zh"),
                  t.get("comparator"), t.get("target_value"), t.get("target_year"), STATUS.get(status, (status,))[0],
                  status, t.get("status_year"), t.get("status_value"), t.get("latest_value"), t.get("projected_value"),
                  t.get("projection_low"), t.get("projection_high"), t.get("projection_confidence"),
                  t.get("not_comparable_reason"), rank.get(t["target_id"])]
        fill = status_colour(status)
        ws.row(row, [(col, v, ids.target[fill if fill is not None and col in TARGET_FILLED_COLUMNS else None,
                                          col in TARGET_NUMBER_COLUMNS and v is not None])
                     for col, v in enumerate(values, start=1)])
    if region.targets:
        _status_rules(ws, f"H{first}:H{row}")
    ws.widths[1] = 14
    ws.widths[2] = 40
    for col in range(3, max(len(labels), len(TARGET_LABELS)) + 1):
        ws.widths[col] = 12


def write_overview_sheet(ws, snapshot: Snapshot, group, ids: _Ids) -> None:
    from dagster_project.reports.scorecard import cell_status, overview_indicators, overview_year

    year = overview_year(snapshot, group)
    codes = overview_indicators(snapshot, group, year)
    ws.row(1, [(1, f"{group.name} 总览 Overview {year}", ids.title)])
    _header(ws, 2, ["地区代码 Code", "地区 Region", "指数 Index", "排名 Rank", *codes], ids)
    ws.freeze = "C3"
    indicator_columns = list(enumerate(codes, start=5))
    for i, code in enumerate(group.regions, start=3):
        r = snapshot.regions[code]
        idx = r.index.get(year) or {}
        cells = [(1, code, 0), (2, r.name_zh, 0), (3, idx.get("healthy_city_index"), ids.number),
                 (4, (f'{idx["rank_in_group"]}/{idx.get("regions_in_group")}'
                      if idx.get("is_rankable") and idx.get("rank_in_group") else idx.get("not_ranked_reason")), 0)]
        cells += [(j, r.values.get(ind, {}).get(year), ids.target[status_colour(cell_status(r, ind)), True])
                  for j, ind in indicator_columns]
        ws.row(i, cells)
    ws.widths[2] = 28


def write_workbook(snapshot: Snapshot, groups, path: Path) -> Path:
    wb = XlsxBook()
    ids = _Ids(wb)
    used: set[str] = set()
    for g in groups:
        title = sheet_title(f"总览_{g.name}", "", used) if len(groups) > 1 else sheet_title("总览", "", used)
        write_overview_sheet(wb.create_sheet(title), snapshot, g, ids)
    for code, region in sorted(snapshot.regions.items()):
        write_region_sheet(wb.create_sheet(sheet_title(region.name_zh, code, used)), snapshot, region, ids)
    # the document's dates are the snapshot's: the same snapshot gives the same file
    return wb.save(path, modified=snapshot.published_at)

