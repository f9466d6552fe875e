"""Shared fixtures. One materialized warehouse per session (a Dagster run costs seconds)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from dagster_project import settings

REPO = settings.PROJECT_ROOT


def _point_env_at(mp: pytest.MonkeyPatch, root: Path, sources: Path | None = None) -> dict[str, Path]:
    paths = {
        "warehouse": root / "warehouse" / settings.WAREHOUSE_FILE_NAME,
        "landing": root / "landing",
        "archive": root / "archive",
        "sources": sources or settings.PROJECT_ROOT / "sources",
    }
    mp.setenv("HCW_WAREHOUSE", str(paths["warehouse"]))
    mp.setenv("HCW_LANDING_DIR", str(paths["landing"]))
    mp.setenv("HCW_ARCHIVE_DIR", str(paths["archive"]))
    mp.setenv("HCW_SOURCES_DIR", str(paths["sources"]))
    return paths


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        yield home


@pytest.fixture(scope="session")
def dbt_manifest():
    from dagster_project.dbt_project import dbt_project, prepare

    prepare()
    return dbt_project.manifest_path


@pytest.fixture(scope="session")
def defs(dbt_manifest):
    from dagster_project.definitions import defs as definitions

    return definitions


def run_nightly(defs, instance=None):
    import dagster as dg

    job = defs.resolve_job_def("nightly_materialization")
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory, defs):
    """The nightly job materialized once on the bundled data into a temporary DuckDB file."""
    root = tmp_path_factory.mktemp("shared_warehouse")
    with pytest.MonkeyPatch.context() as mp:
        paths = _point_env_at(mp, root)
        result = run_nightly(defs)
        assert result.success, "the nightly run on bundled data must succeed"
        yield {**paths, "result": result}


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    """A private copy of sources/ and an empty warehouse, for tests that change input files."""
    sources = tmp_path / "sources"
    shutil.copytree(REPO / "sources", sources)
    return _point_env_at(monkeypatch, tmp_path, sources)


def duck(path: Path):
    import duckdb

    return duckdb.connect(str(path), read_only=True)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; yields (port, received messages)."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                     policy=email.policy.default))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def http_receiver():
    """A real HTTP server on 127.0.0.1 that records each POST as (path, parsed JSON body)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((self.path, json.loads(body.decode("utf-8")), dict(self.headers)))
            reply = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def write_negative_bed_count(sources: Path) -> None:
    """The bad input file several tests use: 包头市 2020 institution beds 26458 → -26458 on line 6 of the bundled file."""
    data = sources / "data" / "pension_beds" / "pension_beds_2016_2024.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    assert lines[5] == "150200,包头市,2020,26458,7107"  # line 6 of the file
    lines[5] = "150200,包头市,2020,-26458,7107"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")


def default_signals() -> None:
    """preexec_fn for servers a test starts: SIGINT and SIGTERM back to their defaults, as a service
    manager starts them. A pytest started in the background (nohup, CI) inherits SIGINT ignored, and
    Dagster maps SIGTERM to SIGINT's handler in this process, so children would ignore SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def running_daemon(env: dict[str, str], workspace: Path, log_path: Path):
    """A real `dagster-daemon run` (scheduler, sensors, run queue) on `workspace`; stopped with SIGTERM."""
    log = open(log_path, "wb")
    daemon = subprocess.Popen([str(settings.PROJECT_ROOT / ".venv" / "bin" / "dagster-daemon"), "run",
                               "-w", str(workspace)],
                              cwd=settings.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              preexec_fn=default_signals)
    try:
        yield daemon
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
