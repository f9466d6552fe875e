"""Check results land in raw._check_results / raw._check_failures and in a self-contained HTML report."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from dagster_project import settings
from dagster_project.quality import report, store
from dagster_project.quality.gx_checks import load_suite_file, validate_frame


def _record_bad_pension_beds(database, run_id="run-1"):
    suite = load_suite_file(settings.EXPECTATIONS_DIR / "raw_pension_beds.json")
    # Row 6 of the file carries -26458 beds; the other two rows are fine.
    frame = pd.DataFrame({
        "institution_beds": [26000, -26458, 3000],
        "region_code": ["150200", "150200", "370406"],
        "year": [2019, 2020, 2020],
        "_source_file": ["pension_beds_2016_2024.csv"] * 3,
        "_row_number": [5, 6, 7],
    })
    outcomes = validate_frame(suite, frame)
    store.record_suite_result(database, run_id, suite, "ERROR", len(frame), outcomes)
    return outcomes


def test_failing_rows_are_queryable(tmp_path):
    database = tmp_path / "healthy_city.duckdb"
    _record_bad_pension_beds(database)
    with duckdb.connect(str(database), read_only=True) as con:
        results = con.execute("select check_name, passed, severity, rows_validated, expectations, expectations_failed "
                              "from raw._check_results").fetchall()
        failures = con.execute("select check_name, expectation, column_names, severity, unexpected_count, "
                               "source_file, row_number, value from raw._check_failures").fetchall()
    # 4 expectations in raw_pension_beds.json, 1 failing (beds >= 0) on 3 rows.
    assert results == [("raw_pension_beds_gx", False, "ERROR", 3, 4, 1)]
    assert failures == [("raw_pension_beds_gx", "expect_column_values_to_be_between", "institution_beds", "ERROR", 1,
                         "pension_beds_2016_2024.csv", 6, "-26458")]


def test_report_is_self_contained_and_names_the_failing_row(tmp_path):
    database = tmp_path / "healthy_city.duckdb"
    _record_bad_pension_beds(database)
    store.record_freshness_result(database, "run-1", "raw_water_sources_fresh", "raw/water_sources", False,
                                  "[WARN] stale", "500.0 天 days since 2025-07-11 (<x>.csv)", "超过400天没有新文件")
    path = report.write_report(database, "run-1")
    assert path == tmp_path / "reports" / "data_quality.html"
    page = path.read_text(encoding="utf-8")

    assert not re.search(r"https?://", page), "the page must open offline: no external URL"
    assert "<script" not in page and "<link" not in page and "<style>" in page
    assert "数据质量报告" in page and "Data-quality report" in page
    # The failing row with file, row and value, in one table row.
    row = next(line for line in page.splitlines() if "-26458" in line)
    assert "pension_beds_2016_2024.csv" in row and '<td class="num">6</td>' in row
    assert '<span class="badge fail-error">ERROR</span> <code>expect_column_values_to_be_between</code>' in page
    # Feed titles come from the feed YAML; values from data are escaped.
    assert "养老机构床位数 / Elderly-care institution beds" in page
    assert "(&lt;x&gt;.csv)" in page and "(<x>.csv)" not in page
    # 2 checks, both failed: one ERROR, one WARN.
    assert '<div class="card"><b>2</b>' in page
    assert '<div class="card error"><b>1</b>' in page and '<div class="card warn"><b>1</b>' in page


def test_report_shows_only_the_latest_evaluation_of_each_check_in_the_run(tmp_path):
    database = tmp_path / "healthy_city.duckdb"
    _record_bad_pension_beds(database, "run-1")
    _record_bad_pension_beds(database, "run-2")
    page = report.render_report(database, "run-2")
    assert page.count("-26458") == 1
    assert "run-2" in page and "run-1" not in page
