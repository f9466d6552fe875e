"""Alert texts for a Chinese administrator: Chinese first, English beside it.

One message per incident (a failing check, a failed run) and one per recovery. Each names the
feed, the check, the failing values with their row counts and files/rows, and the Dagster run.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dagster_project.alerts.channels import Message

PREFIX = "[健康城市仓库]"
TZ = ZoneInfo("Asia/Shanghai")
MAX_RULES = 10
MAX_VALUES = 5
MAX_PLACES = 5


@dataclass
class CheckFailure:
    asset: str                   # "raw/pension_beds"
    check_name: str              # "raw_pension_beds_gx"
    severity: str                # "ERROR" | "WARN"
    failures: list[dict[str, Any]] = field(default_factory=list)  # the check's metadata "failures"
    description: str = ""
    blocking: bool = True        # False: an ERROR that does not stop the marts (raw_<feed>_files_accepted)


def feed_label(asset: str) -> str:
    """'养老机构床位数 / Elderly-care institution beds (pension_beds)' for raw/<feed>, else ''."""
    parts = asset.split("/")
    if len(parts) != 2 or parts[0] != "raw":
        return ""
    from dagster_project.feeds.config import load_feed_configs

    try:
        cfg = next((c for c in load_feed_configs() if c.name == parts[1]), None)
    except Exception:  # a broken feed YAML must not stop an alert
        cfg = None
    return f"{cfg.title_zh} / {cfg.title_en} ({cfg.name})" if cfg else parts[1]


def _now_text() -> str:
    return dt.datetime.now(TZ).strftime("%Y-%m-%d %H:%M:%S") + " (北京时间 Asia/Shanghai)"


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _place(row: dict[str, Any]) -> str:
    if "_source_file" in row and row.get("_row_number") is not None:
        return f"{row['_source_file']} 第{row['_row_number']}行 row {row['_row_number']}"
    if "_source_file" in row:
        return str(row["_source_file"])
    keys = {k: v for k, v in row.items() if k in ("region_code", "year", "indicator_code", "input_load_ids")}
    return ", ".join(f"{k}={v}" for k, v in keys.items())


def rule_lines(failures: list[dict[str, Any]]) -> list[str]:
    lines = []
    for f in failures[:MAX_RULES]:
        cols = ", ".join(f.get("columns") or [])
        lines.append(f"- [{f.get('severity')}] {f.get('expectation')}({cols})：{f.get('unexpected_count')} 行 rows"
                     + (f" — {f['notes']}" if f.get("notes") else ""))
        values = f.get("failing_values") or []
        if values:
            lines.append("  失败值 Failing values: " + "；".join(
                f"{_value_text(v['value'])}（{v['rows']} 行 rows）" for v in values[:MAX_VALUES])
                + (" …" if len(values) > MAX_VALUES else ""))
        places = [p for p in (_place(r) for r in (f.get("failing_rows") or [])[:MAX_PLACES]) if p]
        if places:
            lines.append("  位置 Where: " + "；".join(places)
                         + (" …" if (f.get("unexpected_count") or 0) > MAX_PLACES else ""))
    if len(failures) > MAX_RULES:
        lines.append(f"- … 另有 {len(failures) - MAX_RULES} 条规则失败 / {len(failures) - MAX_RULES} more rules failed")
    return lines


def _footer(report: str | None) -> list[str]:
    lines = ["", "该事件持续期间不会重复发送；恢复后会另行通知。/ This incident is not re-sent while it persists; "
                 "its recovery will be announced once."]
    if report:
        lines.append(f"数据质量报告 Data-quality report: {report}")
    return lines


def check_incident_message(failure: CheckFailure, run_id: str, job_name: str, run_failed: bool,
                           report: str | None = None) -> Message:
    feed = feed_label(failure.asset)
    what_zh, what_en = ("错误", "ERROR") if failure.severity == "ERROR" else ("警告", "WARN")
    subject = (f"{PREFIX} 数据校验失败（{what_zh}）/ Check failed ({what_en}): "
               f"{feed.split(' / ')[0] + ' · ' if feed else ''}{failure.asset} · {failure.check_name}")
    effect = ("阻断下游数据集发布 / blocks the marts downstream" if failure.severity == "ERROR" and failure.blocking
              else "不阻断：其他数据源照常更新发布 / not blocking: everything else is still built and published"
              if failure.severity == "ERROR"
              else "仅告警，下游照常发布 / alert only, the marts are still published")
    body = [
        "健康城市数据仓库告警 / Healthy City Warehouse alert", "",
        "事件 Incident: 数据校验失败 / a data-quality check failed",
        *([f"数据源 Feed: {feed}"] if feed else []),
        f"资产 Asset: {failure.asset}",
        f"校验 Check: {failure.check_name}",
        f"级别 Severity: {failure.severity}（{effect}）",
        f"运行 Dagster run: {run_id}（作业 job {job_name}）",
        f"运行结果 Run status: {'失败 FAILED' if run_failed else '成功 SUCCESS'}",
        f"时间 Time: {_now_text()}", "",
        "失败规则 Failing rules:", *rule_lines(failure.failures), *_footer(report),
    ]
    payload = {"event": "incident", "kind": "check", "severity": failure.severity, "asset": failure.asset,
               "feed": feed or None, "check": failure.check_name, "run_id": run_id, "job": job_name,
               "run_failed": run_failed, "failures": failure.failures[:MAX_RULES]}
    return Message(subject, "\n".join(body), payload)


def dbt_failures(message: str, limit: int = 5) -> list[str]:
    """The failing dbt nodes and their messages, from the run_results.json beside the dbt.log a
    DagsterDbtCliRuntimeError names (the error itself only says "exit code 1")."""
    import re
    from pathlib import Path

    found = re.search(r"dbt debug log: (\S+)/dbt\.log", message)
    results = Path(found.group(1)) / "run_results.json" if found else None
    if results is None or not results.exists():
        return []
    try:
        nodes = json.loads(results.read_text(encoding="utf-8")).get("results", [])
    except (OSError, ValueError):
        return []
    bad = [n for n in nodes if n.get("status") in ("error", "fail", "runtime error")]
    lines = [f"dbt {n['status']}: {n['unique_id']}: " + " ".join((n.get("message") or "").split())[:400]
             for n in bad[:limit]]
    if len(bad) > limit:
        lines.append(f"… {len(bad) - limit} more dbt failure(s) in {results}")
    return lines


def error_text(error) -> str:
    """The message of a Dagster SerializableErrorInfo, with the user's exception rather than
    Dagster's wrapper ("Error occurred while executing op ..."), and dbt's failing nodes."""
    if error is None:
        return ""
    while error.cause is not None and error.cls_name in ("DagsterExecutionStepExecutionError",
                                                          "DagsterUserCodeExecutionError"):
        error = error.cause
    text = error.message.strip()
    if error.cls_name == "DagsterDbtCliRuntimeError":
        details = dbt_failures(text)
        if details:
            text = "\n".join([*details, text])
    return text


def what_label(what: str | None) -> str:
    """'养老机构床位数 · raw/pension_beds' for a feed asset, else the asset or step as given."""
    if not what:
        return ""
    feed = feed_label(what)
    return f"{feed.split(' / ')[0]} · {what}" if feed else what


def run_incident_message(run_id: str, job_name: str, errors: list[str], report: str | None = None,
                         what: str | None = None) -> Message:
    """A run that failed for a reason other than a failing ERROR check; `what` names the asset or
    step that failed (the incident's key), None when the run failed before any step."""
    label = what_label(what)
    subject = f"{PREFIX} 运行失败 / Run failed: {label + ' · ' if label else ''}{job_name} · {run_id[:8]}"
    feed = feed_label(what or "")
    body = [
        "健康城市数据仓库告警 / Healthy City Warehouse alert", "",
        "事件 Incident: 运行失败（非数据校验原因）/ the run failed (not because of a data check)",
        *([f"数据源 Feed: {feed}"] if feed else []),
        *([f"失败的资产或步骤 Failed asset or step: {what}"] if what else []),
        f"作业 Job: {job_name}",
        f"运行 Dagster run: {run_id}",
        f"时间 Time: {_now_text()}", "",
        "错误 Errors:", *([f"- {e}" for e in errors[:MAX_RULES]] or ["- （无详细信息 / no details）"]),
        *_footer(report),
    ]
    payload = {"event": "incident", "kind": "run", "severity": "ERROR", "job": job_name, "run_id": run_id,
               "asset": what, "feed": feed or None, "errors": errors[:MAX_RULES]}
    return Message(subject, "\n".join(body), payload)


def recovery_message(kind: str, asset: str | None, check_name: str | None, job_name: str, run_id: str,
                     opened_run_id: str) -> Message:
    if kind == "check":
        feed = feed_label(asset or "")
        subject = (f"{PREFIX} 已恢复 / Recovered: {feed.split(' / ')[0] + ' · ' if feed else ''}"
                   f"{asset} · {check_name}")
        what = [*([f"数据源 Feed: {feed}"] if feed else []), f"资产 Asset: {asset}", f"校验 Check: {check_name}",
                "本次运行中该校验已通过 / the check passed in this run"]
    elif asset:
        subject = f"{PREFIX} 已恢复 / Recovered: {what_label(asset)}"
        what = [f"资产或步骤 Asset or step: {asset}", f"作业 Job: {job_name}",
                "本次运行中该步骤已成功 / this step succeeded in this run"]
    else:
        subject = f"{PREFIX} 已恢复 / Recovered: {job_name}"
        what = [f"作业 Job: {job_name}", "本次运行成功 / this run succeeded"]
    body = ["健康城市数据仓库通知 / Healthy City Warehouse notice", "", "事件已恢复 / Incident recovered", *what,
            f"运行 Dagster run: {run_id}", f"事件开始于运行 Incident opened in run: {opened_run_id}",
            f"时间 Time: {_now_text()}"]
    payload = {"event": "recovery", "kind": kind, "asset": asset, "check": check_name, "job": job_name,
               "run_id": run_id, "opened_run_id": opened_run_id}
    return Message(subject, "\n".join(body), payload)


# check_type -> (中文, English) as administrators read them
CHECK_TYPES = {
    "consistency_over_time": ("时间一致性", "consistency over time"),
    "outlier": ("异常值", "outlier"),
    "related_data": ("相关数据一致性", "consistency between related data"),
    "denominator": ("分母（人口）一致性", "population denominator"),
    "completeness": ("报表完整性（未报）", "completeness (report missing)"),
    "timeliness": ("报表及时性（逾期）", "timeliness (report late)"),
}


def _finding_headline(f: dict[str, Any]) -> tuple[str, str]:
    """(subject, first body line) of a finding: late and missing reports name the department."""
    region = " ".join(x for x in (f.get("region_name_zh"), f.get("region_code")) if x)
    where = f"{region} {f.get('year') or ''}".strip()
    department = f.get("department_zh") or ""
    if f.get("rule_id") == "MISSING_REPORT":
        return (f"{PREFIX} 报表未报送 / Report missing: {department} · {where} · {f.get('feed')}",
                "事件 Incident: 报表未按期报送 / a report has not been received by its due date")
    if f.get("rule_id") == "LATE_REPORT":
        return (f"{PREFIX} 报表逾期报送 / Report late: {department} · {where} · {f.get('feed')}",
                "事件 Incident: 报表逾期报送 / a report arrived after its due date")
    zh, en = CHECK_TYPES.get(f.get("check_type"), (f.get("check_type"), f.get("check_type")))
    what_zh, what_en = ("错误", "ERROR") if f.get("severity") == "ERROR" else ("警告", "WARN")
    return (f"{PREFIX} 数据质量问题（{what_zh}）/ Data-quality finding ({what_en}): {zh} · {where} · "
            f"{f.get('series') or f.get('rule_id')}",
            f"事件 Incident: 新的数据质量问题 / a new data-quality finding ({en})")


def _finding_lines(f: dict[str, Any]) -> list[str]:
    zh, en = CHECK_TYPES.get(f.get("check_type"), (f.get("check_type"), f.get("check_type")))
    region = " ".join(x for x in (f.get("region_name_zh"), f.get("region_code")) if x)
    department = " / ".join(x for x in (f.get("department_zh"), f.get("department_en")) if x)
    return [
        *([f"负责部门 Responsible department: {department}"] if department else []),
        f"检查 Check: {zh} / {en} · {f.get('rule_id')}",
        *([f"地区 Region: {region}"] if region else []),
        *([f"年度 Year: {f['year']}"] if f.get("year") is not None else []),
        *([f"数据源 Feed: {f['feed']}"] if f.get("feed") else []),
        *([f"序列 Series: {f['series']}"] if f.get("series") and f.get("series") != f.get("feed") else []),
    ]


def finding_message(f: dict[str, Any], run_id: str, job_name: str, report: str | None = None) -> Message:
    """One new finding of marts.fct_data_quality_finding (a dict of its columns plus
    department_zh/en, the publishers of its feeds)."""
    subject, headline = _finding_headline(f)
    if f.get("severity") == "ERROR":
        effect = "ERROR（阻断发布 / blocks publishing）"
    elif f.get("rule_severity") == "ERROR":
        effect = f"WARN（已确认的来源错误，不阻断 / acknowledged source error, not blocking: {f.get('acknowledged_reason')}）"
    else:
        effect = "WARN（仅告警，照常发布 / alert only, still published）"
    body = [
        "健康城市数据仓库告警 / Healthy City Warehouse alert", "", headline, *_finding_lines(f),
        f"级别 Severity: {effect}", "",
        f"说明 {f.get('message_zh')}", f"Message: {f.get('message_en')}",
        *([f"来源 Source: {f.get('source_row') or f.get('source_file')}"]
          if f.get("source_row") or f.get("source_file") else []),
        f"问题编号 Finding id: {f.get('finding_id')}",
        f"运行 Dagster run: {run_id}（作业 job {job_name}）",
        f"时间 Time: {_now_text()}", "",
        "该问题持续期间不会重复发送；解决后会另行通知。/ This finding is not re-sent while it persists; "
        "its resolution will be announced once.",
        *([f"数据质量报告 Data-quality report: {report}"] if report else []),
    ]
    payload = {"event": "incident", "kind": "finding", "run_id": run_id, "job": job_name,
               **{k: f.get(k) for k in FINDING_FIELDS}}
    return Message(subject, "\n".join(body), payload)


FINDING_FIELDS = ("finding_id", "check_type", "rule_id", "severity", "rule_severity", "region_code", "region_name_zh",
                  "year", "feed", "series", "department_zh", "department_en", "value", "expected_low",
                  "expected_high", "message_zh", "message_en", "source_file", "source_row")


def finding_resolved_message(f: dict[str, Any], run_id: str, job_name: str, opened_run_id: str) -> Message:
    """The finding is no longer in marts.fct_data_quality_finding after a dbt build."""
    subject, _ = _finding_headline(f)
    subject = subject.replace(f"{PREFIX} ", f"{PREFIX} 已解决 / Resolved: ", 1)
    body = ["健康城市数据仓库通知 / Healthy City Warehouse notice", "",
            "数据质量问题已解决 / Data-quality finding resolved", *_finding_lines(f),
            f"原说明 Was: {f.get('message_zh')}", f"        {f.get('message_en')}",
            "本次数据构建中不再出现该问题 / the dbt build of this run no longer finds it",
            f"问题编号 Finding id: {f.get('finding_id')}",
            f"运行 Dagster run: {run_id}", f"问题首次出现于运行 Finding opened in run: {opened_run_id}",
            f"时间 Time: {_now_text()}"]
    payload = {"event": "recovery", "kind": "finding", "run_id": run_id, "job": job_name,
               "opened_run_id": opened_run_id, **{k: f.get(k) for k in FINDING_FIELDS}}
    return Message(subject, "\n".join(body), payload)


MAX_DIGEST_LINES = 40
NO_DEPARTMENT = "未指明部门"


def _digest_line(f: dict[str, Any]) -> str:
    zh, _ = CHECK_TYPES.get(f.get("check_type"), (f.get("check_type"), ""))
    region = " ".join(x for x in (f.get("region_name_zh"), f.get("region_code")) if x)
    return f"- [{f.get('severity')}] {region} {f.get('year') or ''} · {zh}：{f.get('message_zh')}"


def findings_digest_message(department: str, findings: list[dict[str, Any]], run_id: str, job_name: str,
                            report: str | None = None, resolved: bool = False) -> Message:
    """Many findings of one department in one message: the first night, or a rule that changed.
    Each finding is still announced once and its resolution once."""
    n = len(findings)
    n_error = sum(1 for f in findings if f.get("severity") == "ERROR")
    department_en = next((f.get("department_en") for f in findings if f.get("department_en")), "")
    by_type: dict[str, int] = {}
    for f in findings:
        by_type[f.get("check_type")] = by_type.get(f.get("check_type"), 0) + 1
    if resolved:
        subject = f"{PREFIX} 已解决 / Resolved: {n} 条数据质量问题 data-quality findings · {department}"
        headline = "数据质量问题已解决 / Data-quality findings resolved (本次数据构建中不再出现 / no longer found)"
    else:
        subject = (f"{PREFIX} 新的数据质量问题 {n} 条 / {n} new data-quality findings"
                   f"（错误 ERROR {n_error}，警告 WARN {n - n_error}）: {department}")
        headline = "事件 Incident: 新的数据质量问题 / new data-quality findings"
    body = [
        "健康城市数据仓库告警 / Healthy City Warehouse alert" if not resolved
        else "健康城市数据仓库通知 / Healthy City Warehouse notice", "", headline,
        f"负责部门 Responsible department: {department}" + (f" / {department_en}" if department_en else ""),
        "按检查 By check: " + "；".join(f"{CHECK_TYPES.get(t, (t, t))[0]} {t} {c}" for t, c in sorted(by_type.items())),
        f"运行 Dagster run: {run_id}（作业 job {job_name}）", f"时间 Time: {_now_text()}", "",
        *[_digest_line(f) for f in findings[:MAX_DIGEST_LINES]],
        *([f"- … 另有 {n - MAX_DIGEST_LINES} 条 / {n - MAX_DIGEST_LINES} more: "
           "select * from marts.fct_data_quality_finding (数据质量报告 / the data-quality report)"]
          if n > MAX_DIGEST_LINES else []),
        "",
        "每条问题只通知一次，解决后另行通知。/ Each finding is announced once; its resolution is announced once.",
        *([f"数据质量报告 Data-quality report: {report}"] if report and not resolved else []),
    ]
    payload = {"event": "recovery" if resolved else "incident", "kind": "finding_digest", "run_id": run_id,
               "job": job_name, "department": department, "count": n, "errors": n_error,
               "findings": [{k: f.get(k) for k in FINDING_FIELDS} for f in findings[:MAX_DIGEST_LINES]]}
    return Message(subject, "\n".join(body), payload)
