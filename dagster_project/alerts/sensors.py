"""The alert sensors: every finished run is looked at once, by one of two run-status sensors.

  alert_on_run_failure   @run_failure_sensor: failed runs, including runs stopped by a
                         blocking ERROR check
  alert_on_run_success   @run_status_sensor(SUCCESS): green runs, which may still carry failed
                         WARN checks (soft bounds, stale feeds) and recoveries

Both read the run's check evaluations from the instance (ASSET_CHECK_EVALUATION events) and
hand them to evaluate_run(), which keeps incident state (alerts/incidents.py) and sends one
message per new incident and one per recovery. A plain @sensor paging through event records
fails on the default SQLite instance (ecosystem.md §4), so we ride on the run-status cursor.

Data-quality findings: when a run rebuilt marts/fct_data_quality_finding, every finding in it is
an incident of its own (`finding:<finding_id>`): one message when it first appears, one when a
later build no longer finds it, nothing in between. The two dbt tests that summarise the
findings (dq_no_error_findings, dq_no_warn_findings) are therefore not incidents themselves.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster import DagsterEventType

from dagster_project.alerts.channels import AlertSettings, Message, deliver, log
from dagster_project.alerts.incidents import incident_store
from dagster_project.alerts.messages import (
    NO_DEPARTMENT, CheckFailure, check_incident_message, error_text, finding_message, finding_resolved_message,
    findings_digest_message, recovery_message, run_incident_message,
)

FINDINGS_ASSET = "marts/fct_data_quality_finding"
FINDING_CHECKS = {"dq_no_error_findings", "dq_no_warn_findings"}  # summaries of the findings, alerted one by one


@dataclass
class CheckOutcome:
    asset: str
    check_name: str
    passed: bool
    severity: str
    failures: list
    blocking: bool = True


def check_outcomes(instance: dg.DagsterInstance, run_id: str) -> list[CheckOutcome]:
    outcomes = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        ev = entry.dagster_event.event_specific_data
        failures = ev.metadata.get("failures")
        outcomes.append(CheckOutcome(ev.asset_key.to_user_string(), ev.check_name, bool(ev.passed),
                                     ev.severity.value, list(failures.value) if failures is not None else [],
                                     ev.blocking is not False))
    return outcomes


def findings_rebuilt(instance: dg.DagsterInstance, run_id: str) -> bool:
    return any(e.dagster_event.asset_key and e.dagster_event.asset_key.to_user_string() == FINDINGS_ASSET
               for e in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION))


FINDINGS_SQL = """
    select f.*,
           (select string_agg(distinct p.publisher_zh, '；' order by p.publisher_zh) from reference.dq_feed_publishers p
            where list_contains(string_split(f.feed, ';'), p.feed)) as department_zh,
           (select string_agg(distinct p.publisher_en, '; ' order by p.publisher_en) from reference.dq_feed_publishers p
            where list_contains(string_split(f.feed, ';'), p.feed)) as department_en
    from marts.fct_data_quality_finding f
    order by case f.severity when 'ERROR' then 0 else 1 end, f.check_type, f.region_code, f.year, f.finding_id
"""


def read_findings(database: Path, attempts: int = 5, wait_seconds: float = 2.0) -> list[dict] | None:
    """Every row of marts.fct_data_quality_finding with the responsible department(s), or None
    when the warehouse cannot be read (the next run may already hold DuckDB's writer lock):
    then findings change nothing this time and the next dbt build settles them."""
    import duckdb

    for attempt in range(attempts):
        try:
            with duckdb.connect(str(database), read_only=True) as con:
                cursor = con.execute(FINDINGS_SQL)
                columns = [d[0] for d in cursor.description]
                return [dict(zip(columns, row)) for row in cursor.fetchall()]
        except duckdb.IOException:  # locked by a writer
            if attempt + 1 < attempts:
                time.sleep(wait_seconds)
        except duckdb.Error:  # no such table yet, or any other reason: logged, never fatal to alerting
            log.exception("data-quality findings not readable in %s", database)
            return None
    log.error("data-quality findings not read: the warehouse %s is locked by another process", database)
    return None


def step_labels(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """step key -> what it builds: the asset key when the step builds one asset (a feed), else
    the step key (the dbt step builds every model)."""
    planned: dict[str, list[str]] = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED):
        event = entry.dagster_event
        if event.step_key and event.asset_key:
            planned.setdefault(event.step_key, []).append(event.asset_key.to_user_string())
    return {step: keys[0] if len(keys) == 1 else step for step, keys in planned.items()}


def step_outcomes(instance: dg.DagsterInstance, run_id: str) -> tuple[dict[str, str], set[str]]:
    """({failed label: error text}, {succeeded labels}) for the run's steps."""
    labels = step_labels(instance, run_id)
    failed: dict[str, str] = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE):
        event = entry.dagster_event
        data = event.event_specific_data
        message = error_text(data.error) if data and data.error else event.message
        failed[labels.get(event.step_key, event.step_key)] = f"{event.step_key}: {message}"
    succeeded = {labels.get(e.dagster_event.step_key, e.dagster_event.step_key)
                 for e in instance.all_logs(run_id, of_type=DagsterEventType.STEP_SUCCESS)}
    return failed, succeeded


def run_errors(instance: dg.DagsterInstance, run_id: str, failure_message: str | None) -> list[str]:
    errors = list(step_outcomes(instance, run_id)[0].values())
    if not errors and failure_message:
        errors.append(failure_message)
    return errors


def incident_key(label: str) -> str:
    """`asset:raw/pension_beds` for a feed's step, `step:<step key>` for the dbt step."""
    return f"asset:{label}" if "/" in label else f"step:{label}"


def _report_location() -> str | None:
    from dagster_project.quality.report import report_path

    path = report_path()
    return str(path) if path.exists() else None


def evaluate_run(instance: dg.DagsterInstance, run: dg.DagsterRun, run_failed: bool,
                 failure_message: str | None = None, settings: AlertSettings | None = None,
                 logger: logging.Logger | None = None) -> list[Message]:
    """Open/close incidents for one finished run and send what is new. Returns the messages sent."""
    settings = settings or AlertSettings.from_env()
    logger = logger or log
    run_id, job = run.run_id, run.job_name
    outcomes = check_outcomes(instance, run_id)
    report = _report_location()
    to_send: list[tuple[str | None, Message]] = []  # (incident key to mark notified, message)

    findings = None
    if findings_rebuilt(instance, run_id):
        from dagster_project import settings as project_settings

        findings = read_findings(project_settings.warehouse_path())

    with incident_store() as store:
        for o in outcomes:
            key = f"check:{o.asset}:{o.check_name}"
            if o.check_name in FINDING_CHECKS:
                continue
            if not o.passed:
                incident = store.open_or_touch(key, "check", o.asset, o.check_name, run_id)
                if incident.notified_at is None:
                    to_send.append((key, check_incident_message(
                        CheckFailure(o.asset, o.check_name, o.severity, o.failures, blocking=o.blocking),
                        run_id, job, run_failed, report)))
            else:
                closed = store.close(key, run_id)
                if closed and closed.notified_at:
                    to_send.append((None, recovery_message("check", o.asset, o.check_name, job, run_id, closed.opened_run_id)))

        # Run incidents are keyed by what failed (the feed's asset, the dbt step), never by job:
        # a failed landing run of one feed must not hide a later failure of another.
        # A step stopped by a blocking ERROR check is fully described by that check's incident.
        failed_checks = {o.asset for o in outcomes if not o.passed and o.severity == "ERROR"}
        failed_steps, succeeded_steps = step_outcomes(instance, run_id)
        for label, error in sorted(failed_steps.items()):
            if "DagsterAssetCheckFailedError" in error or label in failed_checks:
                continue
            key = incident_key(label)
            incident = store.open_or_touch(key, "run", label, None, run_id)
            if incident.notified_at is None:
                to_send.append((key, run_incident_message(run_id, job, [error], report, what=label)))
        if run_failed and not failed_steps and not failed_checks:
            # Failed before or outside any step (e.g. the warehouse was held by another writer).
            key = "run:before-steps"
            incident = store.open_or_touch(key, "run", None, None, run_id)
            if incident.notified_at is None:
                to_send.append((key, run_incident_message(run_id, job, run_errors(instance, run_id, failure_message),
                                                          report)))
        recovered = [incident_key(label) for label in sorted(succeeded_steps - set(failed_steps))]
        if not run_failed:
            recovered += ["run:before-steps", f"run:{job}"]  # run:<job>: incidents kept by older versions
        for key in recovered:
            closed = store.close(key, run_id)
            if closed and closed.notified_at:
                to_send.append((None, recovery_message("run", closed.asset, None, job, run_id, closed.opened_run_id)))

        announcing = [([key] if key else [], message) for key, message in to_send]
        if findings is not None:
            announcing += finding_incidents(store, findings, run_id, job, report)

        sent = []
        for keys, message in announcing:
            delivered = deliver(message, settings, logger)
            if any(delivered.values()):
                sent.append(message)
                for key in keys:
                    store.mark_notified(key)
            # Not delivered anywhere: the incident stays un-notified and the next run tries again.
    return sent


def max_finding_messages() -> int:
    import os

    return int(os.environ.get("HCW_ALERT_MAX_FINDING_MESSAGES", "10"))


def _by_department(findings: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for f in findings:
        groups.setdefault(f.get("department_zh") or NO_DEPARTMENT, []).append(f)
    return groups


def finding_incidents(store, findings: list[dict], run_id: str, job: str,
                      report: str | None) -> list[tuple[list[str], Message]]:
    """Open an incident per new finding, close those no longer found; the messages to send with
    the incident keys each one announces. Up to HCW_ALERT_MAX_FINDING_MESSAGES (10) new findings
    get a message each; more (the first night, a changed rule) one message per department."""
    new: list[tuple[str, dict]] = []
    current = {f"finding:{f['finding_id']}": f for f in findings}
    for key, f in current.items():
        incident = store.open_or_touch(key, "finding", FINDINGS_ASSET, f["rule_id"], run_id)
        detail = {k: (v if isinstance(v, (str, int, float, type(None))) else str(v)) for k, v in f.items()}
        store.set_detail(key, detail)
        if incident.notified_at is None:
            new.append((key, detail))
    resolved: list[dict] = []
    for key in store.open_keys("finding:"):
        if key in current:
            continue
        detail = store.get_detail(key) or {"finding_id": key.split(":", 1)[1]}
        closed = store.close(key, run_id)
        store.drop_detail(key)
        if closed and closed.notified_at:
            resolved.append({**detail, "opened_run_id": closed.opened_run_id})
    for check in FINDING_CHECKS:  # incidents of these two checks kept by older versions: now told per finding
        store.close(f"check:{FINDINGS_ASSET}:{check}", run_id)

    to_send: list[tuple[list[str], Message]] = []
    if len(new) <= max_finding_messages():
        to_send += [([key], finding_message(detail, run_id, job, report)) for key, detail in new]
    else:
        keys = {id(detail): key for key, detail in new}
        for department, group in sorted(_by_department([d for _, d in new]).items()):
            to_send.append(([keys[id(d)] for d in group],
                            findings_digest_message(department, group, run_id, job, report)))
    if len(resolved) <= max_finding_messages():
        to_send += [([], finding_resolved_message(d, run_id, job, d["opened_run_id"])) for d in resolved]
    else:
        for department, group in sorted(_by_department(resolved).items()):
            to_send.append(([], findings_digest_message(department, group, run_id, job, resolved=True)))
    return to_send


def _safe_evaluate(context, run_failed: bool, failure_message: str | None) -> dg.SkipReason:
    try:
        sent = evaluate_run(context.instance, context.dagster_run, run_failed, failure_message)
    except Exception as exc:  # noqa: BLE001 - an alerting bug must not take the sensor down
        log.exception("alert evaluation failed for run %s", context.dagster_run.run_id)
        return dg.SkipReason(f"alert evaluation failed: {type(exc).__name__}: {exc}")
    return dg.SkipReason(f"{len(sent)} alert(s) sent for run {context.dagster_run.run_id}")


@dg.run_failure_sensor(name="alert_on_run_failure", default_status=dg.DefaultSensorStatus.RUNNING,
                       description="告警：运行失败或数据校验失败 / alert administrators on failed runs and failed checks")
def alert_on_run_failure(context: dg.RunFailureSensorContext):
    return _safe_evaluate(context, True, context.failure_event.message if context.failure_event else None)


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, name="alert_on_run_success",
                      default_status=dg.DefaultSensorStatus.RUNNING,
                      description="告警：成功运行中的 WARN 校验失败、数据源过期，以及恢复通知 / "
                                  "WARN checks and stale feeds in green runs, and recoveries")
def alert_on_run_success(context: dg.RunStatusSensorContext):
    return _safe_evaluate(context, False, None)
