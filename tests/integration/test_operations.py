"""Operating the warehouse: one writer at a time, the run queue, the failure cause in the summary.

Real processes: `python -m dagster_project.run` (what `make run` runs) started twice at once on
one warehouse, and a lock holder in its own process. Each run selects one feed and the region
codes (a few seconds), not the whole warehouse.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time

import pytest

from dagster_project import settings

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
