"""Outcomes of the GX suites that the faster paths must not change: integer columns of every width
judged alike, several loads in one slice settled load by load, failing-row lists bounded but counts
exact, and the report's first findings per severity. Expected values are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from dagster_project.quality import gx_checks, report
from dagster_project.quality.gx_checks import MAX_ROWS_IN_METADATA, load_suite_file, run_suite, validate_suite

TYPES = {"n_small": "smallint", "n_int": "integer", "n_uint": "uinteger", "n_big": "bigint", "n_double": "double"}
VALUES = [-1, 0, 5, 100, 101, None]
# (kwargs, values of VALUES that fail, by hand)
RULES = [
    ({"min_value": 0, "max_value": 100}, [-1, 101]),
    ({"min_value": 0, "max_value": 100, "strict_min": True}, [-1, 0, 101]),
    ({"min_value": 0, "max_value": 100, "strict_max": True}, [-1, 100, 101]),
    ({"max_value": 5}, [100, 101]),
    ({"min_value": 0.5}, [-1, 0]),
]


def _write_suite(tmp_path: Path, name: str, document: dict) -> object:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"name": name, **document}), encoding="utf-8")
    return load_suite_file(path)


def test_between_judges_integer_columns_of_every_width_alike(tmp_path):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t (row_key varchar, "
                    + ", ".join(f"{c} {t}" for c, t in TYPES.items()) + ")")
        for i, v in enumerate(VALUES):
            unsigned = None if v is None or v < 0 else v
            con.execute("insert into marts.t values (?, ?, ?, ?, ?, ?)", [f"k{i}", v, v, unsigned, v, v])
    expectations = [{"type": "expect_column_values_to_be_between", "kwargs": {"column": c, **kwargs},
                     "meta": {"severity": "ERROR"}} for kwargs, _ in RULES for c in TYPES]
    suite = _write_suite(tmp_path, "t", {"meta": {"asset_key": ["marts", "t"], "relation": "marts.t",
                                                  "row_id_columns": ["row_key"]},
                                         "expectations": expectations})
    outcomes, rows, _ = validate_suite(suite, database)
    assert rows == len(VALUES)
    found = {(o["columns"][0], json.dumps(o["kwargs"], sort_keys=True)): o for o in outcomes}
    for kwargs, failing in RULES:
        for column in TYPES:
            expected = [v for v in failing if column != "n_uint" or v >= 0]  # the unsigned column has no -1
            o = found[(column, json.dumps({"column": column, **kwargs}, sort_keys=True))]
            assert o["unexpected_count"] == len(expected), (column, kwargs)
            assert o["success"] is (not expected)
            assert sorted(r[column] for r in o.get("failing_rows", [])) == expected, (column, kwargs)
            assert all(type(r[column]) is (float if column == "n_double" else int) for r in o.get("failing_rows", []))
            assert [r["row_key"] for r in o.get("failing_rows", [])] == [f"k{VALUES.index(v)}" for v in expected]


@pytest.mark.parametrize("code_min_rows", [0, gx_checks.CODE_MIN_ROWS])
def test_loads_sharing_a_slice_are_settled_one_by_one_and_counts_stay_exact(tmp_path, monkeypatch, code_min_rows):
    # 0: the file and load columns are read as codes and decoded; the default: this small batch reads text
    monkeypatch.setattr(gx_checks, "CODE_MIN_ROWS", code_min_rows)
    database = tmp_path / "w.duckdb"
    n_bad = MAX_ROWS_IN_METADATA + 10  # more failing rows than the metadata keeps
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.beds (region_code varchar, year integer, beds integer, _load_id varchar, "
                    "_source_file varchar, _row_number integer, _superseded_by_load_id varchar)")
        rows = [("150200", 2020, 10, "L1", "a.csv", 2), ("150300", 2020, 20, "L1", "a.csv", 3)]
        rows += [(f"15{i:04d}", 2021, 1500 + i % 3, "L2", "b.csv", i + 2) for i in range(n_bad)]
        rows += [("150200", 2022, -4, "L3", "c.csv", 2), ("150200", 2022, 7, "L4", "d.csv", 2)]
        con.executemany("insert into raw.beds values (?, ?, ?, ?, ?, ?, null)", [list(r) for r in rows])
    suite = _write_suite(tmp_path, "raw_beds", {
        "meta": {"asset_key": ["raw", "beds"], "relation": "raw.beds", "where": "_superseded_by_load_id is null",
                 "row_id_columns": ["_source_file", "_row_number"]},
        "expectations": [
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "beds", "min_value": 0},
             "meta": {"severity": "ERROR"}},
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "beds", "max_value": 1000},
             "meta": {"severity": "WARN"}},
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["region_code", "year"]},
             "meta": {"severity": "ERROR"}}]})
    result = run_suite(suite, database, run_id="r1")  # the four loads fit in one slice
    failed = {f"{f['expectation']}:{f['severity']}": f for f in result.metadata["failures"].value}
    warn = failed["expect_column_values_to_be_between:WARN"]
    assert warn["unexpected_count"] == n_bad
    assert len(warn["failing_rows"]) == MAX_ROWS_IN_METADATA
    assert warn["failing_rows"][:2] == [{"beds": 1500, "_source_file": "b.csv", "_row_number": 2},
                                        {"beds": 1501, "_source_file": "b.csv", "_row_number": 3}]
    # 60 rows cycle through 1500, 1501, 1502: 20 rows each
    assert sorted((v["value"], v["rows"]) for v in warn["failing_values"]) == [(1500, 20), (1501, 20), (1502, 20)]
    assert failed["expect_column_values_to_be_between:ERROR"]["failing_rows"] == [
        {"beds": -4, "_source_file": "c.csv", "_row_number": 2}]
    unique = failed["expect_compound_columns_to_be_unique:ERROR"]  # L3 and L4 both hold 150200 2022
    assert unique["unexpected_count"] == 2
    assert [r["_source_file"] for r in unique["failing_rows"]] == ["c.csv", "d.csv"]
    with duckdb.connect(str(database), read_only=True) as con:
        settled = dict(con.execute("select load_id, passed from raw._check_batches where run_id = 'r1'").fetchall())
        stored = con.execute("select count(*), max(unexpected_count) from raw._check_failures "
                             "where run_id = 'r1' and severity = 'WARN'").fetchone()
    assert settled == {"L1": True, "L2": False, "L3": False, "L4": False}
    assert stored == (MAX_ROWS_IN_METADATA, n_bad)


def test_the_report_lists_the_first_findings_of_each_severity(tmp_path):
    database = tmp_path / "w.duckdb"
    per = report.MAX_FINDINGS_PER_SEVERITY
    findings = [(f"W{i:03d}", "outlier", f"15{(i * 7) % 40:04d}", 2020 + i % 3, "WARN") for i in range(per + 12)]
    findings += [(f"E{i}", "completeness", "150200", 2021, "ERROR") for i in (2, 1)]
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_data_quality_finding (finding_id varchar, check_type varchar, "
                    "rule_id varchar, severity varchar, acknowledged_reason varchar, region_code varchar, "
                    "year integer, message_zh varchar, message_en varchar, source_file varchar, source_row varchar)")
        con.executemany("insert into marts.fct_data_quality_finding values (?, ?, 'R', ?, null, ?, ?, 'zh', 'en', "
                        "'f.csv', null)", [[f, c, s, r, y] for f, c, r, y, s in findings])
        found = report._data_quality_findings(con)
    first_warn = sorted((f for f in findings if f[4] == "WARN"), key=lambda f: (f[1], f[2], f[3], f[0]))[:per]
    assert found["counts"] == [("ERROR", 2), ("WARN", per + 12)]
    assert [(r[0], r[3], r[4]) for r in found["findings"]] == (
        [("ERROR", "150200", 2021)] * 2 + [("WARN", f[2], f[3]) for f in first_warn])
