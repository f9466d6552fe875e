"""What the dbt step must rebuild: the models downstream of an input that changed since the last build.

The last successful dbt build writes a fingerprint of its inputs to raw._dbt_build_state (one row per
build; the newest counts):

  sources   each dbt source table in `raw`: a feed's table by its loads (raw._loads rows of the feed:
            how many, which, their status and counts), any other table (region codes, census tables)
            by a hash of its rows; a new file, a revision, a conflict or a reloaded list changes it
  project   the dbt project: every model, seed, test and macro as dbt parsed it (manifest checksums)
  vars      the dbt vars of the run (evaluation settings)
  date      the calendar day: models whose SQL reads the current date (report timeliness, the
            evaluation year by default) are rebuilt on the first run of a day

Rebuilt: every model downstream of a changed source; everything when the project, the vars or the
target changed or no build was recorded; the date-reading models and what depends on them on a new
day. Anything unknown rebuilds everything. Nothing changed: the dbt step builds nothing.

dbt unit tests check a model's SQL on fixed inputs: their outcome changes only with the project. A
build of the whole project runs them; a build of the models downstream of new data skips them
(`--exclude-resource-type unit_test`) when every unit test passed when it last ran (the record keeps
the ids of those that failed, `unit_tests_failed`; unknown counts as failed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

STATE_TABLE = "raw._dbt_build_state"
BUILT_TYPES = ("model", "seed", "snapshot")
# SQL that makes a model depend on the day it is built (fct_report_completeness: which reports are late
# today; macros/evaluation.sql: the evaluation year defaults to the current year).
CLOCK_MARKERS = ("current_date", "evaluation_year()")


@dataclass
class Plan:
    """The dbt nodes to build (unique ids) and why; `full` when everything is rebuilt."""

    build: set[str]
    full: bool
    reasons: list[str] = field(default_factory=list)
    fingerprint: dict = field(default_factory=dict)

    @property
    def nothing(self) -> bool:
        return not self.build


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def project_fingerprint(manifest: dict) -> str:
    nodes = {uid: (n.get("checksum") or {}).get("checksum") or n.get("raw_code") for uid, n in manifest["nodes"].items()}
    macros = {uid: m.get("macro_sql") for uid, m in manifest.get("macros", {}).items()
              if m.get("package_name") == manifest["metadata"].get("project_name", m.get("package_name"))}
    return _digest([nodes, macros])


def raw_sources(manifest: dict) -> dict[str, str]:
    """source unique id -> table name, for the sources in schema raw."""
    return {uid: s["name"] for uid, s in manifest["sources"].items() if s["schema"] == "raw"}


def source_states(con: duckdb.DuckDBPyConnection, tables: set[str], feed_of_table: dict[str, str]) -> dict[str, str]:
    existing = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
    loads = {}
    if "_loads" in existing:
        loads = dict(con.execute(
            "select feed, count(*) || ':' || sum(hash(load_id, status, rows_loaded, rows_superseded))::varchar "
            "from raw._loads group by feed").fetchall())
    states = {}
    for table in sorted(tables):
        if table not in existing:
            states[table] = "missing"
        elif table in feed_of_table:
            states[table] = "loads:" + loads.get(feed_of_table[table], "none")
        else:
            count, digest = con.execute(f'select count(*), coalesce(sum(hash(t)), 0)::varchar from raw."{table}" as t').fetchone()
            states[table] = f"rows:{count}:{digest}"
    return states


def fingerprint(database: Path, manifest: dict, feed_of_table: dict[str, str], dbt_vars: dict, target: str,
                today: dt.date | None = None, con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """`con`: an open connection to `database` to read it with (default: a read-only one of its own)."""
    if con is not None:
        sources = source_states(con, set(raw_sources(manifest).values()), feed_of_table)
    elif not database.exists():
        sources = {t: "missing" for t in raw_sources(manifest).values()}
    else:
        with duckdb.connect(str(database), read_only=True) as con:
            sources = source_states(con, set(raw_sources(manifest).values()), feed_of_table)
    return {"sources": sources, "project": project_fingerprint(manifest), "vars": dbt_vars, "target": target,
            "date": (today or dt.date.today()).isoformat()}


def last_build(database: Path, con: duckdb.DuckDBPyConnection | None = None) -> dict | None:
    query = f"select fingerprint from {STATE_TABLE} order by built_at desc limit 1"
    try:
        if con is not None:
            row = con.execute(query).fetchone()
        else:
            with duckdb.connect(str(database), read_only=True) as own:
                row = own.execute(query).fetchone()
    except duckdb.Error:
        return None
    return json.loads(row[0]) if row else None


def record_build(database: Path, fp: dict, run_id: str, built: int) -> None:
    with duckdb.connect(str(database)) as con:
        con.execute(f"create table if not exists {STATE_TABLE} (built_at timestamp, run_id varchar, "
                    "nodes_built integer, fingerprint json)")
        con.execute(f"insert into {STATE_TABLE} values (current_timestamp, ?, ?, ?)", [run_id, built, json.dumps(fp)])
        # Keep the newest builds only; the table is a bookmark, not a history.
        con.execute(f"delete from {STATE_TABLE} where built_at < (select min(built_at) from "
                    f"(select built_at from {STATE_TABLE} order by built_at desc limit 20))")


def downstream(manifest: dict, roots: set[str]) -> set[str]:
    seen, todo = set(), list(roots)
    while todo:
        uid = todo.pop()
        for child in manifest["child_map"].get(uid, []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {uid for uid in seen | roots if uid in manifest["nodes"] and manifest["nodes"][uid]["resource_type"] in BUILT_TYPES}


def plan(manifest: dict, current: dict, previous: dict | None) -> Plan:
    everything = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] in BUILT_TYPES}
    if previous is None:
        return Plan(everything, True, ["no earlier build recorded"], current)
    for key, label in (("project", "the dbt project changed"), ("vars", "the dbt vars changed"),
                       ("target", "the dbt target changed")):
        if previous.get(key) != current[key]:
            return Plan(everything, True, [label], current)
    changed = sorted(t for t, state in current["sources"].items() if previous.get("sources", {}).get(t) != state)
    reasons = [f"raw.{t} changed" for t in changed]
    by_table = {name: uid for uid, name in raw_sources(manifest).items()}
    roots = {by_table[t] for t in changed if t in by_table}
    if previous.get("date") != current["date"]:
        clock = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"
                 and any(marker in (n.get("raw_code") or "") for marker in CLOCK_MARKERS)}
        if clock:
            roots |= clock
            reasons.append(f"a new day ({current['date']}): models that read the date")
    build = downstream(manifest, roots)
    return Plan(build, build == everything, reasons or ["nothing changed since the last build"], current)


UNIT_TEST_PREFIX = "unit_test."


def runs_unit_tests(plan: Plan, previous: dict | None) -> bool:
    """Whether this build runs the unit tests of the models it builds (see the module docstring)."""
    return plan.full or previous is None or previous.get("unit_tests_failed", ["unknown"]) != []


def dbt_args(plan: Plan, previous: dict | None) -> list[str]:
    """Extra `dbt build` arguments for this plan."""
    return [] if runs_unit_tests(plan, previous) else ["--exclude-resource-type", "unit_test"]


def unit_tests_failed(results: list[dict], previous: dict | None, all_unit_tests: set[str]) -> list[str]:
    """The unit tests failing after this build (`results`: run_results.json's): those that failed now,
    and those that failed (or were never seen to pass) before and did not run now, since a build of
    part of the project runs part of them; "unknown" until one build ran every one of them."""
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith(UNIT_TEST_PREFIX)}
    if all_unit_tests <= set(ran):
        before = set()
    else:
        before = set(previous.get("unit_tests_failed", ["unknown"])) if previous else {"unknown"}
    return sorted({uid for uid, status in ran.items() if status != "pass"} | (before - set(ran)))
