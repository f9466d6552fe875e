"""Alerts end to end: real Dagster runs, the real alert sensors, a real SMTP server (aiosmtpd) and
a real HTTP receiver on 127.0.0.1. Each run materializes one feed and its checks (a few seconds),
not the whole warehouse.
"""

from __future__ import annotations

import logging
import socket

import dagster as dg
import duckdb
import pytest

from dagster_project import settings
from dagster_project.alerts.incidents import incident_store
from dagster_project.alerts.sensors import alert_on_run_failure, alert_on_run_success
from dagster_project.feeds.assets import build_feed_asset
from dagster_project.feeds.config import load_feed_config
from dagster_project.quality.freshness import build_freshness_check
from dagster_project.quality.gx_checks import build_suite_check, load_suite_file
from dagster_project.reference import region_codes
from tests.conftest import write_negative_bed_count

ALERT_ENV = ("HCW_SMTP_HOST", "HCW_SMTP_PORT", "HCW_SMTP_SENDER", "HCW_SMTP_RECIPIENTS", "HCW_SMTP_USER",
             "HCW_SMTP_PASSWORD", "HCW_SMTP_STARTTLS", "HCW_SMTP_SSL", "HCW_ALERT_WEBHOOK_URL",
             "HCW_ALERT_WEBHOOK_TOKEN", "HCW_DINGTALK_WEBHOOK_URL", "HCW_DINGTALK_SECRET", "HCW_WECOM_WEBHOOK_URL")


@pytest.fixture
def alert_env(isolated_env, monkeypatch, tmp_path, smtp_server, http_receiver):
    """Every channel pointed at the servers of this test; incident state in tmp_path."""
    for name in ALERT_ENV:
        monkeypatch.delenv(name, raising=False)
    port, mails = smtp_server
    base_url, posts = http_receiver
    monkeypatch.setenv("HCW_ALERT_STATE", str(tmp_path / "alert_incidents.sqlite"))
    monkeypatch.setenv("HCW_ALERT_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("HCW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HCW_SMTP_PORT", str(port))
    monkeypatch.setenv("HCW_SMTP_SENDER", "warehouse@example.org")
    monkeypatch.setenv("HCW_SMTP_RECIPIENTS", "admin@example.org")
    monkeypatch.setenv("HCW_ALERT_WEBHOOK_URL", f"{base_url}/generic")
    monkeypatch.setenv("HCW_DINGTALK_WEBHOOK_URL", f"{base_url}/dingtalk?access_token=t")
    monkeypatch.setenv("HCW_WECOM_WEBHOOK_URL", f"{base_url}/wecom?key=k")
    return {**isolated_env, "mails": mails, "posts": posts}


def pension_beds_defs(with_suites: bool = True, with_freshness: bool = False) -> list:
    cfg = load_feed_config(settings.feeds_dir() / "pension_beds.yml")
    defs = [build_feed_asset(cfg)]
    if with_suites:
        defs += [region_codes,
                 build_suite_check(load_suite_file(settings.EXPECTATIONS_DIR / "raw_pension_beds.json")),
                 build_suite_check(load_suite_file(settings.EXPECTATIONS_DIR / "generated" / "raw_pension_beds_feed_rules.json"))]
    if with_freshness:
        defs.append(build_freshness_check(cfg))
    return defs


def run_and_tick(instance, defs) -> dg.ExecuteInProcessResult:
    """One pipeline run, then one tick of the alert sensor that Dagster would call for it."""
    result = dg.materialize(defs, instance=instance, raise_on_error=False)
    run = instance.get_run_by_id(result.run_id)
    if result.success:
        event = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[0].dagster_event
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_run_success", dagster_instance=instance, dagster_run=run, dagster_event=event)
        alert_on_run_success(context)
    else:
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_run_failure", dagster_instance=instance, dagster_run=run,
            dagster_event=result.get_run_failure_event()).for_run_failure()
        alert_on_run_failure(context)
    return result


def test_bad_input_file_sends_exactly_one_alert_on_every_channel(alert_env):
    write_negative_bed_count(alert_env["sources"])

    with dg.instance_for_test() as instance:
        result = run_and_tick(instance, pension_beds_defs())
        assert result.success is False  # the blocking ERROR check stopped the run
        run_id = result.run_id

        mails, posts = alert_env["mails"], alert_env["posts"]
        assert len(mails) == 1
        subject, body = mails[0]["Subject"], mails[0].get_content()
        assert subject == ("[健康城市仓库] 数据校验失败（错误）/ Check failed (ERROR): "
                           "养老机构床位数 · raw/pension_beds · raw_pension_beds_gx")
        assert "数据源 Feed: 养老机构床位数 / Elderly-care institution beds (pension_beds)" in body
        assert "校验 Check: raw_pension_beds_gx" in body
        assert f"运行 Dagster run: {run_id}" in body
        assert "失败值 Failing values: -26458（1 行 rows）" in body
        assert "位置 Where: pension_beds_2016_2024.csv 第6行 row 6" in body
        assert "运行结果 Run status: 失败 FAILED" in body

        # The same incident on the three webhooks, nothing else.
        assert sorted(p[0].split("?")[0] for p in posts) == ["/dingtalk", "/generic", "/wecom"]
        generic = next(p[1] for p in posts if p[0] == "/generic")
        assert (generic["event"], generic["check"], generic["run_id"], generic["severity"]) == (
            "incident", "raw_pension_beds_gx", run_id, "ERROR")
        assert generic["failures"][0]["failing_values"] == [{"value": -26458, "rows": 1}]
        assert generic["failures"][0]["failing_rows"] == [
            {"institution_beds": -26458, "_source_file": "pension_beds_2016_2024.csv", "_row_number": 6}]
        for robot in ("/dingtalk", "/wecom"):
            text = next(p[1] for p in posts if p[0].startswith(robot))["text"]["content"]
            assert text.startswith(subject) and run_id in text and "-26458" in text

        # The failing row is queryable in the warehouse and named in the offline report.
        with duckdb.connect(str(alert_env["warehouse"]), read_only=True) as con:
            rows = con.execute("select check_name, severity, source_file, row_number, value from raw._check_failures "
                               "where run_id = ?", [run_id]).fetchall()
        assert rows == [("raw_pension_beds_gx", "ERROR", "pension_beds_2016_2024.csv", 6, "-26458")]
        report = (alert_env["warehouse"].parent / "reports" / "data_quality.html").read_text(encoding="utf-8")
        assert "pension_beds_2016_2024.csv" in report and "-26458" in report


def test_clean_run_sends_nothing(alert_env):
    with dg.instance_for_test() as instance:
        result = run_and_tick(instance, pension_beds_defs())
        assert result.success is True
        checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
        assert sorted((c.check_name, c.passed) for c in checks) == [
            ("raw_pension_beds_feed_rules_gx", True), ("raw_pension_beds_files_accepted", True),
            ("raw_pension_beds_gx", True)]
    assert alert_env["mails"] == [] and alert_env["posts"] == []


def test_stale_feed_alerts_once_and_recovery_is_announced_once(alert_env):
    defs = pension_beds_defs(with_suites=False, with_freshness=True)
    mails = alert_env["mails"]

    def shift_loads(days: int):
        with duckdb.connect(str(alert_env["warehouse"])) as con:
            con.execute(f"update raw._loads set loaded_at = loaded_at - to_days({days})")

    with dg.instance_for_test() as instance:
        run_and_tick(instance, defs)  # first load: fresh
        assert mails == []
        # pension_beds is yearly: stale after 400 days. 500 days ago > 400 -> stale.
        shift_loads(500)
        stale_run = run_and_tick(instance, defs)  # the file is already loaded, nothing new arrives
        assert stale_run.success is True  # WARN, not blocking
        assert len(mails) == 1
        assert mails[0]["Subject"] == ("[健康城市仓库] 数据校验失败（警告）/ Check failed (WARN): "
                                       "养老机构床位数 · raw/pension_beds · raw_pension_beds_fresh")
        assert stale_run.run_id in mails[0].get_content()
        assert "超过400天没有新文件" in mails[0].get_content()

        run_and_tick(instance, defs)  # second tick, still stale: no new message
        assert len(mails) == 1

        shift_loads(-500)  # a new file arrived (as far as raw._loads can tell)
        recovered_run = run_and_tick(instance, defs)
        assert len(mails) == 2
        assert mails[1]["Subject"] == ("[健康城市仓库] 已恢复 / Recovered: "
                                       "养老机构床位数 · raw/pension_beds · raw_pension_beds_fresh")
        assert f"运行 Dagster run: {recovered_run.run_id}" in mails[1].get_content()
        assert f"Incident opened in run: {stale_run.run_id}" in mails[1].get_content()

        run_and_tick(instance, defs)  # recovered stays recovered: nothing more
        assert len(mails) == 2
    # Each message also went to the three webhooks: 2 messages x 3 = 6 posts.
    assert [p[1]["event"] for p in alert_env["posts"] if p[0] == "/generic"] == ["incident", "recovery"]
    assert len(alert_env["posts"]) == 6


def test_unreachable_smtp_and_webhook_are_logged_and_the_sensor_carries_on(isolated_env, monkeypatch, tmp_path, caplog):
    for name in ALERT_ENV:
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # nothing listens here once the socket is closed
    monkeypatch.setenv("HCW_ALERT_STATE", str(tmp_path / "alert_incidents.sqlite"))
    monkeypatch.setenv("HCW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HCW_SMTP_PORT", str(dead))
    monkeypatch.setenv("HCW_SMTP_SENDER", "warehouse@example.org")
    monkeypatch.setenv("HCW_SMTP_RECIPIENTS", "admin@example.org")
    monkeypatch.setenv("HCW_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{dead}/hook")

    @dg.asset(key=["raw", "broken_feed"])
    def broken_feed():
        raise dg.Failure(description="broken_feed.csv: missing required column 'region_code'")

    with dg.instance_for_test() as instance, caplog.at_level(logging.ERROR, logger="dagster_project.alerts"):
        result = run_and_tick(instance, [broken_feed])
    assert result.success is False
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert [e.split(" (")[0] for e in errors] == ["alert NOT delivered via email", "alert NOT delivered via webhook"]
    # The incident is named by what failed (the feed's asset), not by the job.
    assert all("运行失败 / Run failed: broken_feed · raw/broken_feed · __ephemeral_asset_job__" in e for e in errors)
    # Nobody was told, so the incident stays open and un-notified: the next run tries again.
    with incident_store() as store:
        incident = store.get("asset:raw/broken_feed")
    assert incident is not None and incident.notified_at is None
