"""dbt's data tests in the check store: one raw._check_results row per test of a `dbt build`.

Dagster shows dbt's tests as asset checks; the offline report and SQL users read the warehouse.
After the dbt step, the run_results.json that dbt wrote into the step's own target folder
(dagster-dbt gives every invocation `dbt/target/healthy_city_dbt_assets-<run>-<id>/`) is read
here and each test recorded like our own checks, `kind = 'dbt_test'`:

  status  pass → passed       warn → failed, WARN        fail / error → failed, ERROR
  skipped (an upstream model failed) → not recorded: the test did not run, its last result stands

A failing test also gets one raw._check_failures row: the test's type (unique, not_null,
dq_no_findings_of_severity…), its column, the number of failing rows and dbt's message. The
asset is the one Dagster attaches the check to (the same key as in the Dagster UI).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)

KIND = "dbt_test"
RECORDED = {"pass": (True, None), "warn": (False, "WARN"), "fail": (False, "ERROR"), "error": (False, "ERROR")}


def _asset_of_test(manifest: dict[str, Any], unique_id: str) -> str:
    from dagster_dbt.asset_utils import get_asset_check_key_for_test

    from dagster_project.dbt_assets import TRANSLATOR

    try:
        key = get_asset_check_key_for_test(manifest, TRANSLATOR, unique_id, project=None)
    except Exception:  # noqa: BLE001 - an odd test must not stop the record of the others
        key = None
    return key.asset_key.to_user_string() if key else "dbt"


def test_results(target_dir: Path, manifest_path: Path | None = None) -> list[dict[str, Any]]:
    """One dict per test dbt ran in that invocation: check, asset, passed, severity, failures, message…"""
    results_file = target_dir / "run_results.json"
    if not results_file.exists():
        return []
    results = json.loads(results_file.read_text(encoding="utf-8")).get("results", [])
    manifest_file = target_dir / "manifest.json"
    if not manifest_file.exists() and manifest_path is not None:
        manifest_file = manifest_path
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    out = []
    for r in results:
        uid = r.get("unique_id", "")
        if not uid.startswith("test.") or r.get("status") not in RECORDED:
            continue
        node = manifest["nodes"].get(uid, {})
        passed, severity = RECORDED[r["status"]]
        meta = node.get("test_metadata") or {}
        out.append({
            "check_name": node.get("name") or uid.split(".")[2],
            "asset": _asset_of_test(manifest, uid) if node else "dbt",
            "test_type": meta.get("name") or "singular",
            "column": node.get("column_name") or (meta.get("kwargs") or {}).get("column_name") or "",
            "file": node.get("original_file_path"),
            "relation": node.get("relation_name"),
            "passed": passed, "severity": severity,
            "failures": r.get("failures"),
            "message": " ".join((r.get("message") or "").split()),
            "description": node.get("description") or "",
        })
    return out


def record_test_results(database: Path, run_id: str, tests: list[dict[str, Any]]) -> int:
    """Insert the tests into raw._check_results / raw._check_failures; returns how many."""
    from dagster_project.quality.store import DDL

    if not tests:
        return 0
    now = dt.datetime.now().replace(microsecond=0)
    results = [(run_id, now, t["check_name"], t["asset"], t["file"], t["relation"], KIND, t["severity"], t["passed"],
                None, 1, 0 if t["passed"] else 1,
                "" if t["passed"] else f"[{t['severity']}] {t['check_name']}: {t['message']}") for t in tests]
    failures = [(run_id, now, t["check_name"], t["asset"], t["test_type"], t["column"], t["severity"],
                 t["description"] or t["message"], t["failures"], t["file"], None, None, t["message"])
                for t in tests if not t["passed"]]
    with duckdb.connect(str(database)) as con:
        con.execute(DDL)
        con.executemany("insert into raw._check_results values (?,?,?,?,?,?,?,?,?,?,?,?,?)", results)
        if failures:
            con.executemany("insert into raw._check_failures values (?,?,?,?,?,?,?,?,?,?,?,?,?)", failures)
    return len(tests)


def record_dbt_build(database: Path, run_id: str, target_dir: Path, manifest_path: Path | None = None) -> int:
    """Record the tests of one dbt invocation and rewrite the report. Never raises: a broken
    record must not fail the dbt step (dbt's own result stands); it is logged instead."""
    from dagster_project.quality import report

    try:
        n = record_test_results(database, run_id, test_results(target_dir, manifest_path))
        report.write_report(database, run_id)
        return n
    except Exception:  # noqa: BLE001
        log.exception("could not record the dbt test results of %s", target_dir)
        return 0
