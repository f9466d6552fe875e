"""A raw feed's suite validates the batch (the rows of loads it has not validated clean), with real GX
on a real DuckDB file; uniqueness and other whole-table rules run as SQL over every current row."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dagster_project.quality import gx_checks
from dagster_project.quality.gx_checks import load_suite_file, run_suite, validate_suite

SUITE = {
    "name": "raw_beds",
    "meta": {"asset_key": ["raw", "beds"], "relation": "raw.beds", "where": "_superseded_by_load_id is null",
             "row_id_columns": ["_source_file", "_row_number"]},
    "expectations": [
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["region_code", "year"]},
         "meta": {"severity": "ERROR", "notes": "one row per region and year"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "beds", "min_value": 0},
         "meta": {"severity": "ERROR", "notes": "beds cannot be negative"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "beds", "max_value": 1000},
         "meta": {"severity": "WARN", "notes": "beds usually below 1000"}},
    ],
}


def _suite(tmp_path: Path):
    path = tmp_path / "raw_beds.json"
    path.write_text(json.dumps(SUITE), encoding="utf-8")
    return load_suite_file(path)


def _load(database: Path, load_id: str, rows: list[tuple[str, int, int]]) -> None:
    with duckdb.connect(str(database)) as con:
        con.execute("create schema if not exists raw")
        con.execute("create table if not exists raw.beds (region_code varchar, year integer, beds integer, "
                    "_load_id varchar, _source_file varchar, _row_number integer, _superseded_by_load_id varchar)")
        con.executemany("insert into raw.beds values (?, ?, ?, ?, ?, ?, null)",
                        [[r, y, b, load_id, f"{load_id}.csv", n + 2] for n, (r, y, b) in enumerate(rows)])


def _failed(result) -> dict[str, dict]:
    return {f"{f['expectation']}:{f['severity']}": f for f in result.metadata["failures"].value}


def test_only_new_loads_are_validated_and_uniqueness_spans_the_table(tmp_path):
    database = tmp_path / "w.duckdb"
    suite = _suite(tmp_path)
    _load(database, "L1", [("150200", 2020, 100), ("150300", 2020, -5), ("150400", 2020, 30)])
    _load(database, "L2", [("150200", 2021, 110), ("150300", 2021, 60)])

    first = run_suite(suite, database, run_id="r1")
    assert first.metadata["rows_validated"].value == 5  # nothing validated yet: both loads
    assert first.passed is False and first.severity.value == "ERROR"
    assert _failed(first)["expect_column_values_to_be_between:ERROR"]["failing_rows"] == [
        {"beds": -5, "_source_file": "L1.csv", "_row_number": 3}]

    # L2 passed, L1 failed: the next run validates L1 again (its bad row still fails) and the new L3,
    # not L2. L3 repeats 150200 2021 of L2: only the whole-table rule, in SQL, can see it.
    _load(database, "L3", [("150200", 2021, 2000), ("150500", 2021, 10)])
    second = run_suite(suite, database, run_id="r2")
    assert second.metadata["rows_validated"].value == 3 + 2
    failed = _failed(second)
    assert failed["expect_column_values_to_be_between:ERROR"]["unexpected_count"] == 1
    assert failed["expect_column_values_to_be_between:WARN"]["failing_rows"] == [
        {"beds": 2000, "_source_file": "L3.csv", "_row_number": 2}]
    unique = failed["expect_compound_columns_to_be_unique:ERROR"]
    assert unique["unexpected_count"] == 2  # both rows of the key, as GX counts them
    assert unique["failing_rows"] == [
        {"region_code": "150200", "year": 2021, "_source_file": "L2.csv", "_row_number": 2},
        {"region_code": "150200", "year": 2021, "_source_file": "L3.csv", "_row_number": 2}]
    assert unique["failing_values"] == [{"value": {"region_code": "150200", "year": 2021}, "rows": 2}]
    with duckdb.connect(str(database), read_only=True) as con:
        settled = dict(con.execute("select load_id, passed from raw._check_batches where run_id = 'r2'").fetchall())
    # L1 has the negative value, L3 the repeated key: both stay in the batch (L2 passed in r1, not re-read)
    assert settled == {"L1": False, "L3": False}

    # The bad rows are superseded (a corrected file): nothing of L1 is current any more, L3 failed
    # (WARN) so it is validated again; L4 is new. L2 passed and is not read again.
    with duckdb.connect(str(database)) as con:
        con.execute("update raw.beds set _superseded_by_load_id = 'L4' where _load_id in ('L1', 'L3')")
    _load(database, "L4", [("150300", 2020, 50)])
    third = run_suite(suite, database, run_id="r3")
    assert third.passed is True
    assert third.metadata["rows_validated"].value == 1
    with duckdb.connect(str(database), read_only=True) as con:
        latest = dict(con.execute("select load_id, passed from raw._check_batches where run_id = 'r3'").fetchall())
    assert latest == {"L4": True}

    # Nothing new: no row to validate with GX, the whole-table rules still run in SQL.
    fourth = run_suite(suite, database, run_id="r4")
    assert fourth.passed is True and fourth.metadata["rows_validated"].value == 0


def test_large_batches_are_validated_in_slices_with_the_same_outcome(tmp_path):
    database = tmp_path / "w.duckdb"
    suite = _suite(tmp_path)
    _load(database, "L1", [(f"15{i:04d}", 2020, -1 if i % 7 == 0 else i) for i in range(40)])
    _load(database, "L2", [(f"15{i:04d}", 2021, 2000 if i % 5 == 0 else i) for i in range(25)])
    whole, rows_whole, _ = validate_suite(suite, database)
    sliced, rows_sliced, facts = validate_suite(suite, database, max_rows=10)
    assert rows_whole == rows_sliced == 65
    assert facts["batched"] is True

    def key(outcomes):
        return [(o["expectation"], o["severity"], o["success"], o["unexpected_count"],
                 sorted(json.dumps(v, sort_keys=True) for v in o.get("failing_values", [])))
                for o in outcomes]
    assert key(sliced) == key(whole)
    negative = next(o for o in whole if o["severity"] == "ERROR" and not o["success"])
    assert negative["unexpected_count"] == 6  # i = 0, 7, 14, 21, 28, 35
    # one file larger than a slice is cut by row number
    with duckdb.connect(str(database), read_only=True) as con:
        _, slices, rows = gx_checks.batch_slices(suite, con, whole_table=True, max_rows=10)
    assert rows == 65 and len(slices) == 4 + 3


def test_a_region_missing_from_the_new_file_is_found_by_the_whole_table_rule(tmp_path):
    # the generated completeness rule (meta.scope "table"): 150300 reported 2020 (load L1, validated
    # clean in the first run) but is absent from the 2021 file L2: only its old row can show the gap.
    database = tmp_path / "w.duckdb"
    document = {
        "name": "raw_beds_rules",
        "meta": {"asset_key": ["raw", "beds"], "row_id_columns": ["_source_file", "_row_number", "region_code"],
                 "relation": "(select f.*, r.years_reported as years_reported_for_region, t.years_in_feed "
                             "from raw.beds as f join (select region_code, count(distinct year) as years_reported "
                             "from raw.beds where _superseded_by_load_id is null group by region_code) as r "
                             "using (region_code) cross join (select count(distinct year) as years_in_feed "
                             "from raw.beds where _superseded_by_load_id is null) as t "
                             "where f._superseded_by_load_id is null)"},
        "expectations": [
            {"type": "expect_column_pair_values_to_be_equal",
             "kwargs": {"column_A": "years_reported_for_region", "column_B": "years_in_feed"},
             "meta": {"severity": "WARN", "notes": "incomplete", "scope": "table"}},
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "beds", "min_value": 0},
             "meta": {"severity": "ERROR", "notes": "not negative"}},
        ],
    }
    path = tmp_path / "raw_beds_rules.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    suite = load_suite_file(path)
    _load(database, "L1", [("150200", 2020, 100), ("150300", 2020, 50)])
    assert run_suite(suite, database, run_id="r1").passed is True
    _load(database, "L2", [("150200", 2021, 110)])
    second = run_suite(suite, database, run_id="r2")
    assert second.metadata["rows_validated"].value == 1  # GX read the new file's row only
    assert second.passed is False and second.severity.value == "WARN"
    gap = _failed(second)["expect_column_pair_values_to_be_equal:WARN"]
    assert gap["failing_rows"] == [{"years_reported_for_region": 1, "years_in_feed": 2,
                                    "_source_file": "L1.csv", "_row_number": 3, "region_code": "150300"}]
