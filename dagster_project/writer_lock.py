"""One writer at a time (一次只允许一个写入者): an OS file lock beside the warehouse file.

DuckDB lets one process write a database file and fails at once when a second one tries
(no busy timeout, ecosystem.md §3). Two runs at the same time (the 02:00 schedule, a file in
a landing folder, a click in the UI, `make run`) would both fail on that lock. So every run
takes this lock before its first step and holds it to its end:

  - the Definitions' executor (`warehouse_writer_executor`) takes it for every run, however the
    run was launched (daemon, UI, `make run`, tests);
  - `make run` takes it before it even parses dbt, so a second `make run` waits (bounded by
    HCW_WRITER_LOCK_WAIT_SECONDS, default 600) and then exits naming the run that holds it.

The lock is `fcntl.flock` on `<warehouse>.writer.lock`: the kernel releases it when the
holder exits, even on a crash or `kill -9`, so there are no stale locks to clean up. The file's
text names the holder (pid, run id, what launched it, since when) for the waiting process's message.
A process that already holds it may take it again (re-entrant), so `make run` and its executor share it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster_project import settings

DEFAULT_WAIT_SECONDS = 600.0
POLL_SECONDS = 0.5
EXIT_CODE_BUSY = 75  # EX_TEMPFAIL: try again later


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse; the message names it."""

    def __init__(self, path: Path, holder: dict, waited: float):
        self.path, self.holder, self.waited = path, holder, waited
        super().__init__(busy_message(path, holder, waited))


def lock_path(warehouse: Path | None = None) -> Path:
    warehouse = warehouse or settings.warehouse_path()
    return warehouse.with_name(warehouse.name + ".writer.lock")


def wait_seconds() -> float:
    value = os.environ.get("HCW_WRITER_LOCK_WAIT_SECONDS")
    return float(value) if value not in (None, "") else DEFAULT_WAIT_SECONDS


def describe_holder(holder: dict) -> str:
    if not holder:
        return "another process (it did not record its name)"
    run = holder.get("run_id") or "not assigned yet"
    return (f"run {run} (pid {holder.get('pid')} on {holder.get('host')}, "
            f"launched by {holder.get('launched_by', '?')}, since {holder.get('since')})")


def busy_message(path: Path, holder: dict, waited: float) -> str:
    return (f"仓库正被另一个运行写入 / The warehouse is being written by {describe_holder(holder)}; "
            f"waited {waited:.0f} s. Lock: {path}. Try again when that run has finished "
            f"(see it in the Dagster UI, or `make status`).")


def read_holder(path: Path | None = None) -> dict:
    path = path or lock_path()
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if text.strip() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def is_held(path: Path | None = None) -> bool:
    """True when some process holds the lock now (tries to take it for an instant)."""
    path = path or lock_path()
    if not path.exists():
        return False
    if _held.get(str(path)):
        return True
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return False


@dataclass
class _Held:
    fh: object
    depth: int
    holder: dict


_held: dict[str, _Held] = {}
_guard = threading.Lock()


def _write_holder(held: _Held) -> None:
    fh = held.fh
    fh.seek(0)
    fh.truncate()
    fh.write(json.dumps(held.holder, ensure_ascii=False))
    fh.flush()


@contextmanager
def warehouse_writer(run_id: str | None, launched_by: str, wait: float | None = None,
                     on_wait=None, path: Path | None = None):
    """Hold the warehouse for writing. Waits up to `wait` seconds (HCW_WRITER_LOCK_WAIT_SECONDS),
    calling on_wait(holder) once when it has to wait; raises WarehouseBusy after that."""
    path = path or lock_path()
    key = str(path)
    wait = wait_seconds() if wait is None else wait
    with _guard:
        held = _held.get(key)
        if held is not None:  # re-entrant: `make run` holds it, its executor takes it again
            held.depth += 1
            previous_run = held.holder.get("run_id")
            if run_id:
                held.holder["run_id"] = run_id
                _write_holder(held)
    if held is not None:
        try:
            yield held.holder
        finally:
            with _guard:
                held.depth -= 1
                held.holder["run_id"] = previous_run or held.holder.get("run_id")
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")
    started = time.monotonic()
    told = False
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= wait:
                    raise WarehouseBusy(path, read_holder(path), waited) from None
                if not told and on_wait is not None:
                    on_wait(read_holder(path))
                told = True
                time.sleep(min(POLL_SECONDS, max(wait - waited, 0.01)))
        held = _Held(fh, 1, {
            "pid": os.getpid(), "host": socket.gethostname(), "run_id": run_id, "launched_by": launched_by,
            "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        })
        _write_holder(held)
        with _guard:
            _held[key] = held
        try:
            yield held.holder
        finally:
            with _guard:
                _held.pop(key, None)
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()
