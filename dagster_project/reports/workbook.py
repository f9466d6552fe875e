"""The scorecards as one Excel workbook (openpyxl): 总览 sheets per comparison group, then one sheet
per region (Chinese sheet names, at most 31 characters), frozen header rows, number formats and
fills by target status (static fills, plus conditional-format rules so edited statuses recolour)."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dagster_project.reports.data import STATUS, INDEX_COLUMNS, Snapshot, attention_list

NUMBER_FORMAT = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
BOLD = Font(bold=True)
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def status_fill(status: str | None) -> PatternFill | None:
    if status not in STATUS:
        return None
    return PatternFill("solid", fgColor=STATUS[status][1].lstrip("#").upper())


def sheet_title(name: str, code: str, used: set[str]) -> str:
    """Chinese name first, ≤ 31 characters, unique; the code is added when the name is taken or cut."""
    base = INVALID_SHEET_CHARS.sub("_", name)
    title = base if len(base) <= 31 else base[: 31 - len(code) - 1] + "_" + code
    if title in used:
        title = (base[: 31 - len(code) - 1] + "_" + code)[:31]
    used.add(title)
    return title


def _header(ws, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _status_rules(ws, cell_range: str) -> None:
    for status, (zh, colour, _) in STATUS.items():
        fill = PatternFill("solid", bgColor=colour.lstrip("#").upper(), fgColor=colour.lstrip("#").upper())
        ws.conditional_formatting.add(cell_range, CellIsRule(operator="equal", formula=[f'"{zh}"'], fill=fill))


def write_region_sheet(ws, snapshot: Snapshot, region) -> None:
    years = region.years()
    ws.cell(row=1, column=1, value=f"{region.name_zh} 健康城市评价报告 Healthy City scorecard ({region.code})").font = Font(bold=True, size=13)
    ws.cell(row=2, column=1, value=f"数据来源 Source: {snapshot.path.name}, 发布于 published "
                                   f"{snapshot.published_at.isoformat(timespec='minutes')}")
    # Indicators: one row per indicator, one column per year (header row 3, frozen with the code and name).
    labels = ["指标代码 Code", "指标 Indicator", "单位 Unit", *[str(y) for y in years], "来源 Source", "数据日期 As of"]
    _header(ws, 3, labels)
    ws.freeze_panes = "C4"
    row = 4
    for col, zh, en in INDEX_COLUMNS:
        ws.cell(row=row, column=1, value=col)
        ws.cell(row=row, column=2, value=f"{zh} {en}")
        ws.cell(row=row, column=3, value="0-100")
        for j, y in enumerate(years):
            v = (region.index.get(y) or {}).get(col)
            if v is not None:
                c = ws.cell(row=row, column=4 + j, value=v)
                c.number_format = NUMBER_FORMAT
        row += 1
    for code in sorted(region.values):
        ind = snapshot.indicators.get(code)
        ws.cell(row=row, column=1, value=code)
        ws.cell(row=row, column=2, value=f"{ind.name_zh} {ind.name_en}" if ind else code)
        ws.cell(row=row, column=3, value=ind.unit if ind else "")
        for j, y in enumerate(years):
            v = region.values[code].get(y)
            if v is not None:
                c = ws.cell(row=row, column=4 + j, value=v)
                c.number_format = NUMBER_FORMAT
        feeds = snapshot.feeds.get((region.code, code))
        ws.cell(row=row, column=4 + len(years), value=", ".join(feeds) if feeds else (ind.source_feeds if ind else ""))
        ws.cell(row=row, column=5 + len(years), value=snapshot.data_as_of.get((region.code, code), ""))
        row += 1
    # Targets below, with their own header row.
    row += 1
    ws.cell(row=row, column=1, value="规划目标 Plan targets").font = Font(bold=True, size=12)
    row += 1
    target_labels = ["目标编号 Target", "规划文件 Plan", "指标代码 Code", "目标 Target text", "比较 Comparator",
                     "目标值 Target value", "目标年 Target year", "状态 Status", "Status (en)", "判定年 Judged year",
                     "判定值 Judged value", "最新值 Latest value", "预测值 Projected", "预测下限 Low", "预测上限 High",
                     "置信度 Confidence", "不可比原因 Not comparable because", "需要关注 Attention rank"]
    _header(ws, row, target_labels)
    first = row + 1
    rank = {t["target_id"]: i for i, t in enumerate(attention_list(snapshot, region), start=1)}
    for t in region.targets:
        row += 1
        status = t.get("status")
        values = [t["target_id"], t.get("plan_document"), t.get("indicator_code"), t.get("indicator_text_zh"),
                  t.get("comparator"), t.get("target_value"), t.get("target_year"), STATUS.get(status, (status,))[0],
                  status, t.get("status_year"), t.get("status_value"), t.get("latest_value"), t.get("projected_value"),
                  t.get("projection_low"), t.get("projection_high"), t.get("projection_confidence"),
                  t.get("not_comparable_reason"), rank.get(t["target_id"])]
        for col, v in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=v)
            if col in (6, 11, 12, 13, 14, 15) and v is not None:
                c.number_format = NUMBER_FORMAT
        fill = status_fill(status)
        if fill:
            for col in (8, 9, 11):
                ws.cell(row=row, column=col).fill = fill
    if region.targets:
        _status_rules(ws, f"H{first}:H{row}")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 40
    for col in range(3, max(len(labels), len(target_labels)) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 12


def write_overview_sheet(ws, snapshot: Snapshot, group) -> None:
    from dagster_project.reports.scorecard import cell_status, overview_indicators, overview_year

    year = overview_year(snapshot, group)
    codes = overview_indicators(snapshot, group, year)
    ws.cell(row=1, column=1, value=f"{group.name} 总览 Overview {year}").font = Font(bold=True, size=13)
    _header(ws, 2, ["地区代码 Code", "地区 Region", "指数 Index", "排名 Rank", *codes])
    ws.freeze_panes = "C3"
    for i, code in enumerate(group.regions, start=3):
        r = snapshot.regions[code]
        idx = r.index.get(year) or {}
        ws.cell(row=i, column=1, value=code)
        ws.cell(row=i, column=2, value=r.name_zh)
        c = ws.cell(row=i, column=3, value=idx.get("healthy_city_index"))
        c.number_format = NUMBER_FORMAT
        ws.cell(row=i, column=4, value=(f'{idx["rank_in_group"]}/{idx.get("regions_in_group")}'
                                        if idx.get("is_rankable") and idx.get("rank_in_group") else idx.get("not_ranked_reason")))
        for j, ind in enumerate(codes, start=5):
            c = ws.cell(row=i, column=j, value=r.values.get(ind, {}).get(year))
            c.number_format = NUMBER_FORMAT
            fill = status_fill(cell_status(r, ind))
            if fill:
                c.fill = fill
    ws.column_dimensions["B"].width = 28


def write_workbook(snapshot: Snapshot, groups, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for g in groups:
        title = sheet_title(f"总览_{g.name}", "", used) if len(groups) > 1 else sheet_title("总览", "", used)
        write_overview_sheet(wb.create_sheet(title), snapshot, g)
    for code, region in sorted(snapshot.regions.items()):
        write_region_sheet(wb.create_sheet(sheet_title(region.name_zh, code, used)), snapshot, region)
    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
