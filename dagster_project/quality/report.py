"""The data-quality report administrators open offline: one self-contained HTML page.

GX Data Docs load bootstrap, jquery and fonts from CDNs and render unstyled without internet
(../shared/ecosystem.md), so the page is our own: inline CSS, no script, no external URL.
It is rewritten after every check (and after the dbt build) from raw._check_results /
raw._check_failures, so it also exists when an ERROR check stops the run half-way.

    <warehouse dir>/reports/data_quality.html

It shows the latest result of every check ever recorded, not only the checks of the run that
wrote it: a landing run of one feed re-checks that feed, and every other check keeps its last
result, marked with the run and time it comes from. Failed ERROR checks come first, then WARN,
then the passed ones (folded). Region codes carry their Chinese name from marts.dim_region.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from dagster_project import settings

MAX_FAILURE_ROWS_PER_RULE = 30
MAX_FINDINGS_PER_SEVERITY = 30
TZ = ZoneInfo("Asia/Shanghai")

# kind -> label; the order of the "Kind" column when status ties
KINDS = {
    "suite": "GX 规则集 suite",
    "freshness": "新鲜度 freshness",
    "files": "文件接收 files",
    "landing": "落地目录 landing",
    "dbt_test": "dbt 测试 test",
}

CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
margin:0;background:#f4f6f8;color:#1f2933;font-size:14px}
header{background:#134e4a;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:22px}
header .en{color:#c7e9e4}
.meta{font-size:13px;color:#d9f2ee}
header code{background:#0f3b38;color:#fff}
td.feed{min-width:190px}td.feed .en{font-size:12px}
main{padding:18px 28px}
.cards{display:flex;gap:12px;margin-bottom:18px;flex-wrap:wrap}
.card{background:#fff;border-radius:6px;padding:12px 18px;min-width:140px;box-shadow:0 1px 2px #0002}
.card b{display:block;font-size:26px}
.card.error b{color:#b91c1c}.card.warn b{color:#b45309}.card.ok b{color:#047857}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:18px;box-shadow:0 1px 2px #0002}
th,td{border-bottom:1px solid #e4e7eb;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#e6f0ee;font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;white-space:nowrap}
.pass{background:#d1fae5;color:#065f46}.fail-error{background:#fee2e2;color:#991b1b}
.fail-warn{background:#fef3c7;color:#92400e}
h2{font-size:17px;margin:22px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.en{color:#52606d;font-weight:normal}
code{background:#eef2f5;padding:1px 4px;border-radius:3px;font-size:12px}
.value{font-family:ui-monospace,Menlo,Consolas,monospace;color:#991b1b}
tr.rule td{background:#f8fafb;border-top:2px solid #cbd2d9}
.notes{color:#52606d;font-size:13px;margin-top:3px}
.thisrun{background:#dbeafe;color:#1e40af}.earlier{background:#e5e7eb;color:#374151}
details{margin-bottom:18px}summary{cursor:pointer;font-weight:600;margin:8px 0}
.region{white-space:nowrap}
footer{padding:10px 28px 24px;color:#52606d;font-size:12px}
"""


def report_path(database: Path | None = None) -> Path:
    return (database or settings.warehouse_path()).parent / "reports" / "data_quality.html"


def _feed_titles() -> dict[str, str]:
    from dagster_project.feeds.config import load_feed_configs

    try:
        return {f"raw/{c.name}": (c.title_zh, c.title_en) for c in load_feed_configs()}
    except Exception:  # a broken feed YAML fails the Definitions already; the report still renders
        return {}


def _e(value) -> str:
    return "" if value is None else html.escape(str(value))


def _feed_cell(titles: dict[str, tuple[str, str]], asset: str) -> str:
    if asset not in titles:
        return ""
    zh, en = titles[asset]
    return f'{_e(zh)}<br><span class="en">{_e(en)}</span>'


def _status_badge(passed: bool, severity: str | None, kind: str | None = None) -> str:
    if passed:
        return '<span class="badge pass">通过 Passed</span>'
    if severity == "ERROR" and kind == "files":  # a feed's file not accepted: the feed keeps its last good rows
        return '<span class="badge fail-error">失败·不阻断 Failed · ERROR, not blocking</span>'
    if severity == "ERROR":
        return '<span class="badge fail-error">失败·阻断 Failed · ERROR</span>'
    return '<span class="badge fail-warn">警告 Failed · WARN</span>'


def _status_rank(passed: bool, severity: str | None) -> int:
    """Failed ERROR first, then failed WARN, then passed."""
    return 2 if passed else 0 if severity == "ERROR" else 1


def _beijing(value: dt.datetime | None) -> str:
    """checked_at is stored in the machine's local time (naive); shown in Beijing time."""
    if value is None:
        return ""
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


def _table_exists(con, schema: str, table: str) -> bool:
    return con.execute("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def region_names(con) -> dict[str, str]:
    """region code -> Chinese name (marts.dim_region; empty before the first dbt build)."""
    if not _table_exists(con, "marts", "dim_region"):
        return {}
    return dict(con.execute("select region_code, region_name_zh from marts.dim_region "
                            "where region_name_zh is not null").fetchall())


def region_label(code, names: dict[str, str]) -> str:
    """'150200 包头市'; the code alone when it is not a known region."""
    if code is None:
        return ""
    code = str(code)
    return f"{code} {names[code]}" if code in names else code


_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def key_text(row_key: str | None, names: dict[str, str]) -> str:
    """A failing row's key with every known region code followed by its name:
    '{"region_code": "150200", "year": 2020}' -> 'region_code 150200 包头市 · year 2020'."""
    if not row_key:
        return ""
    try:
        parsed = json.loads(row_key)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):  # the region first, then the year, then the rest
        order = sorted(parsed, key=lambda k: (0 if "region" in k else 1 if k == "year" else 2))
        return " · ".join(f"{k} {region_label(parsed[k], names) if 'region' in k else parsed[k]}" for k in order)
    return _CODE.sub(lambda m: region_label(m.group(1), names), row_key)


def _run_cell(run_id: str, this_run: str, checked_at) -> str:
    badge = ('<span class="badge thisrun">本次运行 this run</span>' if run_id == this_run
             else f'<span class="badge earlier">更早运行 earlier run</span> <code>{_e(run_id[:8])}</code>')
    return f'<td title="{_e(run_id)}">{badge}</td><td class="num">{_e(_beijing(checked_at))}</td>'


def latest_results(con, run_id: str) -> list[tuple]:
    """The latest evaluation of every check recorded in the warehouse, whichever run made it
    (a check re-executed within a run counts once), errors first."""
    rows = con.execute("""
        select check_name, asset_key, suite, relation, kind, severity, passed, rows_validated,
               expectations, expectations_failed, checked_at, run_id
        from raw._check_results
        qualify row_number() over (partition by asset_key, check_name
                                   order by checked_at desc, (run_id = ?) desc) = 1""", [run_id]).fetchall()
    kinds = list(KINDS)
    return sorted(rows, key=lambda r: (_status_rank(r[6], r[5]), kinds.index(r[4]) if r[4] in kinds else 99,
                                       r[1] or "", r[0]))


def _latest_failures(con, run_id: str) -> list[tuple]:
    return con.execute("""
        with latest as (
            select check_name, asset_key, checked_at, run_id from raw._check_results
            qualify row_number() over (partition by asset_key, check_name
                                       order by checked_at desc, (run_id = ?) desc) = 1)
        select f.check_name, f.asset_key, f.expectation, f.column_names, f.severity, f.notes, f.unexpected_count,
               f.source_file, f.row_number, f.row_key, f.value
        from raw._check_failures f
        join latest l on l.check_name = f.check_name and l.asset_key = f.asset_key
                     and l.checked_at = f.checked_at and l.run_id = f.run_id
        order by f.check_name, case f.severity when 'ERROR' then 0 else 1 end, f.expectation,
                 f.source_file, f.row_number""", [run_id]).fetchall()


def _check_row(r: tuple, titles: dict, this_run: str) -> str:
    (check, asset, suite, relation, kind, severity, passed, rows, n_exp, n_failed, checked_at, rid) = r
    if kind == "dbt_test":
        rule = suite or relation or ""
    elif suite:
        rule = Path(suite).name
    else:
        rule = "新鲜度 freshness (raw._loads)" if kind == "freshness" else relation
    return (f"<tr><td>{_status_badge(passed, severity, kind)}</td><td><code>{_e(check)}</code></td>"
            f"<td>{_e(KINDS.get(kind, kind))}</td>"
            f'<td>{_e(asset)}</td><td class="feed">{_feed_cell(titles, asset)}</td>'
            f"<td title=\"{_e(suite or '')}\">{_e(rule)}</td>"
            f'<td class="num">{_e(rows)}</td><td class="num">{_e(n_failed)} / {_e(n_exp)}</td>'
            f"{_run_cell(rid, this_run, checked_at)}</tr>")


CHECK_HEADER = ("<table><tr><th>状态 Status</th><th>校验 Check</th><th>类型 Kind</th><th>资产 Asset</th>"
                "<th>数据源 Feed</th><th>规则 Rules</th><th>校验行数 Rows</th><th>失败规则 Failed rules</th>"
                "<th>结果来自 Result of</th><th>校验时间 Checked at (北京时间)</th></tr>")


def render_report(database: Path, run_id: str) -> str:
    with duckdb.connect(str(database), read_only=True) as con:
        results = latest_results(con, run_id)
        failures = _latest_failures(con, run_id)
        names = region_names(con)
        findings = _data_quality_findings(con)
    titles = _feed_titles()
    failed = [r for r in results if not r[6]]
    passed = [r for r in results if r[6]]
    n_error = sum(1 for r in failed if r[5] == "ERROR")
    n_this_run = sum(1 for r in results if r[11] == run_id)
    generated = dt.datetime.now(TZ).strftime("%Y-%m-%d %H:%M:%S") + " 北京时间"

    out = ['<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>数据质量报告 · Data-quality report</title>", f"<style>{CSS}</style></head><body>",
           '<header><h1>健康城市数据仓库 · 数据质量报告 <span class="en">Healthy City Warehouse · Data-quality report</span></h1>',
           f'<div class="meta">运行 Run: <code>{_e(run_id)}</code> · 生成时间 Generated: {_e(generated)} · '
           f"仓库 Warehouse: {_e(database)}</div>"
           '<div class="meta">每项校验的最新结果（含更早运行的结果，注明来自哪次运行） · '
           "the latest result of every check, whichever run produced it</div></header><main>",
           '<div class="cards">',
           f'<div class="card"><b>{len(results)}</b>校验 Checks</div>',
           f'<div class="card"><b>{n_this_run}</b>本次运行 this run</div>',
           f'<div class="card error"><b>{n_error}</b>错误 ERROR</div>',
           f'<div class="card warn"><b>{len(failed) - n_error}</b>警告（仅告警） WARN (alert only)</div>',
           f'<div class="card ok"><b>{len(passed)}</b>通过 Passed</div></div>']
    if failed:
        out.append('<h2>未通过的校验 <span class="en">Failed checks, errors first</span></h2>')
        out.append(CHECK_HEADER)
        out.extend(_check_row(r, titles, run_id) for r in failed)
        out.append("</table>")
    if passed:
        out.append(f"<details><summary>通过的校验 {len(passed)} 项 <span class=\"en\">Passed checks</span></summary>")
        out.append(CHECK_HEADER)
        out.extend(_check_row(r, titles, run_id) for r in passed)
        out.append("</table></details>")

    by_check: dict[tuple, list[tuple]] = {}
    for f in failures:
        by_check.setdefault((f[1], f[0]), []).append(f)
    if by_check:
        out.append('<h2>失败明细 <span class="en">Failing rows, with the file and row they came from</span></h2>')
    for r in failed:  # in the order of the table: ERROR checks first
        rows = by_check.get((r[1], r[0]))
        if not rows:
            continue
        check, asset = r[0], r[1]
        zh_en = " / ".join(titles.get(asset, ()))
        out.append(f"<h3><code>{_e(check)}</code> · {_e(asset)} {_e(zh_en)}</h3>")
        out.append("<table><tr><th>文件 File</th><th>行 Row</th><th>键 Key（地区 region）</th><th>值 Value</th></tr>")
        groups: dict[tuple, list[tuple]] = {}
        for f in rows:
            groups.setdefault(f[2:7], []).append(f)
        for (expectation, columns, severity, notes, count), group in groups.items():
            badge = "fail-error" if severity == "ERROR" else "fail-warn"
            out.append(
                f'<tr class="rule"><td colspan="4"><span class="badge {badge}">{_e(severity)}</span> '
                f"<code>{_e(expectation)}</code> ({_e(columns)}) · <b>{_e(count)}</b> 行失败 failing rows"
                f'<div class="notes">{_e(notes)}</div></td></tr>')
            for (*_, file, row, key, value) in group[:MAX_FAILURE_ROWS_PER_RULE]:
                out.append(f'<tr><td>{_e(file)}</td><td class="num">{_e(row)}</td>'
                           f'<td class="region">{_e(key_text(key, names))}</td>'
                           f'<td class="value">{_e(value)}</td></tr>')
            if len(group) > MAX_FAILURE_ROWS_PER_RULE:
                out.append(f'<tr><td colspan="4">… 另有 {len(group) - MAX_FAILURE_ROWS_PER_RULE} 行未显示 / '
                           f"{len(group) - MAX_FAILURE_ROWS_PER_RULE} more rows in <code>raw._check_failures</code></td></tr>")
        out.append("</table>")
    out.extend(_data_quality_findings_html(findings, names, results))
    out.append(
        "</main><footer>ERROR：阻断下游数据集发布（文件接收校验除外）· blocks the marts downstream "
        "(except the files checks). WARN：仅告警 · alert only. "
        "全部失败行可在仓库中查询 · All failing rows are queryable: "
        f"<code>select * from raw._check_failures where run_id = '{_e(run_id)}'</code>. "
        "规则见 expectations/ 与 dbt/models/ · Rules live in expectations/ and dbt/models/ "
        "(docs/data-quality.md).</footer></body></html>")
    return "\n".join(out)


def _data_quality_findings(con) -> dict[str, list[tuple]]:
    """Open findings and reporting rates per department and region (marts.fct_data_quality_summary),
    late and missing reports (marts.fct_report_completeness), and the findings, ERROR first;
    as of the last dbt build, empty before the marts exist."""
    out: dict[str, list[tuple]] = {"summary": [], "reports": [], "findings": [], "counts": []}
    if _table_exists(con, "marts", "fct_data_quality_summary"):
        out["summary"] = con.execute("""
            select scope, scope_code, scope_name_zh, scope_name_en, open_errors, open_warnings,
                   reports_due, reports_received, reports_on_time, completeness_pct, timeliness_pct
            from marts.fct_data_quality_summary
            order by case scope when 'department' then 0 else 1 end, open_errors desc, open_warnings desc,
                     scope_code""").fetchall()
    if _table_exists(con, "marts", "fct_report_completeness"):
        out["reports"] = con.execute("""
            select publisher_zh, publisher_en, feed, region_code, year, due_date, status, status_zh, days_late,
                   cast(first_received_at as date)
            from marts.fct_report_completeness where status in ('missing', 'late')
            order by case status when 'missing' then 0 else 1 end, publisher_zh, feed, region_code, year desc
            """).fetchall()
    if _table_exists(con, "marts", "fct_data_quality_finding"):
        out["counts"] = con.execute("select severity, count(*) from marts.fct_data_quality_finding "
                                    "group by severity order by severity").fetchall()
        # the first findings of each severity: one top-N per severity (a window over every finding
        # sorted them all: 0.25 s at 200,000 findings, for every report written)
        first = " union all ".join(f"""(
            select severity, check_type, rule_id, region_code, year, message_zh, message_en,
                   coalesce(source_row, source_file), acknowledged_reason, finding_id
            from marts.fct_data_quality_finding where severity is not distinct from ?
            order by check_type, region_code, year, finding_id limit {MAX_FINDINGS_PER_SEVERITY})"""
                                   for _ in out["counts"])
        if first:
            out["findings"] = [r[:-1] for r in con.execute(
                f"select * from ({first}) order by case severity when 'ERROR' then 0 else 1 end, "
                "check_type, region_code, year, finding_id", [c[0] for c in out["counts"]]).fetchall()]
    return out


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _data_quality_findings_html(found: dict[str, list[tuple]], names: dict[str, str],
                                results: list[tuple]) -> list[str]:
    if not any(found.values()):
        return []
    titles = {k.split("/", 1)[1]: v for k, v in _feed_titles().items()}
    built = next((r for r in results if r[1] == "marts/fct_data_quality_finding"), None)
    as_of = (f"截至 dbt 构建 as of the dbt build of run <code>{_e(built[11][:8])}</code>, {_e(_beijing(built[10]))}"
             if built else "截至最近一次 dbt 构建 as of the last dbt build")
    out = ['<h2>数据质量问题汇总 <span class="en">Data-quality findings by department and region</span></h2>',
           f'<div class="notes">{as_of} · marts.fct_data_quality_summary, marts.fct_report_completeness, '
           "marts.fct_data_quality_finding</div>"]
    if found["summary"]:
        out.append("<table><tr><th>范围 Scope</th><th>名称 Name</th><th>错误 ERROR</th><th>警告 WARN</th>"
                   "<th>应报 Due</th><th>已报 Received</th><th>按时 On time</th>"
                   "<th>完整率 Completeness %</th><th>及时率 Timeliness %</th></tr>")
        for (scope, code, name_zh, name_en, n_error, n_warn, due, received, on_time, completeness,
             timeliness) in found["summary"]:
            if scope == "department":
                scope_zh, name = "部门 department", f"{_e(name_zh)} <span class=\"en\">{_e(name_en or '')}</span>"
            else:
                scope_zh, name = "地区 region", _e(f"{name_zh or names.get(code, '')} {code}".strip())
            out.append(f"<tr><td>{scope_zh}</td><td>{name}</td>"
                       f'<td class="num">{_e(n_error)}</td><td class="num">{_e(n_warn)}</td>'
                       f'<td class="num">{_e(due)}</td><td class="num">{_e(received)}</td>'
                       f'<td class="num">{_e(on_time)}</td>'
                       f'<td class="num">{_pct(completeness)}</td><td class="num">{_pct(timeliness)}</td></tr>')
        out.append("</table>")
    if found["reports"]:
        out.append('<h3>未报与逾期报表 <span class="en">Missing and late reports, by responsible department</span></h3>'
                   "<table><tr><th>负责部门 Department</th><th>数据源 Feed</th><th>地区 Region</th><th>年度 Year</th>"
                   "<th>截止日期 Due</th><th>状态 Status</th><th>逾期天数 Days late</th><th>收到 Received</th></tr>")
        for (pub_zh, pub_en, feed, code, year, due, status, status_zh, days_late, received) in found["reports"]:
            badge = "fail-warn"
            feed_title = titles.get(feed, (feed, ""))
            out.append(f"<tr><td>{_e(pub_zh)}<div class=\"notes\">{_e(pub_en)}</div></td>"
                       f"<td>{_e(feed_title[0])}<div class=\"notes\">{_e(feed)}</div></td>"
                       f'<td class="region">{_e(region_label(code, names))}</td><td class="num">{_e(year)}</td>'
                       f"<td>{_e(due)}</td><td><span class=\"badge {badge}\">{_e(status_zh)} {_e(status)}</span></td>"
                       f'<td class="num">{_e(days_late)}</td><td>{_e(received or "")}</td></tr>')
        out.append("</table>")
    if found["findings"]:
        counts = dict(found["counts"])
        out.append('<h3>数据质量问题 <span class="en">Findings, errors first</span> '
                   f'<span class="en">(ERROR {counts.get("ERROR", 0)}, WARN {counts.get("WARN", 0)}; '
                   f"each severity lists up to {MAX_FINDINGS_PER_SEVERITY})</span></h3>"
                   "<table><tr><th>级别 Severity</th><th>检查 Check</th><th>地区 Region</th><th>年度 Year</th>"
                   "<th>说明 Message</th><th>来源 Source</th></tr>")
        for severity, check_type, rule_id, code, year, message_zh, message_en, source, acknowledged in found["findings"]:
            badge = "fail-error" if severity == "ERROR" else "fail-warn"
            note = f'<div class="notes">已确认 acknowledged: {_e(acknowledged)}</div>' if acknowledged else ""
            out.append(f'<tr><td><span class="badge {badge}">{_e(severity)}</span></td>'
                       f"<td>{_e(check_type)}<div class=\"notes\">{_e(rule_id)}</div></td>"
                       f'<td class="region">{_e(region_label(code, names))}</td><td class="num">{_e(year)}</td>'
                       f'<td>{_e(message_zh)}<div class="notes">{_e(message_en)}</div>{note}</td>'
                       f"<td>{_e(source or '')}</td></tr>")
        out.append("</table>")
    return out


def write_report(database: Path, run_id: str) -> Path:
    path = report_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_report(database, run_id), encoding="utf-8")
    os.replace(tmp, path)  # a browser that has the page open never sees half a file
    return path
