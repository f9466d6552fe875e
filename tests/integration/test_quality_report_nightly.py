"""The data-quality report on the shared nightly warehouse: dbt's tests are in it, and a run of
one landing job still reports every check, each with the run its latest result comes from."""

from __future__ import annotations

import re
import shutil

import dagster as dg
import pytest

from tests.conftest import duck

OUR_KINDS = ("_gx", "_fresh", "_files_accepted", "landing_files_claimed")


def test_every_dbt_test_of_the_nightly_run_is_recorded_as_dagster_saw_it(warehouse):
    result = warehouse["result"]
    # Oracle: the check evaluations Dagster itself recorded for the dbt step.
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    dagster_saw = {(e.asset_key.to_user_string(), e.check_name, bool(e.passed),
                    None if e.passed else e.severity.value)
                   for e in evaluations if not e.check_name.endswith(OUR_KINDS)}
    with duck(warehouse["warehouse"]) as con:
        recorded = set(con.execute(
            "select asset_key, check_name, passed, severity from raw._check_results "
            "where run_id = ? and kind = 'dbt_test'", [result.run_id]).fetchall())
    assert len(dagster_saw) > 100
    assert recorded == dagster_saw
    # The bundled data carry WARN findings, so this summary test fails with WARN.
    assert ("marts/fct_data_quality_finding", "dq_no_warn_findings", False, "WARN") in recorded


@pytest.fixture
def landing_run(warehouse, defs, tmp_path, monkeypatch):
    """A copy of the shared warehouse, then a real run of the landing inventory job on it: the
    smallest run the landing sensor starts (one asset, one check)."""
    copy = tmp_path / "warehouse" / warehouse["warehouse"].name
    copy.parent.mkdir()
    shutil.copy(warehouse["warehouse"], copy)
    monkeypatch.setenv("HCW_WAREHOUSE", str(copy))
    monkeypatch.setenv("HCW_LANDING_DIR", str(tmp_path / "landing"))
    result = defs.resolve_job_def("landing_inventory").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    return copy, result.run_id


def test_a_landing_run_still_reports_every_check_marking_the_ones_it_ran(landing_run):
    copy, run_id = landing_run
    with duck(copy) as con:
        checks = con.execute("select distinct asset_key, check_name from raw._check_results").fetchall()
        ran = con.execute("select check_name from raw._check_results where run_id = ?", [run_id]).fetchall()
    assert ran == [("landing_files_claimed",)]
    page = (copy.parent / "reports" / "data_quality.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)
    rows = re.findall(r"<tr><td><span class=\"badge [^\"]+\">[^<]+</span></td><td><code>([^<]+)</code></td>.*", page)
    assert sorted(rows) == sorted(c for _, c in checks) and len(rows) >= 190
    assert f'<div class="card"><b>{len(checks)}</b>校验 Checks' in page
    this_run = [line for line in page.splitlines() if "本次运行 this run</span>" in line]
    assert len(this_run) == 1 and "<code>landing_files_claimed</code>" in this_run[0]
    # A failed dbt test of the nightly run, with the run it comes from.
    row = next(line for line in page.splitlines() if "<code>dq_no_warn_findings</code></td>" in line)
    assert "警告 Failed · WARN" in row and "更早运行 earlier run" in row
    # The findings summary, region names beside codes (包头市 150200 has missing 2025 reports).
    assert "未报与逾期报表" in page and "150200 包头市" in page and "统计局" in page
