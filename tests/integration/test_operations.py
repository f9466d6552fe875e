"""Operating the warehouse: one writer at a time, the run queue, the failure cause in the summary.

Real processes: `python -m dagster_project.run` (what `make run` runs) started twice at once on
one warehouse, a lock holder in its own process, and a real `dagster-daemon` dequeuing two runs
submitted at once through the instance's run queue (as the schedule, a sensor or the UI submit
them). Each run selects one feed and the region codes (a few seconds), or is a one-op job that
writes the warehouse (queue_probe.py), not the whole warehouse.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from tests.conftest import running_daemon

ONE_FEED = "key:raw/pension_beds or key:raw/region_codes"


def _env(root, home, wait_seconds: float, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HCW_SMTP", "HCW_ALERT", "HCW_DINGTALK", "HCW_WECOM"))}
    env.update({
        "DAGSTER_HOME": str(home),
        "HCW_WAREHOUSE": str(root / "warehouse" / settings.WAREHOUSE_FILE_NAME),
        "HCW_LANDING_DIR": str(root / "landing"),
        "HCW_ARCHIVE_DIR": str(root / "archive"),
        "HCW_ALERT_STATE": str(root / "alert_incidents.sqlite"),
        "HCW_WRITER_LOCK_WAIT_SECONDS": str(wait_seconds),
        **extra,
    })
    env.pop("HCW_SOURCES_DIR", None)
    return env


def _make_run(env, *args, select: str = ONE_FEED) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dagster_project.run", "--select", select, *args],
                            cwd=settings.PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.fixture
def run_env(tmp_path, dbt_manifest):
    home = tmp_path / "dagster_home"
    home.mkdir()
    return tmp_path, home


def test_two_simultaneous_make_runs_one_done_one_refused_naming_the_holder(run_env):
    root, home = run_env
    env = _env(root, home, wait_seconds=1)
    first, second = _make_run(env), _make_run(env)
    outcomes = {}
    for proc in (first, second):
        out, err = proc.communicate(timeout=300)
        outcomes[proc.pid] = (proc.returncode, out, err)
    codes = sorted(rc for rc, _, _ in outcomes.values())
    assert codes == [0, 75], {pid: (rc, out[-2000:], err[-2000:]) for pid, (rc, out, err) in outcomes.items()}
    winner_pid = next(pid for pid, (rc, _, _) in outcomes.items() if rc == 0)
    _, winner_out, _ = outcomes[winner_pid]
    _, loser_out, loser_err = next(v for pid, v in outcomes.items() if pid != winner_pid)

    winner_run = re.search(r"Dagster run: (\S+)", winner_out).group(1)
    assert "run succeeded" in winner_out
    # The refusal names the run, the process and what launched it; the loser wrote nothing.
    assert "make run refused" in loser_err
    assert f"run {winner_run} (pid {winner_pid}" in loser_err
    assert "launched by make run" in loser_err
    assert "Dagster run:" not in loser_out

    # The winner's run is in the Dagster instance with the writer tag, and the lock is free again.
    import dagster as dg

    T0 = time.time()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
    assert [(r.run_id, r.status, r.tags.get("hcw/warehouse-writer")) for r in runs] == [
        (winner_run, dg.DagsterRunStatus.SUCCESS, "warehouse")]
    from dagster_project.writer_lock import is_held, lock_path

    assert not is_held(lock_path(root / "warehouse" / settings.WAREHOUSE_FILE_NAME))


HOLDER = textwrap.dedent("""
    import sys, time
    from dagster_project.writer_lock import warehouse_writer
    with warehouse_writer("held-by-test-run", "a test holder", wait=0):
        print("holding", flush=True)
        time.sleep(float(sys.argv[1]))
""")


def _hold(env, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(seconds)], cwd=settings.PROJECT_ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_make_run_waits_for_the_holder_then_runs(run_env):
    root, home = run_env
    env = _env(root, home, wait_seconds=120)
    holder = _hold(env, 6)
    started = time.monotonic()
    proc = _make_run(env, select="key:raw/region_codes")  # the cheapest real run: no GX suite
    out, err = proc.communicate(timeout=300)
    holder.wait(timeout=30)
    assert proc.returncode == 0, err[-3000:]
    assert "waiting for the warehouse" in out
    assert "run held-by-test-run" in out and f"pid {holder.pid}" in out and "launched by a test holder" in out
    assert time.monotonic() - started >= 5  # it really waited for the holder


def test_a_run_launched_outside_make_run_refuses_a_held_warehouse(run_env):
    """The Definitions' executor takes the lock too: `dagster asset materialize` (as the daemon,
    the UI or a backfill would run a job) fails naming the holder instead of a DuckDB lock error."""
    root, home = run_env
    env = _env(root, home, wait_seconds=1)
    holder = _hold(env, 120)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "dagster_project.definitions", "--select", "raw/region_codes,raw/region_code_changes"],
            cwd=settings.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "WarehouseBusy" in text and "run held-by-test-run" in text and f"pid {holder.pid}" in text


def test_instance_config_queues_runs_one_writer_at_a_time(tmp_path, monkeypatch):
    import dagster as dg

    from dagster_project.instance import write_instance_config

    for name in ("HCW_DAGSTER_PG_HOST",):
        monkeypatch.delenv(name, raising=False)
    path = write_instance_config(tmp_path)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 1
        assert queue.tag_concurrency_limits == [{"key": "hcw/warehouse-writer", "limit": 1}]
    # An operator's own dagster.yaml (no marker line) is left alone ...
    own = "telemetry:\n  enabled: false\nrun_monitoring:\n  enabled: true\n"
    path.write_text(own)
    write_instance_config(tmp_path)
    assert path.read_text() == own
    # ... but the two-line file earlier versions of `make dev` wrote is upgraded to the queue.
    path.write_text("telemetry:\n  enabled: false\n")
    write_instance_config(tmp_path)
    assert "QueuedRunCoordinator" in path.read_text()


def test_every_job_and_sensor_run_carries_the_writer_tag(defs):
    jobs = [j for j in defs.resolve_all_job_defs() if not j.name.startswith("__")]
    assert sorted(j.name for j in jobs)[:3] and all(j.tags.get("hcw/warehouse-writer") == "warehouse" for j in jobs)
    assert "feed_pension_beds" in {j.name for j in jobs}


QUEUE_WORKSPACE = """load_from:
  - python_module:
      module_name: tests.integration.queue_probe
      working_directory: {root}
      location_name: queue_probe
"""


def test_two_runs_submitted_through_the_queue_run_one_after_the_other(tmp_path):
    """Two runs submitted at the same moment (a sensor's two run requests, as the 02:00 schedule and
    a click in the UI would submit them): the daemon's run queue (dagster.yaml from instance.py: one
    run at a time) starts the second only after the first has ended; both succeed, and the
    warehouse had one writer at a time."""
    import dagster as dg
    import yaml

    from dagster_project.instance import write_instance_config

    home = tmp_path / "dagster_home"
    env = _env(tmp_path, home, wait_seconds=60)
    config = write_instance_config(home)
    # Test speed only: the queue looks every second instead of every 5 s; its limits are as written.
    text = config.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["run_coordinator"] == {"module": "dagster.core.run_coordinator",
                                                       "class": "QueuedRunCoordinator"}
    config.write_text(text.replace("class: QueuedRunCoordinator\n",
                                   "class: QueuedRunCoordinator\n  config:\n    dequeue_interval_seconds: 1\n"),
                      encoding="utf-8")
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(QUEUE_WORKSPACE.format(root=settings.PROJECT_ROOT), encoding="utf-8")

    log_path = tmp_path / "daemon.log"
    with running_daemon(env, workspace, log_path) as daemon:
        # The daemon creates the instance's SQLite storages; open them only once it has (two processes
        # creating the same tables collide).
        deadline = time.monotonic() + 120
        while "Instance is configured with the following daemons" not in log_path.read_text(errors="replace"):
            assert daemon.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert instance.run_coordinator.dequeue_interval_seconds == 1
            assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
            most_in_progress, runs = 0, []
            while time.monotonic() < deadline + 60:
                runs = instance.get_runs()
                most_in_progress = max(most_in_progress, sum(
                    r.status in (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED) for r in runs))
                if len(runs) == 2 and all(r.is_finished for r in runs):
                    break
                assert daemon.poll() is None, log_path.read_text()[-3000:]
                time.sleep(0.2)
            run_ids = [r.run_id for r in runs]
            records = {r.dagster_run.run_id: r for r in instance.get_run_records(dg.RunsFilter(run_ids=run_ids))}
            dequeued = {r: instance.all_logs(r, of_type=dg.DagsterEventType.RUN_STARTING)[0].timestamp
                        for r in run_ids}

    log = (tmp_path / "daemon.log").read_text()[-3000:]
    assert sorted((r.status, r.tags.get("dagster/run_key")) for r in runs) == [
        (dg.DagsterRunStatus.SUCCESS, "first"), (dg.DagsterRunStatus.SUCCESS, "second")], log
    assert all(r.tags.get("hcw/warehouse-writer") == "warehouse" for r in runs)
    assert most_in_progress == 1
    first, second = sorted(run_ids, key=lambda r: records[r].start_time)
    # Both were submitted before the first ended; the second left the queue only after it had ended.
    assert records[second].create_timestamp.timestamp() < records[first].end_time
    assert dequeued[second] >= records[first].end_time
    assert records[first].end_time <= records[second].start_time
    # Each run held the DuckDB file in turn (times written by the runs themselves).
    with duckdb.connect(str(tmp_path / "warehouse" / settings.WAREHOUSE_FILE_NAME), read_only=True) as con:
        held = con.execute("select run_id, opened_at, closed_at from queue_probe order by opened_at").fetchall()
    assert [h[0] for h in held] == [first, second]
    assert held[0][2] <= held[1][1]
