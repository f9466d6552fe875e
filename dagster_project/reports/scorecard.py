"""健康城市评价报告 · The administrator's scorecard: one self-contained HTML page per region and year,
an overview per comparison group with a choropleth, and the same in one workbook.

Reads only the published snapshot (settings.published_path()), read-only, so the pages always
match what analysts see. Writes settings.reports_dir()/scorecards/ (see docs/scorecards.md).
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.reports import maps, templates
from dagster_project.reports.data import (
    INDEX_COLUMNS, LEVEL1_EN, STATUS, Region, Snapshot, attention_list, load_snapshot,
)

COMPARATOR_TEXT = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "=", "≈": "≈",
                   "increase": "逐年提高 increase", "decrease": "稳步下降 decrease", "range": "区间 range",
                   "increase_by": "提高 increase by", "decrease_by": "降低 decrease by"}
CONFIDENCE_ZH = {"high": "高 high", "medium": "中 medium", "low": "低 low"}


def scorecards_dir() -> Path:
    return settings.warehouse_path().parent / "reports" / "scorecards"


def esc(v) -> str:
    if v is None:
        return ""
    if type(v) is str:
        return _esc_text(v)
    return html.escape(str(v))


@functools.lru_cache(maxsize=65536)  # codes, names, units, feeds and dates repeat on every page
def _esc_text(text: str) -> str:
    return html.escape(text)


def fmt(v, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return f"{v:,}"
    return f"{v:,.{digits}f}"


def status_chip(status: str | None) -> str:
    if not status:
        return ""
    zh, colour, _ = STATUS.get(status, (status, "#fff", 0))
    ink = ";color:#fff" if status in ("met", "not met") else ""
    return (f'<span class="status" data-status="{esc(status)}" style="background:{colour}{ink}">'
            f'{esc(zh)} <span class="en" style="color:inherit">{esc(status)}</span></span>')


def sparkline(series: dict[int, float], target: float | None = None, projection: tuple | None = None,
              width: int = 120, height: int = 30) -> str:
    """Inline SVG trend: the values (line + dots), the target (dashed) and the projection (hollow dot)."""
    pts = sorted((y, v) for y, v in series.items() if v is not None)
    if not pts:
        return '<span class="muted">—</span>'
    ys = [v for _, v in pts] + ([target] if target is not None else [])
    years = [y for y, _ in pts]
    if projection and projection[1] is not None:
        ys.append(projection[1])
        years.append(projection[0])
    lo, hi = min(ys), max(ys)
    span = (hi - lo) or (abs(hi) or 1.0)
    y0, y1 = min(years), max(years)
    xs = (y1 - y0) or 1

    def px(y):
        return 3 + (y - y0) / xs * (width - 6)

    def py(v):
        return height - 3 - (v - lo) / span * (height - 6)

    # each point's position is worked out once (the same arithmetic as px/py, inlined: a national
    # build draws ~150,000 sparklines) and shared by the line and the dots
    w6, h3, h6 = width - 6, height - 3, height - 6
    xy = [(f"{3 + (y - y0) / xs * w6:.1f}", f"{h3 - (v - lo) / span * h6:.1f}") for y, v in pts]
    # the title holds only digits, signs, separators and spaces: nothing to escape
    parts = [f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img"><title>{", ".join([f"{y}: {v:,.2f}" for y, v in pts])}</title>']
    if target is not None:
        parts.append(f'<line x1="0" x2="{width}" y1="{py(target):.1f}" y2="{py(target):.1f}" stroke="#d73027" '
                     'stroke-dasharray="3,2" stroke-width="1"/>')
    if len(pts) > 1:
        parts.append('<polyline fill="none" stroke="#2b6cb0" stroke-width="1.5" points="'
                     + " ".join(f"{x},{y}" for x, y in xy) + '"/>')
    parts.extend(f'<circle cx="{x}" cy="{y}" r="1.8" fill="#2b6cb0"/>' for x, y in xy)
    if projection and projection[1] is not None:
        parts.append(f'<circle cx="{px(projection[0]):.1f}" cy="{py(projection[1]):.1f}" r="2.5" fill="none" '
                     'stroke="#6b46c1" stroke-width="1.2"/>')
    parts.append("</svg>")
    return "".join(parts)


def page(title: str, body: str, snapshot: Snapshot, script: str = "") -> str:
    footer = (f"数据来源：已发布快照 / Source: the published snapshot {esc(snapshot.path.name)}, "
              f"发布于 published {snapshot.published_at.isoformat(timespec='minutes')}. "
              "健康城市数据仓库 Healthy City Warehouse · docs/scorecards.md")
    return templates.PAGE.format(title=esc(title), css=templates.CSS, body=body, footer=footer,
                                 script=f"<script>{script}</script>" if script else "")


def latest_year(region: Region) -> int | None:
    """The year a region's page shows: its latest evaluated year (an index), else its latest year with
    values; a later year holding only an incomplete air-quality value is not a scorecard year."""
    if region.index:
        return max(region.index)
    years = region.years()
    return years[-1] if years else None


def file_name(region_code: str, year: int) -> str:
    return f"{region_code}_{year}.html"


def group_slug(group: str) -> str:
    return re.sub(r"[^\w\-]+", "_", group, flags=re.UNICODE).strip("_") or "all"


def _as_of(snapshot: Snapshot, region: Region, code: str) -> str:
    """The latest load date of the feeds behind the value (from its lineage), else the snapshot's date."""
    return snapshot.data_as_of.get((region.code, code)) or snapshot.published_at.date().isoformat()


def _source(snapshot: Snapshot, region: Region, code: str) -> str:
    feeds = snapshot.feeds.get((region.code, code))
    if feeds:
        return ", ".join(feeds)
    ind = snapshot.indicators.get(code)
    return ind.source_feeds if ind else ""


def _target_text(t: dict) -> str:
    comp = COMPARATOR_TEXT.get(t.get("comparator"), t.get("comparator") or "")
    if t.get("comparator") in ("increase", "decrease"):
        return comp
    if t.get("target_value") is None:
        return comp
    if t.get("comparator") == "range":
        return f"{fmt(t.get('target_value'))}–{fmt(t.get('target_value_max'))}"
    return f"{comp} {fmt(t.get('target_value'))}"


def _projection_text(t: dict) -> str:
    if t.get("projected_value") is None:
        return '<span class="muted">—</span>'
    conf = CONFIDENCE_ZH.get(t.get("projection_confidence"), t.get("projection_confidence") or "")
    return (f'<span class="num">{fmt(t["projected_value"])}</span> '
            f'<span class="muted">[{fmt(t.get("projection_low"))}, {fmt(t.get("projection_high"))}] '
            f'{t.get("target_year")} · 置信度 {esc(conf)}</span>')


def index_section(snapshot: Snapshot, region: Region, year: int) -> str:
    row = region.index.get(year)
    prev = region.index.get(year - 1)
    if row is None:
        return ('<h2>健康城市指数 <span class="en">Healthy City Index</span></h2>'
                f'<p class="muted">{year} 年无指数 / no index for {year} '
                '(指数只对评价单位按年计算 / the index is computed per year for evaluation units).</p>')
    cards = []
    for col, zh, en in INDEX_COLUMNS:
        value = row.get(col)
        change = None if prev is None or value is None or prev.get(col) is None else value - prev[col]
        series = {y: r.get(col) for y, r in region.index.items()}
        change_text = "—" if change is None else f"{change:+.2f}"
        cards.append(f'<div class="card" data-index="{col}"><div>{zh} <span class="en">{en}</span></div>'
                     f'<div class="big num" data-value="{col}">{fmt(value)}</div>'
                     f'<div>比上年 change on {year - 1}: <span class="num">{change_text}</span></div>'
                     f'{sparkline(series)}</div>')
    if row.get("is_rankable") and row.get("rank_in_group") is not None:
        rank = (f'组内排名 Rank in group: <b data-rank="{row["rank_in_group"]}">{row["rank_in_group"]}</b> / '
                f'{row.get("regions_in_group")}')
    else:
        rank = f'不排名 Not ranked: {esc(row.get("not_ranked_reason") or "—")}'
    group = esc(row.get("comparison_group") or "—")
    coverage = row.get("weight_coverage")
    return (f'<h2 id="index">健康城市指数 <span class="en">Healthy City Index</span> · {year}</h2>'
            f'<p>比较组 Comparison group: {group} · {rank} · '
            f'权重覆盖 Weight coverage: {fmt(None if coverage is None else 100 * coverage, 1)} %</p>'
            f'<div class="cards">{"".join(cards)}</div>')


def attention_section(snapshot: Snapshot, region: Region) -> str:
    items = attention_list(snapshot, region)
    out = ['<h2 id="attention">需要关注 <span class="en">What needs attention</span></h2>']
    if not items:
        out.append('<p>没有未达成或进度滞后的目标 / no target is not met or off track.</p>')
        return "".join(out)
    out.append('<p class="muted">按与目标的相对差距除以剩余年数排序 / ranked by the relative distance to the '
               'target divided by the years left (a past-due target counts as one).</p><ol class="attention">')
    for t in items[:10]:
        distance = "—" if t["distance"] is None else f"{100 * t['distance']:.1f} %"
        out.append(f'<li data-target="{esc(t["target_id"])}">{status_chip(t["status"])} '
                   f'<b>{esc(t.get("indicator_text_zh"))}</b> ({esc(t["target_id"])}, {esc(t.get("indicator_code"))}): '
                   f'{fmt(t.get("status_value"))} ({esc(t.get("status_year"))}) vs 目标 target {esc(_target_text(t))} '
                   f'{esc(t.get("unit_as_written"))} by {esc(t.get("target_year"))}; 差距 distance {distance}, '
                   f'剩余 years left {t["years_left"]}</li>')
    out.append("</ol>")
    return "".join(out)


def indicator_section(snapshot: Snapshot, region: Region, year: int) -> str:
    out = ['<h2 id="indicators">指标 <span class="en">Indicators</span></h2>',
           '<table class="indicators"><thead><tr><th>代码 Code</th><th>指标 Indicator</th>'
           f'<th>{year} 值 Value</th><th>单位 Unit</th><th>趋势 Trend</th><th>年份 Years</th>'
           '<th>来源 Source</th><th>数据日期 As of</th></tr></thead><tbody>']
    by_level: dict[str, list[str]] = {}
    for code in sorted(region.values):
        ind = snapshot.indicators.get(code)
        by_level.setdefault(ind.level1_zh if ind else "", []).append(code)
    for level, codes in by_level.items():
        out.append(f'<tr><th colspan="8">{esc(level or "其他")} <span class="en">{esc(LEVEL1_EN.get(level, "Other"))}</span></th></tr>')
        for code in codes:
            ind = snapshot.indicators.get(code)
            series = region.values[code]
            value = series.get(year)
            years = sorted(series)
            flagged = region.incomplete.get(code, set())
            note = f' <span class="muted">(不完整年份 incomplete: {", ".join(map(str, sorted(flagged)))})</span>' if flagged else ""
            out.append(
                f'<tr data-indicator="{esc(code)}"><td>{esc(code)}</td>'
                f'<td>{esc(ind.name_zh if ind else code)} <span class="en">{esc(ind.name_en if ind else "")}</span>{note}</td>'
                f'<td class="num" data-value="{esc(code)}">{fmt(value)}</td><td>{esc(ind.unit if ind else "")}</td>'
                f'<td>{sparkline(series)}</td><td>{years[0]}–{years[-1]}</td>'
                f'<td>{esc(_source(snapshot, region, code))}</td><td>{esc(_as_of(snapshot, region, code))}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def target_section(snapshot: Snapshot, region: Region) -> str:
    out = ['<h2 id="targets">规划目标 <span class="en">Plan targets</span></h2>']
    if not region.targets:
        out.append('<p class="muted">本地区没有收录规划目标 / no plan targets for this region.</p>')
        return "".join(out)
    counts: dict[str, int] = {}
    for t in region.targets:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    out.append('<p class="legend">' + " ".join(f'{status_chip(s)} {n}' for s, n in
                                               sorted(counts.items(), key=lambda kv: -STATUS.get(kv[0], ("", "", 0))[2])) + "</p>")
    plans: dict[str, dict[str, list[dict]]] = {}
    for t in region.targets:
        ind = snapshot.indicators.get(t.get("indicator_code") or "")
        level = ind.level1_zh if ind else "其他"
        plans.setdefault(t.get("plan_document") or "—", {}).setdefault(level, []).append(t)
    for plan, levels in plans.items():
        out.append(f'<h3>{esc(plan)}</h3><div class="wide"><table class="targets"><thead><tr><th>编号 ID</th><th>目标 Target</th>'
                   '<th>目标值 Target value</th><th>目标年 Year</th><th>状态 Status</th><th>判定值 Judged value</th>'
                   '<th>最新值 Latest</th><th>趋势 Trend</th><th>预测 Projection [95 % interval]</th>'
                   '<th>来源 Source · 日期 As of</th></tr></thead><tbody>')
        for level, items in sorted(levels.items()):
            out.append(f'<tr><th colspan="10">{esc(level)} <span class="en">{esc(LEVEL1_EN.get(level, "Other"))}</span></th></tr>')
            for t in items:
                code = t.get("indicator_code") or ""
                ind = snapshot.indicators.get(code)
                series = region.values.get(code, {})
                reason = (f'<div class="muted">{esc(t.get("not_comparable_reason"))}</div>'
                          if t.get("status") == "not comparable" and t.get("not_comparable_reason") else "")
                proj = (t.get("target_year"), t.get("projected_value")) if t.get("projected_value") is not None else None
                target_for_chart = t.get("target_value") if t.get("comparator") not in ("increase", "decrease") else None
                source = f'{esc(_source(snapshot, region, code))} · {esc(_as_of(snapshot, region, code))}' if series else "—"
                out.append(
                    f'<tr data-target="{esc(t["target_id"])}"><td>{esc(t["target_id"])}</td>'
                    f'<td>{esc(t.get("indicator_text_zh"))} <span class="muted">{esc(code)}</span>{reason}</td>'
                    f'<td class="num">{esc(_target_text(t))} {esc(t.get("unit_as_written"))}</td>'
                    f'<td>{esc(t.get("target_year"))}</td><td>{status_chip(t.get("status"))}</td>'
                    f'<td class="num" data-status-value="{esc(t["target_id"])}">{fmt(t.get("status_value"))}'
                    f'{" (" + esc(t.get("status_year")) + ")" if t.get("status_year") else ""}</td>'
                    f'<td class="num">{fmt(t.get("latest_value"))}'
                    f'{" (" + esc(t.get("latest_year")) + ")" if t.get("latest_year") else ""}</td>'
                    f'<td>{sparkline(series, target_for_chart, proj) if series else "—"}</td>'
                    f'<td class="proj">{_projection_text(t)}</td><td>{source}</td></tr>')
        out.append("</tbody></table></div>")
    return "".join(out)


def caveats_section(snapshot: Snapshot, region: Region, year: int) -> str:
    notes = []
    for code, years in sorted(region.incomplete.items()):
        notes.append(f"{esc(code)}：不完整年份 incomplete year(s) {', '.join(map(str, sorted(years)))}，按不完整数据计算 / computed on incomplete data.")
    stale = [c for c, s in region.values.items() if s and max(s) < year]
    if stale:
        notes.append(f"{len(stale)} 个指标没有 {year} 年的值，显示最近年份 / {len(stale)} indicator(s) have no {year} "
                     f"value (older years shown): {esc(', '.join(sorted(stale)))}.")
    not_computed = sorted(c for c in region.values if c in snapshot.indicators
                          and snapshot.indicators[c].status not in ("computed", ""))
    if not_computed:
        notes.append("以下指标为发布值而非计算值 / published, not computed here: " + esc(", ".join(not_computed)) + ".")
    counts = {}
    for t in region.targets:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    if counts.get("no data"):
        notes.append(f"{counts['no data']} 个目标无数据 / targets have no data to judge them.")
    if counts.get("not comparable"):
        notes.append(f"{counts['not comparable']} 个目标不可比（原因见表）/ targets are not comparable (reason in the table).")
    row = region.index.get(year)
    if row and row.get("weight_coverage") is not None and row["weight_coverage"] < 1:
        notes.append(f"指数只覆盖 {100 * row['weight_coverage']:.1f} % 的权重 / the index covers "
                     f"{100 * row['weight_coverage']:.1f} % of the scored weights; missing indicators are left out.")
    low = [t["target_id"] for t in region.targets if t.get("projection_confidence") == "low"]
    if low:
        notes.append(f"{len(low)} 个预测置信度低，视为“目前趋势”而非预报 / low-confidence projections: read as the trend so far.")
    if not notes:
        return ""
    return ('<h2 id="caveats">数据质量说明 <span class="en">Data-quality caveats</span></h2><div class="caveat"><ul>'
            + "".join(f"<li>{n}</li>" for n in notes) + "</ul></div>")


def locator(region: Region, year: int) -> str:
    """A small map placing the region in its province (its prefecture, or a dot inside it)."""
    pref = region.prefecture_code or (region.code if region.is_prefecture else None)
    if pref not in maps.load_boundaries():
        return ""
    layer = maps.Layer("index", "健康城市指数 Healthy City Index",
                       {region.code: (region.index.get(year) or {}).get("healthy_city_index")})
    svg = maps.choropleth([maps.MapRegion(region.code, region.name_zh, pref, region.is_prefecture)], [layer],
                          element_id="locator", display_width=300, locator=True)
    return f'<div class="locator" style="float:right;margin:0 0 8px 12px">{svg}</div>'


def render_region(snapshot: Snapshot, region: Region, year: int, years: list[int], overview_file: str | None) -> str:
    province = f"{esc(region.province_name_zh)} · " if region.province_name_zh else ""
    nav = ""
    if len(years) > 1:
        nav = ("<nav>年份 Year: " + " ".join(
            f'<a href="{file_name(region.code, y)}">{y}</a>' if y != year else f"<b>{y}</b>" for y in years) + "</nav>")
    if overview_file:
        nav += f'<nav><a href="{esc(overview_file)}">比较组总览 Group overview</a></nav>'
    body = (f'<h1>{esc(region.name_zh)} 健康城市评价报告 <span class="en">Healthy City scorecard</span></h1>'
            f'<p>{province}代码 code <b data-region-code>{esc(region.code)}</b> · 年份 year <b>{year}</b> · '
            f'评价年 evaluation year {snapshot.evaluation_year}</p>{nav}'
            + locator(region, year) + index_section(snapshot, region, year) + attention_section(snapshot, region)
            + indicator_section(snapshot, region, year) + target_section(snapshot, region)
            + caveats_section(snapshot, region, year))
    return page(f"{region.name_zh} {year} 健康城市评价报告", body, snapshot)


@dataclass(frozen=True)
class Group:
    key: str           # file slug
    name: str          # comparison group (or province) as shown
    regions: tuple[str, ...]


def groups(snapshot: Snapshot) -> list[Group]:
    """Comparison groups of the index; regions without an index are grouped by province."""
    by: dict[str, list[str]] = {}
    for code, r in sorted(snapshot.regions.items()):
        name = r.comparison_group or (f"{r.province_name_zh or '其他'}（无指数 no index）")
        by.setdefault(name, []).append(code)
    out = [Group(group_slug(name), name, tuple(codes)) for name, codes in sorted(by.items())]
    if len(out) > 1:  # and every region on one map, for the office that oversees them all
        out.insert(0, Group("all", "全部地区 All regions", tuple(sorted(snapshot.regions))))
    return out


def overview_year(snapshot: Snapshot, group: Group) -> int:
    years = [y for c in group.regions for y in snapshot.regions[c].index] or \
            [y for c in group.regions for y in snapshot.regions[c].years()]
    return max(years)


def overview_indicators(snapshot: Snapshot, group: Group, year: int) -> list[str]:
    return sorted({code for c in group.regions for code, s in snapshot.regions[c].values.items() if year in s})


def cell_status(region: Region, code: str) -> str | None:
    """The worst status of the region's targets on one indicator (None: no target on it)."""
    return region.worst_status_by_indicator.get(code)


def render_overview(snapshot: Snapshot, group: Group, pages: dict[str, str]) -> str:
    year = overview_year(snapshot, group)
    codes = overview_indicators(snapshot, group, year)
    regions = [snapshot.regions[c] for c in group.regions]
    map_regions = [maps.MapRegion(r.code, r.name_zh, r.prefecture_code or (r.code if r.is_prefecture else None),
                                  r.is_prefecture) for r in regions]
    layers = [maps.Layer("index", "健康城市指数 Healthy City Index",
                         {r.code: (r.index.get(year) or {}).get("healthy_city_index") for r in regions})]
    for code in codes:
        ind = snapshot.indicators.get(code)
        layers.append(maps.Layer(code, f"{code} {ind.name_zh if ind else ''}",
                                 {r.code: r.values.get(code, {}).get(year) for r in regions},
                                 higher_is_better=(ind is None or ind.direction != "lower_is_better"),
                                 unit=ind.unit if ind else ""))
    select = ('<label>地图图层 Map layer: <select id="layer" onchange="hcwShowLayer(this)">'
              + "".join(f'<option value="{esc(l.key)}">{esc(l.title)}</option>' for l in layers) + "</select></label>")
    bounds = maps.load_boundaries()
    beside = [r for r in map_regions if not r.is_prefecture or r.prefecture_code not in bounds]
    beside_html = ""
    if beside:
        beside_html = ('<p class="muted">圆点为非地级单位，画在所属地级市内 / dots are districts and zones, drawn inside '
                       'their prefecture:</p><ul>' + "".join(
                           f'<li>{esc(r.name_zh)} {esc(r.region_code)}'
                           f'{"" if r.prefecture_code in bounds else " — 无边界 no boundary"}</li>' for r in beside) + "</ul>")
    head = ('<table class="overview"><thead><tr><th>地区 Region</th><th>指数 Index</th><th style="min-width:9em">排名 Rank</th>'
            + "".join(f'<th title="{esc(snapshot.indicators[c].name_zh if c in snapshot.indicators else c)}">{esc(c)}</th>'
                      for c in codes) + "</tr></thead><tbody>")
    rows = []
    for r in regions:
        idx = r.index.get(year) or {}
        reason = idx.get("not_ranked_reason") or "—"
        rank = (f'{idx["rank_in_group"]}/{idx.get("regions_in_group")}' if idx.get("is_rankable") and idx.get("rank_in_group")
                else f'<span title="{esc(reason)}">不排名 {esc(reason.split(" / ")[0])}</span>')
        link = pages.get(r.code)
        name = f'<a href="{esc(link)}">{esc(r.name_zh)}</a>' if link else esc(r.name_zh)
        cells = []
        for c in codes:
            status = cell_status(r, c)
            colour = STATUS[status][1] if status else "transparent"
            title = f' title="{esc(STATUS[status][0])} {esc(status)}"' if status else ""
            cells.append(f'<td class="num" data-cell="{esc(r.code)}:{esc(c)}" style="background:{colour}"{title}>'
                         f'{fmt(r.values.get(c, {}).get(year))}</td>')
        rows.append(f'<tr data-region="{esc(r.code)}"><td style="white-space:nowrap">{name} <span class="muted">{esc(r.code)}</span></td>'
                    f'<td class="num" data-index-value="{esc(r.code)}">{fmt(idx.get("healthy_city_index"))}</td>'
                    f'<td>{rank}</td>{"".join(cells)}</tr>')
    legend = '<p class="legend">单元格颜色为该指标规划目标的最差状态 / cell colour = worst target status on that indicator: ' + \
             " ".join(status_chip(s) for s in ("met", "on track", "not yet due", "off track", "not met", "no data", "not comparable")) + "</p>"
    body = (f'<h1>{esc(group.name)} 总览 <span class="en">Overview</span> · {year}</h1>'
            f'<p>{len(regions)} 个地区 regions · 评价年 evaluation year {snapshot.evaluation_year}</p>'
            f'<h2>地图 <span class="en">Map</span></h2>{select}<div>{maps.choropleth(map_regions, layers)}</div>{beside_html}'
            f'<h2>地区 × 指标 <span class="en">Regions × indicators</span> ({year})</h2>{legend}<div class="wide">{head}{"".join(rows)}</tbody></table></div>')
    return page(f"{group.name} {year} 总览 Overview", body, snapshot, templates.SWITCH_JS)


@dataclass(frozen=True)
class BuildResult:
    pages: list[Path]
    overviews: list[Path]
    workbook: Path
    snapshot: Snapshot
    # None: one process; "ok": the second process wrote the overviews and the workbook; else why
    # this process wrote them again
    second_process: str | None = None


def overview_groups(snapshot: Snapshot) -> list[Group]:
    """The groups that get an overview (and a 总览 sheet): a group none of whose regions has a value
    (national scale: regions of the code list with no feed rows) has no year to show."""
    return [g for g in groups(snapshot)
            if any(snapshot.regions[c].index or snapshot.regions[c].years() for c in g.regions)]


# With HCW_SCORECARDS_SECOND_PROCESS=1, a snapshot with at least this many indicator values (about
# 200 regions × 50 indicators × 10 years) is written by two processes: this one renders the region
# pages while a second one (python -m dagster_project.reports.scorecard) writes the overviews and the
# workbook; at national scale each half takes about half the CPU time. It pays only with a free core
# (the second process reads the snapshot again): off by default. A small snapshot stays in one.
SECOND_PROCESS_MIN_VALUES = 100_000


def snapshot_identity(snapshot: Snapshot) -> str:
    """What two processes compare to know they read the same snapshot: the file (inode, size,
    modification time) and the evaluation year the attention ranks are counted from."""
    return json.dumps([*snapshot.source, snapshot.evaluation_year])


def _worth_a_second_process(published: Path) -> bool:
    wanted = os.environ.get("HCW_SCORECARDS_SECOND_PROCESS", "").strip().lower() in ("1", "true", "yes", "on")
    if not wanted or (os.cpu_count() or 1) < 2:
        return False
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("select count(*) from marts.fct_indicator_value").fetchone()[0] >= SECOND_PROCESS_MIN_VALUES


def page_files(snapshot: Snapshot) -> dict[str, str]:
    """region → the file name of its page (its latest year), for the overviews' links."""
    return {code: file_name(code, latest_year(region)) for code, region in sorted(snapshot.regions.items())
            if region.years()}


def write_overviews_and_workbook(snapshot: Snapshot, out_dir: Path) -> tuple[list[Path], Path]:
    """One overview per comparison group, then scorecards.xlsx."""
    from dagster_project.reports.workbook import write_workbook

    group_list = overview_groups(snapshot)
    pages = page_files(snapshot)
    overviews = []
    for g in group_list:
        path = out_dir / f"overview_{g.key}.html"
        path.write_text(render_overview(snapshot, g, pages), encoding="utf-8")
        overviews.append(path)
    return overviews, write_workbook(snapshot, group_list, out_dir / "scorecards.xlsx")


def build_scorecards(published: Path | None = None, out_dir: Path | None = None, all_years: bool = False,
                     second_process: bool | None = None) -> BuildResult:
    """Write every region's page (its latest year, or every year with `all_years`), one overview
    per comparison group and the workbook. Returns the paths written.

    `second_process`: the overviews and the workbook are written by a second process
    (python -m dagster_project.reports.scorecard) while the pages render here; None: when
    HCW_SCORECARDS_SECOND_PROCESS=1 and the snapshot is large. That process reads the same published file; if it read another file (a publish
    in between) or failed, they are written again here from this process's snapshot."""
    published = published or settings.published_path()
    out_dir = out_dir or scorecards_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    if second_process is None:
        second_process = published.exists() and _worth_a_second_process(published)
    helper = None
    if second_process:
        path = os.pathsep.join(filter(None, [str(settings.PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        helper = subprocess.Popen([sys.executable, "-m", "dagster_project.reports.scorecard", str(published), str(out_dir)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": path})
    try:
        snapshot = load_snapshot(published)
        overview_of = {code: f"overview_{g.key}.html" for g in overview_groups(snapshot) if g.key != "all"
                       for code in g.regions}
        written: list[Path] = []
        for code, region in sorted(snapshot.regions.items()):
            years = region.years()
            if not years:
                continue
            for year in (years if all_years else [latest_year(region)]):
                path = out_dir / file_name(code, year)
                path.write_text(render_region(snapshot, region, year, years if all_years else [], overview_of.get(code)),
                                encoding="utf-8")
                written.append(path)
    finally:
        if helper is not None:
            out, err = helper.communicate()
    outcome = None
    if helper is not None:
        lines = out.splitlines()
        if helper.returncode != 0:
            outcome = f"the second process failed (exit {helper.returncode}): {err.strip()[-2000:]}"
        elif not lines or lines[0] != snapshot_identity(snapshot):
            outcome = "the second process read another snapshot (a publish in between)"
        else:
            outcome = "ok"
    if outcome == "ok":
        done = json.loads(lines[1])
        overviews, workbook = [Path(p) for p in done["overviews"]], Path(done["workbook"])
    else:
        overviews, workbook = write_overviews_and_workbook(snapshot, out_dir)
    return BuildResult(written, overviews, workbook, snapshot, outcome)


def main(argv: list[str] | None = None) -> int:
    """python -m dagster_project.reports.scorecard PUBLISHED OUT_DIR: write the overviews and the
    workbook of one published snapshot (build_scorecards runs this beside its page rendering); print
    the identity of the snapshot file read, then the paths written (JSON)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m dagster_project.reports.scorecard PUBLISHED OUT_DIR", file=sys.stderr)
        return 2
    snapshot = load_snapshot(Path(args[0]))
    overviews, workbook = write_overviews_and_workbook(snapshot, Path(args[1]))
    print(snapshot_identity(snapshot))
    print(json.dumps({"overviews": [str(p) for p in overviews], "workbook": str(workbook)}))
    return 0


if __name__ == "__main__":  # run through the package module, the one every other import sees
    from dagster_project.reports.scorecard import main as _main

    raise SystemExit(_main())
