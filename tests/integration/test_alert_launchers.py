"""Every failing run alerts, however it was launched, with a real SMTP server (aiosmtpd) and a real
HTTP receiver on 127.0.0.1:

- `make run` with no Dagster daemon: the run's own process sends the alert; a later look by the
  alert sensor at the same run sends nothing more (one incident store);
- the landing-folder sensor in a real `dagster-daemon`: a bad file dropped into landing/ starts a
  run of the named job feed_<feed> through the run queue; it fails and the daemon's alert sensor
  mails, naming the feed and the job.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import dagster as dg
import pytest

from dagster_project import settings
from tests.conftest import REPO, running_daemon, write_negative_bed_count
from tests.integration.test_alerts import ALERT_ENV

ONE_FEED = "key:raw/pension_beds or key:raw/region_codes"
CHECK_SUBJECT = ("[健康城市仓库] 数据校验失败（错误）/ Check failed (ERROR): "
                 "养老机构床位数 · raw/pension_beds · raw_pension_beds_gx")


def _env(tmp_path, smtp_port: int, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ALERT_ENV}
    sources = tmp_path / "sources"
    shutil.copytree(REPO / "sources", sources)
    env.update({
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "HCW_WAREHOUSE": str(tmp_path / "warehouse" / settings.WAREHOUSE_FILE_NAME),
        "HCW_LANDING_DIR": str(tmp_path / "landing"),
        "HCW_ARCHIVE_DIR": str(tmp_path / "archive"),
        "HCW_SOURCES_DIR": str(sources),
        "HCW_ALERT_STATE": str(tmp_path / "alert_incidents.sqlite"),
        "HCW_ALERT_TIMEOUT_SECONDS": "5",
        "HCW_SMTP_HOST": "127.0.0.1", "HCW_SMTP_PORT": str(smtp_port),
        "HCW_SMTP_SENDER": "warehouse@example.org", "HCW_SMTP_RECIPIENTS": "admin@example.org",
        "HCW_ALERT_WEBHOOK_URL": f"{base_url}/generic",
    })
    (tmp_path / "dagster_home").mkdir()
    return env


def test_make_run_alerts_without_the_daemon_and_the_sensor_does_not_repeat_it(
        tmp_path, dbt_manifest, smtp_server, http_receiver, monkeypatch):
    port, mails = smtp_server
    base_url, posts = http_receiver
    env = _env(tmp_path, port, base_url)
    write_negative_bed_count(tmp_path / "sources")

    proc = subprocess.run([sys.executable, "-m", "dagster_project.run", "--select", ONE_FEED],
                          cwd=settings.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-3000:]
    # The summary names the cause: the failed check, its rule and the value.
    assert "run FAILED" in proc.stdout
    assert "check raw/pension_beds · raw_pension_beds_gx failed (ERROR" in proc.stdout
    assert "-26458" in proc.stdout
    assert f"alerts 告警: 1 message(s) sent: {CHECK_SUBJECT}" in proc.stdout
    assert [m["Subject"] for m in mails] == [CHECK_SUBJECT]
    run_id = next(line.split(": ")[1] for line in proc.stdout.splitlines() if line.startswith("Dagster run: "))
    assert f"运行 Dagster run: {run_id}（作业 job nightly_materialization）" in mails[0].get_content()
    assert [p[1]["run_id"] for p in posts] == [run_id]

    # Later the daemon's alert sensor looks at the same run: the incident is known, nothing is re-sent.
    from dagster_project.alerts.sensors import alert_on_run_failure

    for name, value in env.items():
        if name.startswith(("HCW_", "DAGSTER_HOME")):
            monkeypatch.setenv(name, value)
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE and run.tags["hcw/launched_by"] == "make run"
        failure = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_run_failure", dagster_instance=instance, dagster_run=run,
            dagster_event=failure).for_run_failure()
        skip = alert_on_run_failure(context)
    assert "0 alert(s) sent" in skip.skip_message
    assert len(mails) == 1 and len(posts) == 1


BAD_DROP = "地区,年份,养老机构床位数(张)\n包头市,2025,-27100\n"


def test_landing_sensor_run_in_the_daemon_has_a_named_job_and_alerts(
        tmp_path, dbt_manifest, smtp_server, http_receiver):
    port, mails = smtp_server
    base_url, posts = http_receiver
    env = _env(tmp_path, port, base_url)
    from dagster_project.instance import write_instance_config

    write_instance_config(tmp_path / "dagster_home")
    drop = tmp_path / "landing" / "pension_beds" / "pension_beds_2025.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(BAD_DROP, encoding="utf-8")
    then = time.time() - 120  # an old file: the sensor does not wait for a copy to finish
    os.utime(drop, (then, then))

    with running_daemon(env, settings.PROJECT_ROOT / "workspace.yaml", tmp_path / "daemon.log") as daemon:
        deadline = time.monotonic() + 240
        while not mails and time.monotonic() < deadline:
            assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
            time.sleep(2)
        time.sleep(5)  # one evaluation sends all of a run's messages; let the last ones arrive
    assert mails, "no alert within 240 s; daemon log:\n" + (tmp_path / "daemon.log").read_text()[-4000:]

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        runs = instance.get_runs()
    assert [(r.job_name, r.status, r.tags.get("dagster/sensor_name"), r.tags.get("hcw/warehouse-writer"))
            for r in runs] == [("feed_pension_beds", dg.DagsterRunStatus.FAILURE, "feed_landing_sensor", "warehouse")]
    subjects = [m["Subject"] for m in mails]
    # One message per incident, each naming the job and the run. On this fresh warehouse the feed's
    # second suite also errors (raw.region_codes was never loaded: the sensor runs only the feed and
    # what depends on it), which is a second incident, keyed by that step.
    assert subjects[0] == CHECK_SUBJECT and len(set(subjects)) == len(subjects), subjects
    assert f"运行 Dagster run: {runs[0].run_id}（作业 job feed_pension_beds）" in mails[0].get_content()
    for mail in mails[1:]:
        assert f"feed_pension_beds · {runs[0].run_id[:8]}" in mail["Subject"]
        assert f"运行 Dagster run: {runs[0].run_id}" in mail.get_content()
    assert sorted(p[1]["run_id"] for p in posts) == [runs[0].run_id] * len(mails)
