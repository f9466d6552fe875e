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

GX's SQL path over DuckDB errors on every expectation with these versions
(../shared/ecosystem.md), so the check reads the needed columns into pandas and validates
that frame in an ephemeral context.

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

from dagster_project import settings

MAX_ROWS_IN_METADATA = 50
GENERATED_DIR_NAME = "generated"


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

    def columns(self) -> list[str]:
        cols: list[str] = []
        for exp in self.document["expectations"]:
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


def validate_frame(suite: SuiteFile, frame, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run the suite on a DataFrame; one dict per expectation with its outcome and failing rows."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    documents = suite.document["expectations"]
    # The position in the file travels in meta, so each result finds its own declaration
    # (severity, notes, un-substituted kwargs) even after GX substituted the parameters.
    configs = [{**e, "meta": {**(e.get("meta") or {}), "_index": i}} for i, e in enumerate(documents)]
    try:
        gx_suite = ExpectationSuite(name=suite.name, expectations=configs)
    except Exception as exc:  # GX raises InvalidExpectationConfigurationError for typos
        raise SuiteFileError(f"{suite.path}: {exc}") from None
    if len(gx_suite.expectations) != len(documents):
        # GX logs and drops an expectation whose type it does not know; do not let that pass.
        known = {e.expectation_type for e in gx_suite.expectations}
        unknown = sorted({e["type"] for e in documents} - known)
        raise SuiteFileError(f"{suite.path}: GX built {len(gx_suite.expectations)} of {len(documents)} "
                             f"expectations; unknown or invalid types: {unknown}")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("warehouse").add_dataframe_asset(suite.name)
             .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame}))
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if suite.row_id_columns:
        result_format["unexpected_index_column_names"] = list(suite.row_id_columns)
    result = batch.validate(gx_suite, result_format=result_format, expectation_parameters=parameters or None)

    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        declared = documents[int((cfg.meta or {})["_index"])]
        meta = declared.get("meta") or {}
        kwargs = declared.get("kwargs", {})
        res = r.result or {}
        outcome = {
            "expectation": cfg.type,
            "kwargs": _json_safe(kwargs),
            "columns": expectation_columns(kwargs),
            "severity": meta.get("severity", "ERROR"),
            "notes": meta.get("notes", ""),
            "success": bool(r.success),
            "unexpected_count": _json_safe(res.get("unexpected_count", 0)),
        }
        if not r.success:
            rows = _json_safe(res.get("unexpected_index_list") or [])
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
    outcomes.sort(key=lambda o: 0 if o["success"] else 1)  # stable: failures last, file order kept
    return outcomes


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


def read_relation(suite: SuiteFile, database: Path):
    cols = ", ".join(f'"{c}"' for c in suite.columns())
    sql = f"select {cols} from {suite.relation}" + (f" where {suite.where}" if suite.where else "")
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df(), read_parameters(suite, con)


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


def run_suite(suite: SuiteFile, database: Path, run_id: str | None = None) -> dg.AssetCheckResult:
    from dagster_project.quality import report, store

    frame, parameters = read_relation(suite, database)
    outcomes = validate_frame(suite, frame, parameters)
    failed = [o for o in outcomes if not o["success"]]
    severity = (dg.AssetCheckSeverity.ERROR if any(o["severity"] == "ERROR" for o in failed)
                else dg.AssetCheckSeverity.WARN)
    summary = failures_summary(failed)
    if run_id:
        store.record_suite_result(database, run_id, suite, severity.value, len(frame), outcomes)
        report.write_report(database, run_id)
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity,
        metadata={
            "suite": suite.display_path,
            "relation": suite.relation,
            "rows_validated": len(frame),
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
        return run_suite(suite, database, context.run.run_id)

    return _check


def build_suite_checks(directory: Path | None = None) -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(suite) for suite in load_suite_files(directory)]
