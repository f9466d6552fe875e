"""`make serve`: production mode. The Dagster webserver and the Dagster daemon as two separate
processes (not `dagster dev`, which Dagster marks as not for production), supervised here.

    python -m dagster_project.serve                  # both, until SIGTERM / Ctrl-C
    python -m dagster_project.serve --prepare-only   # write dagster.yaml, parse dbt; then exit (systemd ExecStartPre)

- Instance: DAGSTER_HOME (default .dagster_home), dagster.yaml written by instance.py: run queue
  with one writer at a time; storage in PostgreSQL when HCW_DAGSTER_PG_HOST is set, else SQLite.
- Listens on HCW_WEB_HOST:HCW_WEB_PORT (default 127.0.0.1:3000; put a reverse proxy with login in front).
- Logs: HCW_LOG_DIR (default $DAGSTER_HOME/logs): webserver.log and daemon.log, appended; each
  step's stdout/stderr under $DAGSTER_HOME/compute_logs. See docs/operations.md.
- SIGTERM or SIGINT: both processes get SIGTERM, then SIGKILL after HCW_STOP_TIMEOUT_SECONDS
  (default 20). If either process dies on its own, the other is stopped and this exits 1, so
  systemd (or whoever started it) restarts the pair.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dagster_project import settings


def log_dir() -> Path:
    from dagster_project.instance import dagster_home

    value = os.environ.get("HCW_LOG_DIR")
    return Path(value) if value else dagster_home() / "logs"


def prepare() -> None:
    from dagster_project.dbt_project import prepare as prepare_dbt
    from dagster_project.instance import write_instance_config

    print(f"Dagster instance: {write_instance_config()}", flush=True)
    prepare_dbt()


def commands(host: str, port: str) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    workspace = str(settings.PROJECT_ROOT / "workspace.yaml")
    return {
        "webserver": [str(bin_dir / "dagster-webserver"), "-w", workspace, "-h", host, "-p", port],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", "-w", workspace],
    }


def stop(procs: dict[str, subprocess.Popen], timeout: float) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    deadline = started + timeout
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            print(f"{name} stopped after {time.monotonic() - started:.1f} s (exit code {proc.returncode})", flush=True)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop within {timeout:.0f} s: killing it", flush=True)
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args(argv)
    settings.export_warehouse_env()
    settings.ensure_interpreter_bin_on_path()
    prepare()
    if args.prepare_only:
        return 0

    host = os.environ.get("HCW_WEB_HOST", "127.0.0.1")
    port = os.environ.get("HCW_WEB_PORT", "3000")
    timeout = float(os.environ.get("HCW_STOP_TIMEOUT_SECONDS") or 20)
    logs = log_dir()
    logs.mkdir(parents=True, exist_ok=True)

    stopping = {"signal": None}

    def on_signal(signum, _frame):
        stopping["signal"] = signum

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    procs: dict[str, subprocess.Popen] = {}
    for name, cmd in commands(host, port).items():
        out = open(logs / f"{name}.log", "ab")
        # Own process group: a Ctrl-C in the terminal reaches only this supervisor, which then
        # stops both children in order.
        procs[name] = subprocess.Popen(cmd, cwd=settings.PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        out.close()
        print(f"started {name} (pid {procs[name].pid}), log {logs / f'{name}.log'}", flush=True)
    print(f"Dagster UI: http://{host}:{port}  (SIGTERM or Ctrl-C stops both)", flush=True)

    exit_code = 0
    while stopping["signal"] is None:
        dead = [name for name, proc in procs.items() if proc.poll() is not None]
        if dead:
            print(f"{', '.join(dead)} exited (code {procs[dead[0]].returncode}); stopping the rest, "
                  f"see {logs}", flush=True)
            exit_code = 1
            break
        time.sleep(0.5)
    if stopping["signal"] is not None:
        print(f"signal {signal.Signals(stopping['signal']).name}: stopping webserver and daemon", flush=True)
    stop(procs, timeout)
    print("stopped", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
