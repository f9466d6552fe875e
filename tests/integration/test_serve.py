"""Production mode: `make serve` starts dagster-webserver and dagster-daemon as two processes,
SIGTERM to make stops both within seconds; instance storage in a real PostgreSQL server when
HCW_DAGSTER_PG_* are set (server started on 127.0.0.1 for this module, see test_postgres.py).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

from dagster_project import settings
from tests.conftest import default_signals
from tests.integration.test_postgres import SUPERUSER_PASSWORD, _postgres_bin, postgres_server  # noqa: F401 (fixture)

STOP_TIMEOUT_SECONDS = 20  # serve.py's default HCW_STOP_TIMEOUT_SECONDS: SIGKILL after it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as stopped.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _serve_and_stop(tmp_path, extra_env: dict[str, str]) -> dict:
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home"), "HCW_LOG_DIR": str(tmp_path / "logs"),
           "HCW_WEB_PORT": str(port), "HCW_WAREHOUSE": str(tmp_path / "warehouse" / settings.WAREHOUSE_FILE_NAME),
           "HCW_LANDING_DIR": str(tmp_path / "landing"), **extra_env}
    make = subprocess.Popen(["make", "--no-print-directory", "serve"], cwd=settings.PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=default_signals)
    lines: list[str] = []
    pids: dict[str, int] = {}
    try:
        while len(pids) < 2:
            line = make.stdout.readline()
            assert line, "make serve ended early:\n" + "".join(lines)
            lines.append(line)
            found = re.match(r"started (webserver|daemon) \(pid (\d+)\)", line)
            if found:
                pids[found.group(1)] = int(found.group(2))
        deadline = time.monotonic() + 120
        while True:  # the webserver answers once the code location is loaded
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "logs" / "webserver.log").read_text()[-3000:]
                assert make.poll() is None, "".join(lines) + make.stdout.read()
                time.sleep(1)
        assert all(_alive(pid) for pid in pids.values())
        stopped_at = time.monotonic()
        make.send_signal(signal.SIGTERM)
        make.wait(timeout=60)
        took = time.monotonic() - stopped_at
        rest = make.stdout.read()
    finally:
        if make.poll() is None:
            make.kill()
        for pid in pids.values():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    return {"took": took, "pids": pids, "output": "".join(lines) + rest, "port": port}


def test_make_serve_runs_webserver_and_daemon_in_postgres_and_sigterm_stops_both(tmp_path, dbt_manifest, request):
    """With PostgreSQL installed (make postgres-install), instance storage goes there; without it,
    the same test runs on SQLite (and says so in its output)."""
    pg = None
    if _postgres_bin() is not None:
        server = request.getfixturevalue("postgres_server")
        pg = {"HCW_DAGSTER_PG_HOST": server["host"], "HCW_DAGSTER_PG_PORT": str(server["port"]),
              "HCW_DAGSTER_PG_USER": "postgres", "HCW_DAGSTER_PG_PASSWORD": SUPERUSER_PASSWORD,
              "HCW_DAGSTER_PG_DB": "postgres"}
    else:
        print("PostgreSQL not installed: make serve tested with SQLite instance storage only")
    outcome = _serve_and_stop(tmp_path, pg or {})
    # Both stop on SIGTERM by themselves: neither had to be killed after the stop timeout.
    assert "did not stop within" not in outcome["output"], outcome["output"]
    assert outcome["took"] < STOP_TIMEOUT_SECONDS + 10, outcome["output"]
    assert not any(_alive(pid) for pid in outcome["pids"].values())
    assert "signal SIGTERM: stopping webserver and daemon" in outcome["output"]
    # Logs where docs/operations.md says they are; the instance queues runs, one writer at a time.
    logs = tmp_path / "logs"
    assert (logs / "webserver.log").stat().st_size > 0 and (logs / "daemon.log").exists()
    assert "Caught error" not in (logs / "daemon.log").read_text()
    config = (tmp_path / "dagster_home" / "dagster.yaml").read_text()
    assert "QueuedRunCoordinator" in config and "max_concurrent_runs: 1" in config
    if pg is None:
        assert "postgres" not in config and (tmp_path / "dagster_home" / "history" / "runs.db").exists()
        return
    import psycopg

    assert "env: HCW_DAGSTER_PG_PASSWORD" in config and SUPERUSER_PASSWORD not in config  # no secret in the file
    assert not (tmp_path / "dagster_home" / "history" / "runs.db").exists()
    with psycopg.connect(host=pg["HCW_DAGSTER_PG_HOST"], port=int(pg["HCW_DAGSTER_PG_PORT"]), user="postgres",
                         password=SUPERUSER_PASSWORD, dbname="postgres") as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'public'")}
    # Dagster's run, event-log and schedule storage tables, created by the webserver and daemon.
    assert {"runs", "event_logs", "jobs", "job_ticks"} <= tables
