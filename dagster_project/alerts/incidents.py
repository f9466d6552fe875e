"""Incident state: which problems are open and whether administrators were told.

A small SQLite file beside the warehouse (HCW_ALERT_STATE, default
<warehouse dir>/alert_incidents.sqlite). Not the DuckDB warehouse: the sensors run in the
Dagster daemon while the next pipeline run may hold DuckDB's single-writer lock
(ecosystem.md §3), and SQLite waits for its lock instead of failing.

Rules (docs/alerts.md):
  - a failing check or a failed run opens an incident, announced once;
  - while it stays open, later runs with the same failure only update last_seen (no message);
  - if the announcement could not be delivered on any channel, the next run tries again;
  - the first later run where the check passes (or the job succeeds) closes it and announces
    the recovery once;
  - a data-quality finding (marts.fct_data_quality_finding) is an incident of its own, keyed by
    its stable finding_id: opened when a dbt build first finds it, closed by the first dbt build
    that no longer does. Its description is kept in incident_details, so the recovery message can
    still name the region, the year and the rule after the finding has left the mart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster_project import settings

DDL = """
create table if not exists incidents (
    incident_key text primary key, kind text, asset text, check_name text,
    opened_at text, opened_run_id text, last_seen_at text, last_run_id text, notified_at text
);
create table if not exists incident_history (
    incident_key text, kind text, asset text, check_name text, opened_at text, opened_run_id text,
    closed_at text, closed_run_id text
);
create table if not exists incident_details (incident_key text primary key, detail text);
"""


@dataclass(frozen=True)
class Incident:
    incident_key: str
    kind: str
    asset: str | None
    check_name: str | None
    opened_at: str
    opened_run_id: str
    notified_at: str | None


def state_path() -> Path:
    value = os.environ.get("HCW_ALERT_STATE")
    return Path(value) if value else settings.warehouse_path().parent / "alert_incidents.sqlite"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@contextmanager
def incident_store(path: Path | None = None):
    path = path or state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.executescript(DDL)
        con.execute("begin immediate")  # the two sensors may evaluate at the same time
        yield IncidentStore(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()


class IncidentStore:
    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def get(self, key: str) -> Incident | None:
        row = self.con.execute(
            "select incident_key, kind, asset, check_name, opened_at, opened_run_id, notified_at "
            "from incidents where incident_key = ?", [key]).fetchone()
        return Incident(*row) if row else None

    def open_or_touch(self, key: str, kind: str, asset: str | None, check_name: str | None, run_id: str) -> Incident:
        """Returns the incident; a new one has notified_at None."""
        now = _now()
        if self.get(key) is None:
            self.con.execute("insert into incidents values (?,?,?,?,?,?,?,?,NULL)",
                             [key, kind, asset, check_name, now, run_id, now, run_id])
        else:
            self.con.execute("update incidents set last_seen_at = ?, last_run_id = ? where incident_key = ?",
                             [now, run_id, key])
        incident = self.get(key)
        assert incident is not None
        return incident

    def mark_notified(self, key: str) -> None:
        self.con.execute("update incidents set notified_at = ? where incident_key = ?", [_now(), key])

    def close(self, key: str, run_id: str) -> Incident | None:
        incident = self.get(key)
        if incident is None:
            return None
        self.con.execute("insert into incident_history values (?,?,?,?,?,?,?,?)",
                         [key, incident.kind, incident.asset, incident.check_name, incident.opened_at,
                          incident.opened_run_id, _now(), run_id])
        self.con.execute("delete from incidents where incident_key = ?", [key])
        return incident

    def open_keys(self, prefix: str = "") -> list[str]:
        return [r[0] for r in self.con.execute(
            "select incident_key from incidents where incident_key like ? order by incident_key", [prefix + "%"])]

    def set_detail(self, key: str, detail: dict) -> None:
        self.con.execute("insert or replace into incident_details values (?, ?)",
                         [key, json.dumps(detail, ensure_ascii=False, default=str)])

    def get_detail(self, key: str) -> dict | None:
        row = self.con.execute("select detail from incident_details where incident_key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else None

    def drop_detail(self, key: str) -> None:
        self.con.execute("delete from incident_details where incident_key = ?", [key])
