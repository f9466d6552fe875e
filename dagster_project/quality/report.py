"""The data-quality report administrators open offline: one self-contained HTML page.

GX Data Docs load bootstrap, jquery and fonts from CDNs and render unstyled without internet
(../shared/ecosystem.md), so the page is our own: inline CSS, no script, no external URL.
It is rewritten after every check from raw._check_results / raw._check_failures, so it also
exists when an ERROR check stops the run half-way.

    <warehouse dir>/reports/data_quality.html
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from dagster_project import settings

MAX_FAILURE_ROWS_PER_RULE = 30

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


def render_report(database: Path, run_id: str) -> str:
    with duckdb.connect(str(database), read_only=True) as con:
        # The latest evaluation of each check in this run (a check re-executed in a run counts once).
        results = con.execute("""
            select check_name, asset_key, suite, relation, kind, severity, passed, rows_validated,
                   expectations, expectations_failed, checked_at
            from raw._check_results where run_id = ?
            qualify row_number() over (partition by check_name order by checked_at desc) = 1
            order by passed, severity, asset_key, check_name""", [run_id]).fetchall()
        failures = con.execute("""
            select f.check_name, f.expectation, f.column_names, f.severity, f.notes, f.unexpected_count,
                   f.source_file, f.row_number, f.row_key, f.value
            from raw._check_failures f
            join (select check_name, max(checked_at) as checked_at from raw._check_results
                  where run_id = ? group by check_name) latest using (check_name, checked_at)
            where f.run_id = ?
            order by f.check_name, f.severity, f.expectation, f.source_file, f.row_number""",
                               [run_id, run_id]).fetchall()
        dq_summary, dq_errors = _data_quality_findings(con)
    titles = _feed_titles()
    n_error = sum(1 for r in results if not r[6] and r[5] == "ERROR")
    n_warn = sum(1 for r in results if not r[6] and r[5] != "ERROR")
    n_pass = sum(1 for r in results if r[6])
    generated = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S") + " 北京时间"

    out = ['<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>数据质量报告 · Data-quality report</title>", f"<style>{CSS}</style></head><body>",
           '<header><h1>健康城市数据仓库 · 数据质量报告 <span class="en">Healthy City Warehouse · Data-quality report</span></h1>',
           f'<div class="meta">运行 Run: <code>{_e(run_id)}</code> · 生成时间 Generated: {_e(generated)} · '
           f"仓库 Warehouse: {_e(database)}</div></header><main>",
           '<div class="cards">',
           f'<div class="card"><b>{len(results)}</b>校验 Checks</div>',
           f'<div class="card ok"><b>{n_pass}</b>通过 Passed</div>',
           f'<div class="card error"><b>{n_error}</b>错误（阻断下游） ERROR (blocks marts)</div>',
           f'<div class="card warn"><b>{n_warn}</b>警告（仅告警） WARN (alert only)</div></div>',
           '<h2>校验结果 <span class="en">Checks</span></h2>',
           "<table><tr><th>状态 Status</th><th>校验 Check</th><th>资产 Asset</th><th>数据源 Feed</th>"
           "<th>规则文件 Suite</th><th>校验行数 Rows</th><th>失败规则 Failed rules</th></tr>"]
    for (check, asset, suite, relation, kind, severity, passed, rows, n_exp, n_failed, _) in results:
        out.append(
            f"<tr><td>{_status_badge(passed, severity, kind)}</td><td><code>{_e(check)}</code></td>"
            f'<td>{_e(asset)}</td><td class="feed">{_feed_cell(titles, asset)}</td>'
            f"<td title=\"{_e(suite or '')}\">{_e(Path(suite).name if suite else ('新鲜度 freshness (raw._loads)' if kind == 'freshness' else relation))}</td>"
            f'<td class="num">{_e(rows)}</td><td class="num">{_e(n_failed)} / {_e(n_exp)}</td></tr>')
    out.append("</table>")

    by_check: dict[str, list[tuple]] = {}
    for f in failures:
        by_check.setdefault(f[0], []).append(f)
    if by_check:
        out.append('<h2>失败明细 <span class="en">Failing rows, with the file and row they came from</span></h2>')
    for check, rows in by_check.items():
        asset = next((r[1] for r in results if r[0] == check), "")
        zh_en = " / ".join(titles.get(asset, ()))
        out.append(f"<h3><code>{_e(check)}</code> · {_e(asset)} {_e(zh_en)}</h3>")
        out.append("<table><tr><th>文件 File</th><th>行 Row</th><th>键 Key</th><th>值 Value</th></tr>")
        groups: dict[tuple, list[tuple]] = {}
        for r in rows:
            groups.setdefault(r[1:6], []).append(r)
        for (expectation, columns, severity, notes, count), group in groups.items():
            badge = "fail-error" if severity == "ERROR" else "fail-warn"
            out.append(
                f'<tr class="rule"><td colspan="4"><span class="badge {badge}">{_e(severity)}</span> '
                f"<code>{_e(expectation)}</code> ({_e(columns)}) · <b>{_e(count)}</b> 行失败 failing rows"
                f'<div class="notes">{_e(notes)}</div></td></tr>')
            for (*_, file, row, key, value) in group[:MAX_FAILURE_ROWS_PER_RULE]:
                out.append(f'<tr><td>{_e(file)}</td><td class="num">{_e(row)}</td><td>{_e(key)}</td>'
                           f'<td class="value">{_e(value)}</td></tr>')
            if len(group) > MAX_FAILURE_ROWS_PER_RULE:
                out.append(f'<tr><td colspan="4">… 另有 {len(group) - MAX_FAILURE_ROWS_PER_RULE} 行未显示 / '
                           f"{len(group) - MAX_FAILURE_ROWS_PER_RULE} more rows in <code>raw._check_failures</code></td></tr>")
        out.append("</table>")
    out.extend(_data_quality_findings_html(dq_summary, dq_errors))
    out.append(
        "</main><footer>ERROR：阻断下游数据集发布 · blocks the marts downstream. WARN：仅告警 · alert only. "
        "全部失败行可在仓库中查询 · All failing rows are queryable: "
        f"<code>select * from raw._check_failures where run_id = '{_e(run_id)}'</code>. "
        "规则见 expectations/ 目录 · Rules live in expectations/ (docs/data-quality.md).</footer></body></html>")
    return "\n".join(out)


def _data_quality_findings(con) -> tuple[list[tuple], list[tuple]]:
    """Open findings and reporting rates per department and region (marts.fct_data_quality_summary,
    as of the last dbt build) and the ERROR findings; empty before the marts exist."""
    if not con.execute("select count(*) from duckdb_tables() where schema_name = 'marts' "
                       "and table_name in ('fct_data_quality_summary', 'fct_data_quality_finding')").fetchone()[0] == 2:
        return [], []
    summary = con.execute("""
        select scope, scope_name_zh, scope_name_en, open_errors, open_warnings, completeness_pct, timeliness_pct
        from marts.fct_data_quality_summary
        order by scope, open_errors desc, open_warnings desc, scope_code""").fetchall()
    errors = con.execute(f"""
        select region_name_zh, region_code, message_zh, message_en, source_row
        from marts.fct_data_quality_finding where severity = 'ERROR'
        order by region_code, year limit {MAX_FAILURE_ROWS_PER_RULE}""").fetchall()
    return summary, errors


def _data_quality_findings_html(summary: list[tuple], errors: list[tuple]) -> list[str]:
    if not summary:
        return []
    out = ['<h2>数据质量汇总 <span class="en">Data-quality findings by department and region '
           '(marts.fct_data_quality_summary)</span></h2>',
           "<table><tr><th>范围 Scope</th><th>名称 Name</th><th>错误 ERROR</th><th>警告 WARN</th>"
           "<th>完整率 Completeness %</th><th>及时率 Timeliness %</th></tr>"]
    for scope, name_zh, name_en, n_error, n_warn, completeness, timeliness in summary:
        scope_zh = "部门 department" if scope == "department" else "地区 region"
        out.append(f"<tr><td>{_e(scope_zh)}</td><td>{_e(name_zh)} <span class=\"en\">{_e(name_en or '')}</span></td>"
                   f'<td class="num">{_e(n_error)}</td><td class="num">{_e(n_warn)}</td>'
                   f'<td class="num">{_e("" if completeness is None else completeness)}</td>'
                   f'<td class="num">{_e("" if timeliness is None else timeliness)}</td></tr>')
    out.append("</table>")
    if errors:
        out.append('<h3>错误（阻断发布） <span class="en">ERROR findings (block publishing)</span></h3>'
                   "<table><tr><th>地区 Region</th><th>说明 Message</th><th>来源 Source</th></tr>")
        for name_zh, code, message_zh, message_en, source_row in errors:
            out.append(f"<tr><td>{_e(name_zh or code)}</td><td>{_e(message_zh)}<div class=\"notes\">{_e(message_en)}</div></td>"
                       f"<td>{_e(source_row or '')}</td></tr>")
        out.append("</table>")
    return out


def write_report(database: Path, run_id: str) -> Path:
    path = report_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_report(database, run_id), encoding="utf-8")
    os.replace(tmp, path)  # a browser that has the page open never sees half a file
    return path
