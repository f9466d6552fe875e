"""Great Expectations suites kept as files, run as Dagster asset checks.

Each expectations/<table>.json (hand-written) and expectations/generated/<name>.json (written by
scripts/generate_expectations.py) is a GX 1.x serialized ExpectationSuite. Its `meta` says what
it validates:
  asset_key       the Dagster asset the check attaches to, e.g. ["raw", "pension_beds"]
  relation        the DuckDB table or view, e.g. raw.pension_beds, or a parenthesised select
  where           optional SQL filter (raw tables: only current rows)
  row_id_columns  columns that point a person at the failing row (file and row number)
  parameters      optional {name: {"value": SQL}} or {name: {"list": SQL}}: computed at run time
                  and passed to GX as suite parameters, used in kwargs as {"$PARAMETER": name}
                  (e.g. the region code list, the current year).
  depends_on      optional asset keys the relation or the parameters read besides asset_key
                  (e.g. [["raw", "region_codes"]]), so the check runs after them.
Each expectation's `meta.severity` is ERROR (blocks downstream assets) or WARN (alerts only).

What is validated, and where:
  the batch       a raw feed's suite validates, with GX, only the rows of the loads it has not yet
                  validated clean (raw._check_batches keeps, per suite and suite version, the load
                  ids validated and whether they passed): a nightly run with one new file reads that
                  file's rows, not the table. Loads of a failed validation stay in the batch until
                  they pass, so a bad row keeps failing its check. The whole table is the batch
                  when the suite file changed (a new version has validated nothing) or an asset the
                  suite also reads (depends_on, e.g. the region code list) was rebuilt in the run.
                  Large batches are read and validated in slices of at most BATCH_ROWS rows, so
                  memory stays bounded whatever the table's size.
  the whole table rules that need every current row — uniqueness (expect_column_values_to_be_unique,
                  expect_compound_columns_to_be_unique) and any expectation with
                  meta.scope = "table" (e.g. a region lacking years the feed covers) — run as SQL on
                  DuckDB over the whole relation, never in pandas. Their result has the same shape
                  as GX's (failing rows with file and row number).
Suites on marts (no _load_id) validate the whole relation with GX, uniqueness in SQL.

GX's SQL path over DuckDB errors on every expectation with these versions
(../shared/ecosystem.md), so the GX part reads the batch's columns into pandas and validates
that frame in an ephemeral context. What keeps that cheap without changing an outcome (no GX batch
fingerprint, integers as int64, pointer columns read as codes) is in docs/data-quality.md.

Every evaluation is also written to raw._check_results / raw._check_failures (quality/store.py)
and rendered into the offline HTML report (quality/report.py).
"""


import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import numpy as np

from dagster_project import settings

MAX_ROWS_IN_METADATA = 50
GENERATED_DIR_NAME = "generated"
# Rows per GX validation: a slice of 1 M rows of a raw feed takes ~0.5 GB in pandas and GX.
BATCH_ROWS = 1_000_000
BATCH_COLUMN = "_load_id"
# Expectations that need the whole table: evaluated in SQL on DuckDB (table_rule_sql).
TABLE_RULE_TYPES = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


class SuiteFileError(ValueError):
    pass


@dataclass(frozen=True)
class SuiteFile:
    path: Path
    name: str
    asset_key: dg.AssetKey
    relation: str
    where: str | None
    row_id_columns: tuple[str, ...]
    parameters: dict[str, dict[str, str]]
    depends_on: tuple[dg.AssetKey, ...]
    document: dict[str, Any]

    @property
    def check_name(self) -> str:
        return f"{self.name}_gx"

    @property
    def display_path(self) -> str:
        root = settings.PROJECT_ROOT
        return str(self.path.relative_to(root)) if self.path.is_relative_to(root) else str(self.path)

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(json.dumps(self.document, sort_keys=True).encode()).hexdigest()

    def is_table_rule(self, index: int) -> bool:
        exp = self.document["expectations"][index]
        return exp["type"] in TABLE_RULE_TYPES or (exp.get("meta") or {}).get("scope") == "table"

    def columns(self, indices: list[int] | None = None) -> list[str]:
        cols: list[str] = []
        documents = self.document["expectations"]
        for exp in (documents if indices is None else [documents[i] for i in indices]):
            for c in expectation_columns(exp.get("kwargs", {})):
                if c not in cols:
                    cols.append(c)
        return cols + [c for c in self.row_id_columns if c not in cols]


def expectation_columns(kwargs: dict[str, Any]) -> list[str]:
    """The data columns an expectation reads (column, column_A/B, column_list)."""
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list", []))


def load_suite_file(path: Path) -> SuiteFile:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteFileError(f"{path}: not valid JSON: {exc}") from None
    meta = doc.get("meta") or {}
    for key in ("asset_key", "relation"):
        if key not in meta:
            raise SuiteFileError(f"{path}: meta.{key} is required")
    if doc.get("name") != path.stem:
        raise SuiteFileError(f"{path}: name '{doc.get('name')}' must equal the file name '{path.stem}'")
    for i, exp in enumerate(doc.get("expectations", [])):
        sev = (exp.get("meta") or {}).get("severity", "ERROR")
        if sev not in ("ERROR", "WARN"):
            raise SuiteFileError(f"{path}: expectations[{i}].meta.severity must be ERROR or WARN, not {sev!r}")
        scope = (exp.get("meta") or {}).get("scope", "batch")
        if scope not in ("batch", "table"):
            raise SuiteFileError(f"{path}: expectations[{i}].meta.scope must be batch or table, not {scope!r}")
    return SuiteFile(path, path.stem, dg.AssetKey(meta["asset_key"]), meta["relation"], meta.get("where"),
                     tuple(meta.get("row_id_columns", [])), dict(meta.get("parameters") or {}),
                     tuple(dg.AssetKey(k) for k in meta.get("depends_on", [])), doc)


def suite_paths(directory: Path | None = None) -> list[Path]:
    directory = directory or settings.EXPECTATIONS_DIR
    return sorted(directory.glob("*.json")) + sorted((directory / GENERATED_DIR_NAME).glob("*.json"))


def load_suite_files(directory: Path | None = None) -> list[SuiteFile]:
    suites = [load_suite_file(p) for p in suite_paths(directory)]
    names = [s.name for s in suites]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SuiteFileError(f"suite names must be unique across expectations/ and its generated/ folder: {dupes}")
    return suites


def _json_safe(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _value_of(row: dict[str, Any], columns: list[str]) -> Any:
    """The failing value(s) of one row: the expectation's columns only, not the row id columns."""
    values = {c: row[c] for c in columns if c in row}
    if len(values) == 1:
        return next(iter(values.values()))
    return values


def _count_values(values: list[Any]) -> list[dict[str, Any]]:
    counts = Counter(json.dumps(v, ensure_ascii=False, sort_keys=True, default=str) for v in values)
    return [{"value": json.loads(k), "rows": n} for k, n in counts.most_common(MAX_ROWS_IN_METADATA)]


def _great_expectations():
    """GX, imported on first use (the import costs seconds in every process that loads it).
    GX fingerprints every pandas batch below 1 GB (an MD5 over pd.util.hash_pandas_object of every
    cell, kept only as a batch marker that no outcome reads): ~0.3 s per slice of 1 M rows, so off."""
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx


class FrameValidator:
    """One GX suite (all its expectations, or those at `indices`) in one ephemeral context, ready to
    validate any number of pandas frames (the slices of a batch) without building it again."""

    def __init__(self, suite: SuiteFile, indices: list[int] | None = None, load_column: str | None = None):
        gx = _great_expectations()
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.data_context.types.base import ProgressBarsConfig

        documents = suite.document["expectations"]
        self.suite, self.documents = suite, documents
        # a batched suite also asks GX for each failing row's load id, to settle the loads that passed
        self.load_column = load_column if load_column and load_column not in suite.row_id_columns else None
        self.indices = list(range(len(documents))) if indices is None else list(indices)
        # The position in the file travels in meta, so each result finds its own declaration
        # (severity, notes, un-substituted kwargs) even after GX substituted the parameters.
        configs = [{**documents[i], "meta": {**(documents[i].get("meta") or {}), "_index": i}} for i in self.indices]
        try:
            self.gx_suite = ExpectationSuite(name=suite.name, expectations=configs)
        except Exception as exc:  # GX raises InvalidExpectationConfigurationError for typos
            raise SuiteFileError(f"{suite.path}: {exc}") from None
        if len(self.gx_suite.expectations) != len(configs):
            # GX logs and drops an expectation whose type it does not know; do not let that pass.
            known = {e.expectation_type for e in self.gx_suite.expectations}
            unknown = sorted({c["type"] for c in configs} - known)
            raise SuiteFileError(f"{suite.path}: GX built {len(self.gx_suite.expectations)} of {len(configs)} "
                                 f"expectations; unknown or invalid types: {unknown}")
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.batch_definition = (context.data_sources.add_pandas("warehouse").add_dataframe_asset(suite.name)
                                 .add_batch_definition_whole_dataframe("all"))

    def validate(self, frame, parameters: dict[str, Any] | None = None,
                 codes: dict[str, list[Any]] | None = None) -> list[dict[str, Any]]:
        """One dict per expectation with its outcome and failing rows, in file order.
        `codes`: columns of the frame that hold the 1-based position of their value in a list."""
        # GX compares int64 and float64 columns vectorized but any other dtype value by value in
        # Python (expect_column_values_to_be_between: ~0.5 s per 1 M rows and expectation), and
        # DuckDB INTEGER / SMALLINT arrive as int32 / int16: widened to int64, which is exact.
        narrow = [c for c, dtype in frame.dtypes.items()
                  if isinstance(dtype, np.dtype) and dtype.kind in "iu" and dtype.itemsize < 8]
        if narrow:
            frame = frame.copy(deep=False)  # the caller's frame stays as it was
            for column in narrow:  # column by column: astype({...}) splits the frame into one block per column
                frame[column] = frame[column].astype("int64")
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result_format: dict[str, Any] = {"result_format": "COMPLETE"}
        index_columns = list(self.suite.row_id_columns) + ([self.load_column] if self.load_column else [])
        if index_columns:
            result_format["unexpected_index_column_names"] = index_columns
        result = batch.validate(self.gx_suite, result_format=result_format, expectation_parameters=parameters or None)

        outcomes = []
        for r in result.results:
            cfg = r.expectation_config
            index = int((cfg.meta or {})["_index"])
            res = r.result or {}
            outcome = _outcome(self.documents[index], index, bool(r.success), _json_safe(res.get("unexpected_count", 0)))
            if not r.success:
                rows = _json_safe(res.get("unexpected_index_list") or [])
                for column, values in (codes or {}).items():
                    for row in rows:
                        if column in row:
                            row[column] = values[row[column] - 1]
                if self.load_column:
                    # None: GX named no row (an aggregate expectation), so every load of the frame failed
                    outcome["_failing_loads"] = {row.pop(self.load_column, None) for row in rows} if rows else None
                outcome["failing_rows"] = rows[:MAX_ROWS_IN_METADATA]
                values = ([_value_of(row, outcome["columns"]) for row in rows] if rows
                          else _json_safe(res.get("partial_unexpected_list") or []))
                # Failing values with how many rows carry each one ("-26458: 1 row").
                outcome["failing_values"] = _count_values(values)
                if not rows and "observed_value" in res:
                    outcome["observed_value"] = _json_safe(res["observed_value"])
                if r.exception_info and r.exception_info.get("raised_exception"):
                    outcome["error"] = r.exception_info.get("exception_message")
            outcomes.append(outcome)
        outcomes.sort(key=lambda o: o["_index"])
        return outcomes


def _outcome(declared: dict[str, Any], index: int, success: bool, unexpected_count: int) -> dict[str, Any]:
    meta = declared.get("meta") or {}
    kwargs = declared.get("kwargs", {})
    return {
        "expectation": declared["type"],
        "kwargs": _json_safe(kwargs),
        "columns": expectation_columns(kwargs),
        "severity": meta.get("severity", "ERROR"),
        "notes": meta.get("notes", ""),
        "success": success,
        "unexpected_count": unexpected_count,
        "_index": index,
    }


def _finish(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    outcomes = sorted(outcomes, key=lambda o: o["_index"])
    for o in outcomes:
        o.pop("_index", None)
    return sorted(outcomes, key=lambda o: 0 if o["success"] else 1)  # stable: failures last, file order kept


def validate_frame(suite: SuiteFile, frame, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run the whole suite with GX on one DataFrame; one dict per expectation with its outcome and failing rows."""
    return _finish(FrameValidator(suite).validate(frame, parameters))


def merge_outcomes(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The outcomes of several slices of one batch as one: counts added, failing rows and values pooled."""
    merged: dict[int, dict[str, Any]] = {}
    for part in parts:
        for o in part:
            o.pop("_failing_loads", None)
            m = merged.get(o["_index"])
            if m is None:
                merged[o["_index"]] = {**o}
                continue
            m["unexpected_count"] = (m["unexpected_count"] or 0) + (o["unexpected_count"] or 0)
            if not o["success"]:
                m["success"] = False
                m["failing_rows"] = ((m.get("failing_rows") or []) + (o.get("failing_rows") or []))[:MAX_ROWS_IN_METADATA]
                counts: Counter = Counter()
                for item in (m.get("failing_values") or []) + (o.get("failing_values") or []):
                    counts[json.dumps(item["value"], ensure_ascii=False, sort_keys=True, default=str)] += item["rows"]
                m["failing_values"] = [{"value": json.loads(k), "rows": n}
                                       for k, n in counts.most_common(MAX_ROWS_IN_METADATA)]
                for key in ("observed_value", "error"):
                    if key in o and key not in m:
                        m[key] = o[key]
    return list(merged.values())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def table_rule_sql(suite: SuiteFile, index: int, source: str, batch: str | None = None) -> str:
    """The failing rows of a whole-table rule as SQL over `source` (the relation, current rows).
    Uniqueness with `batch` (a predicate selecting the batch's rows): only the keys the batch has are
    counted over the whole table. A repeated key always involves a load that was in a batch when it
    arrived, and every load with a failing row stays in the batch, so nothing is missed."""
    exp = suite.document["expectations"][index]
    kwargs = exp.get("kwargs", {})
    kind = exp["type"]
    if kind in TABLE_RULE_TYPES:
        # as GX: every row of a duplicated key fails (not only the second); a NULL in the key is not compared
        keys = [kwargs["column"]] if kind == "expect_column_values_to_be_unique" else list(kwargs["column_list"])
        cols = ", ".join(_quoted(c) for c in keys)
        scope = f"({cols}) in (select ({cols}) from {source} where {batch}) and " if batch else ""
        return (f"select * from {source} where ({cols}) in (select ({cols}) from {source} where {scope}"
                f"{' and '.join(f'{_quoted(c)} is not null' for c in keys)} group by {cols} having count(*) > 1)")
    if kind == "expect_column_pair_values_to_be_equal":
        a, b = _quoted(kwargs["column_A"]), _quoted(kwargs["column_B"])
        return f"select * from {source} where {a} is not null and {b} is not null and {a} <> {b}"
    if kind == "expect_column_values_to_be_in_set" and not isinstance(kwargs.get("value_set"), dict):
        values = ", ".join("?" for _ in kwargs["value_set"])
        return f"select * from {source} where {_quoted(kwargs['column'])} not in ({values})"
    raise SuiteFileError(f"{suite.path}: expectations[{index}] {kind} has meta.scope 'table', "
                         f"which has no SQL form here (supported: {', '.join(TABLE_RULE_TYPES)}, "
                         "expect_column_pair_values_to_be_equal, expect_column_values_to_be_in_set)")


def validate_table_rule(suite: SuiteFile, index: int, con: duckdb.DuckDBPyConnection, source: str,
                        batch: str | None = None, failed_loads: set[str] | None = None) -> dict[str, Any]:
    """A whole-table rule evaluated in SQL on DuckDB, reported in the shape of a GX result.
    The loads of its failing rows are added to `failed_loads` (they stay in the batch)."""
    declared = suite.document["expectations"][index]
    sql = table_rule_sql(suite, index, source, batch)
    params = list(declared["kwargs"]["value_set"]) if declared["type"] == "expect_column_values_to_be_in_set" else []
    columns = expectation_columns(declared.get("kwargs", {}))
    wanted = columns + [c for c in suite.row_id_columns if c not in columns]
    select = ", ".join(_quoted(c) for c in wanted)
    count = con.execute(f"select count(*) from ({sql})", params).fetchone()[0]
    outcome = _outcome(declared, index, count == 0, int(count))
    if count:
        order = ", ".join(_quoted(c) for c in wanted)
        rows = [dict(zip(wanted, _json_safe(list(r)))) for r in con.execute(
            f"select {select} from ({sql}) order by {order} limit {MAX_ROWS_IN_METADATA}", params).fetchall()]
        outcome["failing_rows"] = rows
        values = con.execute(
            f"select {', '.join(_quoted(c) for c in columns)}, count(*) as n from ({sql}) group by all "
            f"order by n desc limit {MAX_ROWS_IN_METADATA}", params).fetchall()
        outcome["failing_values"] = [
            {"value": _json_safe(v[0]) if len(columns) == 1 else dict(zip(columns, _json_safe(list(v[:-1])))),
             "rows": int(v[-1])} for v in values]
        if failed_loads is not None:
            failed_loads |= {r[0] for r in con.execute(f"select distinct {BATCH_COLUMN} from ({sql})", params).fetchall()}
    return outcome


def read_parameters(suite: SuiteFile, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """meta.parameters: {name: {"value": sql}} gives one value, {name: {"list": sql}} a list."""
    values: dict[str, Any] = {}
    for name, spec in suite.parameters.items():
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in ("value", "list"):
            raise SuiteFileError(f"{suite.path}: meta.parameters.{name} must be {{\"value\": sql}} or {{\"list\": sql}}")
        shape, sql = next(iter(spec.items()))
        column = [_json_safe(r[0]) for r in con.execute(sql).fetchall()]
        values[name] = column if shape == "list" else (column[0] if column else None)
    return values


def source_sql(suite: SuiteFile) -> str:
    """The rows the suite judges (current rows of a raw table), as a parenthesised select."""
    return f"(select * from {suite.relation}" + (f" where {suite.where})" if suite.where else ")")


def read_relation(suite: SuiteFile, database: Path):
    """The whole relation (the columns the suite reads) and the parameters: GX on everything."""
    cols = ", ".join(_quoted(c) for c in suite.columns())
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select {cols} from {source_sql(suite)}").df(), read_parameters(suite, con)


def is_batched(suite: SuiteFile, con: duckdb.DuckDBPyConnection) -> bool:
    """A raw feed's suite (its rows carry the load id) validates batches; a mart's suite the whole relation."""
    if suite.asset_key.path[0] != "raw":
        return False
    names = [r[0] for r in con.execute(f"describe select * from {source_sql(suite)}").fetchall()]
    return BATCH_COLUMN in names


def batch_slices(suite: SuiteFile, con: duckdb.DuckDBPyConnection, whole_table: bool,
                 max_rows: int = BATCH_ROWS) -> tuple[list[str], list[tuple[str, list[str]]], int]:
    """(the batch's load ids, slices: an SQL predicate selecting at most ~max_rows of them and its load
    ids, rows in the batch).
    The batch: current rows of every load this version of the suite has not validated clean."""
    return _batch_slices(suite, con, whole_table, max_rows)[:3]


def _batch_slices(suite: SuiteFile, con: duckdb.DuckDBPyConnection, whole_table: bool,
                  max_rows: int) -> tuple[list[str], list[tuple[str, list[str]]], int, bool]:
    """batch_slices, and whether the batch holds every current row (e.g. the first validation)."""
    from dagster_project.quality import store

    loads = con.execute(f"select {BATCH_COLUMN}, count(*), min(_row_number), max(_row_number) "
                        f"from {source_sql(suite)} group by all order by 1").fetchall()
    every = whole_table
    if not whole_table:
        done = store.validated_loads(con, suite.check_name, suite.sha256)
        every = not any(row[0] in done for row in loads)
        loads = [row for row in loads if row[0] not in done]
    slices: list[tuple[str, list[str]]] = []
    pending: list[str] = []
    pending_rows = 0
    for load_id, n, first, last in loads:
        if n > max_rows:  # one big file: by row number ranges
            parts = -(-n // max_rows)
            step = -(-(last - first + 1) // parts)
            for lo in range(first, last + 1, step):
                slices.append((f"{BATCH_COLUMN} = {_literal(load_id)} and _row_number between {lo} and {lo + step - 1}",
                               [load_id]))
            continue
        if pending and pending_rows + n > max_rows:
            slices.append((f"{BATCH_COLUMN} in ({', '.join(_literal(i) for i in pending)})", pending))
            pending, pending_rows = [], 0
        pending.append(load_id)
        pending_rows += n
    if pending:
        slices.append((f"{BATCH_COLUMN} in ({', '.join(_literal(i) for i in pending)})", pending))
    return [row[0] for row in loads], slices, sum(row[1] for row in loads), every


# In a batch of at least CODE_MIN_ROWS rows, a text column that only points at the failing row (a
# row id column no rule reads, the load id) is read as its position in the list of its values in
# the slice, when it has at most MAX_CODES: fetching 1 M rows of text into pandas costs ~0.25 s, of
# integers almost nothing (a small batch does not repay the query for the list). The failing rows
# GX names are decoded, so outcomes are the same.
MAX_CODES = 64
CODE_MIN_ROWS = 100_000


def _codable_columns(suite: SuiteFile, row_rules: list[int], cols: list[str], con: duckdb.DuckDBPyConnection,
                     source: str) -> list[str]:
    documents = suite.document["expectations"]
    read = {c for i in row_rules for c in expectation_columns(documents[i].get("kwargs", {}))}
    pointers = [c for c in cols if c not in read]
    if not pointers:
        return []
    types = {r[0]: r[1] for r in con.execute(
        f"describe select {', '.join(_quoted(c) for c in pointers)} from {source}").fetchall()}
    return [c for c in pointers if types.get(c) == "VARCHAR"]


def _slice_codes(columns: list[str], con: duckdb.DuckDBPyConnection, source: str, where: str,
                 slice_loads: list[str]) -> dict[str, list[str]]:
    codes = {}
    for c in columns:
        if c == BATCH_COLUMN and slice_loads:
            values = list(slice_loads)  # the slice is these loads' rows
        else:
            values = [r[0] for r in con.execute(
                f"select distinct {_quoted(c)} from {source} where {where} limit {MAX_CODES + 1}").fetchall()]
        if len(values) <= MAX_CODES and None not in values:
            codes[c] = values
    return codes


def validate_suite(suite: SuiteFile, database: Path, whole_table: bool = False,
                   max_rows: int = BATCH_ROWS) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
    """Validate the suite on the warehouse: (outcomes, rows validated by GX, batch facts).
    Row rules with GX on the batch (in slices); whole-table rules in SQL on DuckDB."""
    documents = suite.document["expectations"]
    for i, exp in enumerate(documents):
        if (exp.get("meta") or {}).get("scope") == "table":
            table_rule_sql(suite, i, "t")  # a scope without an SQL form is a suite error, before any work
    row_rules = [i for i in range(len(documents)) if not suite.is_table_rule(i)]
    table_rules = [i for i in range(len(documents)) if suite.is_table_rule(i)]
    source = source_sql(suite)
    with duckdb.connect(str(database), read_only=True) as con:
        parameters = read_parameters(suite, con)
        batched = is_batched(suite, con)
        if batched:
            load_ids, slices, batch_rows, every_row = _batch_slices(suite, con, whole_table, max_rows)
        else:
            load_ids, slices, batch_rows, every_row = [], [("true", [])], 0, True
        parts = []
        validated = 0
        failed_loads: set[str] = set()
        if row_rules:
            validator = FrameValidator(suite, row_rules, BATCH_COLUMN if batched else None)
            cols = suite.columns(row_rules) + ([BATCH_COLUMN] if validator.load_column else [])
            codable = _codable_columns(suite, row_rules, cols, con, source) if batch_rows >= CODE_MIN_ROWS else []
            for where, slice_loads in slices:
                codes = _slice_codes(codable, con, source, where, slice_loads)
                select = ", ".join(f"list_position(?, {_quoted(c)}) as {_quoted(c)}" if c in codes else _quoted(c)
                                   for c in cols)
                frame = con.execute(f"select {select} from {source} where {where}",
                                    [codes[c] for c in cols if c in codes]).df()
                validated += len(frame)
                part = validator.validate(frame, parameters, codes)
                for o in part:
                    if not o["success"]:
                        failing = o.get("_failing_loads")
                        failed_loads |= set(slice_loads) if failing is None else failing
                parts.append(part)
                del frame
            if not parts:  # nothing new: no row to judge, every row rule holds on the batch
                parts = [[_outcome(documents[i], i, True, 0) for i in row_rules]]
        row_outcomes = merge_outcomes(parts)
        # uniqueness of a partial batch: only its keys (table_rule_sql); otherwise every row
        batch = None
        if batched and not every_row:
            batch = (f"{BATCH_COLUMN} in ({', '.join(_literal(i) for i in load_ids)})" if load_ids else "false")
        # a load with a repeated key stays in the batch, so its key is counted again next run;
        # other whole-table rules read every row anyway
        outcomes = row_outcomes + [
            validate_table_rule(suite, i, con, source, batch, failed_loads if batched else None)
            if documents[i]["type"] in TABLE_RULE_TYPES else validate_table_rule(suite, i, con, source)
            for i in table_rules]
    facts = {"batched": batched, "load_ids": load_ids, "failed_loads": failed_loads,
             "batch": ("whole relation" if not batched else "whole table" if whole_table
                       else f"{len(load_ids)} load(s) not yet validated")}
    return _finish(outcomes), validated, facts


def failures_summary(failed: list[dict[str, Any]]) -> list[str]:
    lines = []
    for o in failed:
        values = ", ".join(f"{json.dumps(v['value'], ensure_ascii=False)} ({v['rows']} rows)"
                           for v in (o.get("failing_values") or [])[:5])
        where = ", ".join(f"{r.get('_source_file')} row {r.get('_row_number')}"
                          for r in (o.get("failing_rows") or [])[:5] if "_source_file" in r)
        lines.append(f"[{o['severity']}] {o['expectation']}({', '.join(o['columns'])}): "
                     f"{o['unexpected_count']} failing" + (f"; values {values}" if values else "")
                     + (f"; at {where}" if where else "") + (f" — {o['notes']}" if o.get("notes") else ""))
    return lines


def run_suite(suite: SuiteFile, database: Path, run_id: str | None = None,
              whole_table: bool = False) -> dg.AssetCheckResult:
    from dagster_project.quality import report, store

    outcomes, rows_validated, facts = validate_suite(suite, database, whole_table)
    failed = [o for o in outcomes if not o["success"]]
    severity = (dg.AssetCheckSeverity.ERROR if any(o["severity"] == "ERROR" for o in failed)
                else dg.AssetCheckSeverity.WARN)
    summary = failures_summary(failed)
    if run_id:
        # a load is settled when its rows broke no rule; a load with a failing row is validated again next run
        store.record_suite_result(database, run_id, suite, severity.value, rows_validated, outcomes,
                                  (facts["load_ids"], facts["failed_loads"]) if facts["batched"] else None)
        report.write_report(database, run_id)
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity,
        metadata={
            "suite": suite.display_path,
            "relation": suite.relation,
            "batch": facts["batch"],
            "rows_validated": rows_validated,
            "expectations": len(outcomes),
            "expectations_failed": len(failed),
            "failed_summary": dg.MetadataValue.md("\n".join(f"- {s}" for s in summary) or "all passed"),
            "failures": dg.MetadataValue.json(_json_safe(failed)),
        },
    )


NO_NEW_LOAD = "no new load"


def _int_metadata(record, name: str) -> int | None:
    materialization = record.asset_materialization
    value = materialization.metadata.get(name) if materialization is not None else None
    return value.value if isinstance(getattr(value, "value", None), int) else None


def unchanged_since_last_pass(context: dg.AssetCheckExecutionContext, suite: SuiteFile,
                              database: Path) -> dict[str, Any] | None:
    """Why this suite need not run again, or None to run it. A nightly run with nothing new does
    not re-validate a feed: the suite is skipped (passed, metadata "no new load") only when all hold:
      - the feed asset was materialized in this run and loaded no file and superseded no row
        (its metadata files_loaded = 0 and rows_superseded_this_run = 0);
      - the assets the suite also reads (depends_on) were not materialized in this run;
      - the previous materialization of the feed is the one this suite last validated, and that
        validation passed every expectation (raw._check_results);
      - the suite file has not changed since.
    Anything unknown (another loader's metadata, an ephemeral Dagster instance) runs the suite."""
    instance, run_id = context.instance, context.run.run_id
    records = instance.fetch_materializations(suite.asset_key, limit=2).records
    if len(records) < 2 or records[0].run_id != run_id:
        return None
    latest = records[0]
    if _int_metadata(latest, "files_loaded") != 0 or _int_metadata(latest, "rows_superseded_this_run") != 0:
        return None
    for key in suite.depends_on:
        dep = instance.fetch_materializations(key, limit=1).records
        if dep and dep[0].run_id == run_id:
            return None
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            last = con.execute(
                "select run_id, checked_at, passed, expectations_failed from raw._check_results "
                "where check_name = ? order by checked_at desc limit 1", [suite.check_name]).fetchone()
    except duckdb.Error:
        return None
    if last is None or not last[2] or last[3] or last[0] != records[1].run_id:
        return None
    import datetime as dt

    if dt.datetime.fromtimestamp(suite.path.stat().st_mtime) >= last[1]:
        return None
    return {"skipped": NO_NEW_LOAD, "last_validated_run": last[0],
            "last_validated_at": last[1].isoformat(sep=" "), "suite": suite.display_path, "rows_validated": 0}


def build_suite_check(suite: SuiteFile) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=suite.asset_key,
        name=suite.check_name,
        additional_deps=list(suite.depends_on),
        description=suite.document.get("notes") or f"Great Expectations suite {suite.path.name}",
        # An ERROR-severity failure stops everything downstream; WARN only alerts.
        blocking=True,
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        database = settings.warehouse_path()
        unchanged = unchanged_since_last_pass(context, suite, database)
        if unchanged is not None:
            context.log.info(f"{suite.check_name}: {NO_NEW_LOAD} since run {unchanged['last_validated_run']}, "
                             "which passed this suite: not validated again")
            return dg.AssetCheckResult(passed=True, metadata=unchanged)
        # An asset the suite also reads was rebuilt in this run (e.g. the region code list):
        # rows validated before may fail now, so the batch is the whole table.
        rebuilt = [k for k in suite.depends_on
                   if (dep := context.instance.fetch_materializations(k, limit=1).records)
                   and dep[0].run_id == context.run.run_id]
        return run_suite(suite, database, context.run.run_id, whole_table=bool(rebuilt))

    return _check


def build_suite_checks(directory: Path | None = None) -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(suite) for suite in load_suite_files(directory)]
