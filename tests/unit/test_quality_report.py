"""Check results land in raw._check_results / raw._check_failures and in a self-contained HTML report."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd

from dagster_project import settings
from dagster_project.quality import dbt_results, report, store
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


def _record_passed_and_stale(database, run_id):
    store.record_freshness_result(database, run_id, "raw_water_sources_fresh", "raw/water_sources", False,
                                  "[WARN] stale", "500.0 天 days since 2025-07-11", "超过400天没有新文件")
    store.record_freshness_result(database, run_id, "raw_sports_fresh", "raw/sports", True, "", "", "")


def _row_index(page: str, check: str) -> int:
    return page.index(f"<code>{check}</code></td>")


def test_errors_come_before_warnings_and_warnings_before_passed_checks(tmp_path):
    database = tmp_path / "healthy_city.duckdb"
    _record_passed_and_stale(database, "run-1")  # recorded first, so storage order is WARN, passed, ERROR
    _record_bad_pension_beds(database, "run-1")
    page = report.render_report(database, "run-1")
    assert (_row_index(page, "raw_pension_beds_gx") < _row_index(page, "raw_water_sources_fresh")
            < _row_index(page, "raw_sports_fresh"))
    # The passed check is folded away below the failed ones; failing rows follow the same order.
    assert page.index("<details>") < _row_index(page, "raw_sports_fresh")
    details = page[page.index("失败明细"):]
    assert details.index("<code>raw_pension_beds_gx</code>") < details.index("<code>raw_water_sources_fresh</code>")


def test_region_codes_carry_their_chinese_name_from_dim_region(tmp_path):
    database = tmp_path / "healthy_city.duckdb"
    suite = load_suite_file(settings.EXPECTATIONS_DIR / "fct_indicator_value.json")
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_region as select * from (values ('150200', '包头市'), "
                    "('370406', '山亭区')) t(region_code, region_name_zh)")
    # A mart row is keyed by region, year and indicator (no file): the key names the region.
    store.record_suite_result(database, "run-1", suite, "ERROR", 1, [{
        "expectation": "expect_column_values_to_be_between", "columns": ["value_HC17"], "severity": "ERROR",
        "notes": "超出硬性范围", "unexpected_count": 1, "success": False,
        "failing_rows": [{"region_code": "370406", "year": 2020, "indicator_code": "HC17", "value_HC17": -3.0}]}])
    page = report.render_report(database, "run-1")
    row = next(line for line in page.splitlines() if "-3.0" in line)
    assert "region_code 370406 山亭区 · year 2020 · indicator_code HC17" in row


def _write_run_results(target, results):
    target.mkdir(parents=True)
    (target / "run_results.json").write_text(json.dumps({"results": results}), encoding="utf-8")


def test_a_failing_dbt_test_is_recorded_on_its_asset_and_shown_first(tmp_path, dbt_manifest):
    database = tmp_path / "healthy_city.duckdb"
    target = tmp_path / "target" / "healthy_city_dbt_assets-abc"
    _write_run_results(target, [
        {"unique_id": "test.healthy_city.unique_dim_region_region_code.6426cc377d", "status": "fail",
         "failures": 2, "message": "Got 2 results, configured to fail if != 0"},
        {"unique_id": "test.healthy_city.not_null_dim_region_region_code.eac97515d6", "status": "pass",
         "failures": 0, "message": None},
        {"unique_id": "test.healthy_city.not_null_dim_region_region_name_zh.51ab696309", "status": "skipped",
         "failures": None, "message": None},
        {"unique_id": "model.healthy_city.dim_region", "status": "success", "message": "OK"},
    ])
    _record_passed_and_stale(database, "run-1")
    assert dbt_results.record_dbt_build(database, "run-1", target, dbt_manifest) == 2
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select check_name, asset_key, kind, passed, severity from raw._check_results "
                           "where kind = 'dbt_test' order by check_name").fetchall()
        failure = con.execute("select expectation, column_names, unexpected_count, value from raw._check_failures "
                              "where check_name = 'unique_dim_region_region_code'").fetchall()
    # The asset each test is attached to, as the committed asset-graph snapshot lists the check.
    snapshot = json.loads((settings.PROJECT_ROOT / "tests" / "snapshots" / "asset_graph.json").read_text())
    assert {"marts/dim_region:unique_dim_region_region_code",
            "marts/dim_region:not_null_dim_region_region_code"} <= set(snapshot["checks"])
    # The skipped test did not run: not recorded.
    assert rows == [("not_null_dim_region_region_code", "marts/dim_region", "dbt_test", True, None),
                    ("unique_dim_region_region_code", "marts/dim_region", "dbt_test", False, "ERROR")]
    assert failure == [("unique", "region_code", 2, "Got 2 results, configured to fail if != 0")]
    page = (tmp_path / "reports" / "data_quality.html").read_text(encoding="utf-8")
    assert _row_index(page, "unique_dim_region_region_code") < _row_index(page, "raw_water_sources_fresh")
    assert "dbt 测试 test" in page and "Got 2 results, configured to fail if != 0" in page


def test_a_run_of_one_feed_still_reports_every_check_with_the_run_it_comes_from(tmp_path):
    database = tmp_path / "healthy_city.duckdb"
    _record_passed_and_stale(database, "nightly-run")
    _record_bad_pension_beds(database, "nightly-run")
    store.record_freshness_result(database, "landing-run", "raw_sports_fresh", "raw/sports", True, "", "", "")
    page = report.render_report(database, "landing-run")
    assert '<div class="card"><b>3</b>校验 Checks' in page
    assert '<div class="card"><b>1</b>本次运行 this run' in page
    assert page.count("本次运行 this run</span>") == 1
    assert page.count("更早运行 earlier run</span> <code>nightly-</code>") == 2
    row = next(line for line in page.splitlines() if "<code>raw_sports_fresh</code>" in line)
    assert "本次运行 this run" in row
    # The earlier run's failing rows are still shown.
    assert "-26458" in page
