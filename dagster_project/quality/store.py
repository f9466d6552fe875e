"""Check results kept in the warehouse, queryable next to the data they judge.

  raw._check_results   one row per check evaluation: run, check, asset, status, counts
  raw._check_failures  one row per failing row of an expectation: run, check, expectation,
                       severity, source file and row (raw feeds), the row's keys and its value
  raw._check_batches   one row per suite version and load it validated: whether the load's rows
                       passed; a load that passed is not validated again by that suite version

Example: the failing rows of the last nightly run, with where they came from

    select check_name, expectation, severity, source_file, row_number, value
    from raw._check_failures
    where run_id = (select run_id from raw._check_results order by checked_at desc limit 1)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from dagster_project.quality.gx_checks import SuiteFile

DDL = """
create schema if not exists raw;
create table if not exists raw._check_results (
    run_id varchar, checked_at timestamp, check_name varchar, asset_key varchar, suite varchar,
    relation varchar, kind varchar, severity varchar, passed boolean, rows_validated integer,
    expectations integer, expectations_failed integer, summary varchar
);
create table if not exists raw._check_failures (
    run_id varchar, checked_at timestamp, check_name varchar, asset_key varchar, expectation varchar,
    column_names varchar, severity varchar, notes varchar, unexpected_count integer,
    source_file varchar, row_number integer, row_key varchar, value varchar
);
create table if not exists raw._check_batches (
    check_name varchar, suite_sha256 varchar, load_id varchar, run_id varchar, checked_at timestamp,
    passed boolean
);
"""

ROW_POINTER_COLUMNS = ("_source_file", "_row_number")


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def failure_rows(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per failing row (or per failing value when GX gives no row index)."""
    records = []
    for row in outcome.get("failing_rows") or []:
        key = {k: v for k, v in row.items() if k not in outcome["columns"] and k not in ROW_POINTER_COLUMNS}
        value = {c: row[c] for c in outcome["columns"] if c in row}
        records.append({
            "source_file": row.get("_source_file"), "row_number": row.get("_row_number"),
            "row_key": _text(key) if key else None,
            "value": _text(next(iter(value.values())) if len(value) == 1 else value),
        })
    if not records:
        for item in outcome.get("failing_values") or []:
            records.append({"source_file": None, "row_number": None, "row_key": f"{item['rows']} rows",
                            "value": _text(item["value"])})
    if not records and "observed_value" in outcome:
        records.append({"source_file": None, "row_number": None, "row_key": None,
                        "value": _text(outcome["observed_value"])})
    return records


def _insert(database: Path, result: tuple, failures: list[tuple], batches: list[list] | None = None) -> None:
    with duckdb.connect(str(database)) as con:
        con.execute(DDL)
        con.execute("insert into raw._check_results values (?,?,?,?,?,?,?,?,?,?,?,?,?)", list(result))
        if failures:
            con.executemany("insert into raw._check_failures values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            [list(f) for f in failures])
        if batches:
            con.executemany("insert into raw._check_batches values (?,?,?,?,?,?)", batches)


def validated_loads(con: duckdb.DuckDBPyConnection, check_name: str, suite_sha256: str) -> set[str]:
    """Load ids whose rows this version of the suite validated and found clean (latest validation passed)."""
    try:
        rows = con.execute("""
            select load_id from raw._check_batches where check_name = ? and suite_sha256 = ?
            qualify row_number() over (partition by load_id order by checked_at desc) = 1 and passed""",
                           [check_name, suite_sha256]).fetchall()
    except duckdb.CatalogException:
        return set()
    return {r[0] for r in rows}


def _batch_rows(run_id: str, check_name: str, suite_sha256: str, load_ids: list[str],
                failed_loads: set[str]) -> list[list]:
    now = dt.datetime.now()  # to the microsecond: the latest validation of a load wins
    return [[check_name, suite_sha256, i, run_id, now, i not in failed_loads] for i in load_ids]


def record_suite_result(database: Path, run_id: str, suite: SuiteFile, severity: str,
                        rows_validated: int, outcomes: list[dict[str, Any]],
                        batch: tuple[list[str], set[str]] | None = None) -> None:
    """The suite's result and failing rows; with `batch` (the load ids validated, those of them with a
    failing row) also the loads it settled (raw._check_batches), in the same connection."""
    from dagster_project.quality.gx_checks import failures_summary

    now = _now()
    asset = suite.asset_key.to_user_string()
    failed = [o for o in outcomes if not o["success"]]
    result = (run_id, now, suite.check_name, asset, suite.display_path, suite.relation, "suite",
              severity if failed else None, not failed, rows_validated, len(outcomes), len(failed),
              "\n".join(failures_summary(failed)))
    failures = [
        (run_id, now, suite.check_name, asset, o["expectation"], ", ".join(o["columns"]), o["severity"],
         o.get("notes") or "", o["unexpected_count"], r["source_file"], r["row_number"], r["row_key"], r["value"])
        for o in failed for r in failure_rows(o)
    ]
    batches = _batch_rows(run_id, suite.check_name, suite.sha256, *batch) if batch else None
    _insert(database, result, _with_source_files(database, failures), batches)


def _with_source_files(database: Path, failures: list[tuple]) -> list[tuple]:
    """Mart rows carry input_load_ids, not a file: name the files those loads came from."""
    wanted = {i for f in failures if f[9] is None and f[11] and "input_load_ids" in f[11]
              for i in (json.loads(f[11]).get("input_load_ids") or "").split(";") if i}
    if not wanted:
        return failures
    with duckdb.connect(str(database), read_only=True) as con:
        try:
            files = dict(con.execute("select load_id, source_file from raw._loads where list_contains(?, load_id)",
                                     [sorted(wanted)]).fetchall())
        except duckdb.CatalogException:
            return failures
    out = []
    for f in failures:
        if f[9] is None and f[11] and "input_load_ids" in f[11]:
            ids = (json.loads(f[11]).get("input_load_ids") or "").split(";")
            names = "; ".join(dict.fromkeys(files[i] for i in ids if i in files))
            f = (*f[:9], names or None, *f[10:])
        out.append(f)
    return out


def record_freshness_result(database: Path, run_id: str, check_name: str, asset: str, passed: bool,
                            summary: str, value: str, notes: str) -> None:
    now = _now()
    result = (run_id, now, check_name, asset, None, "raw._loads", "freshness",
              None if passed else "WARN", passed, None, 1, 0 if passed else 1, summary)
    failures = [] if passed else [(run_id, now, check_name, asset, "feed_is_fresh", "loaded_at", "WARN",
                                   notes, 1, None, None, None, value)]
    _insert(database, result, failures)


def record_item_check(database: Path, run_id: str, check_name: str, asset: str, relation: str, kind: str,
                      severity: str, items: list[dict[str, Any]], checked: int, summary: str) -> None:
    """A check computed in code over files rather than rows (files accepted by a feed, landing folders).
    Each failing item is a dict with expectation, columns, notes, source_file, row_key and value;
    it fails the check with `severity`, no items = passed."""
    now = _now()
    passed = not items
    result = (run_id, now, check_name, asset, None, relation, kind, None if passed else severity, passed,
              checked, 1, 0 if passed else 1, summary)
    failures = [(run_id, now, check_name, asset, i["expectation"], i["columns"], severity, i["notes"], len(items),
                 i["source_file"], None, i.get("row_key"), i["value"]) for i in items]
    _insert(database, result, failures)
