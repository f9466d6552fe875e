"""Great Expectations suites kept as files, run as Dagster asset checks.

Each expectations/<table>.json is a GX 1.x serialized ExpectationSuite. Its `meta` says what
it validates:
  asset_key       the Dagster asset the check attaches to, e.g. ["raw", "pension_beds"]
  relation        the DuckDB table or view, e.g. raw.pension_beds
  where           optional SQL filter (raw tables: only current rows)
  row_id_columns  columns that point a person at the failing row (file and row number)
Each expectation's `meta.severity` is ERROR (blocks downstream assets) or WARN (alerts only).

GX's SQL path over DuckDB errors on every expectation with these versions
(../shared/ecosystem.md), so the check reads the needed columns into pandas and validates
that frame in an ephemeral context.
"""


import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from dagster_project import settings

MAX_ROWS_IN_METADATA = 50


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
    document: dict[str, Any]

    @property
    def check_name(self) -> str:
        return f"{self.name}_gx"

    def columns(self) -> list[str]:
        cols: list[str] = []
        for exp in self.document["expectations"]:
            kw = exp.get("kwargs", {})
            for c in ([kw["column"]] if "column" in kw else []) + list(kw.get("column_list", [])):
                if c not in cols:
                    cols.append(c)
        return cols + [c for c in self.row_id_columns if c not in cols]


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
                     tuple(meta.get("row_id_columns", [])), doc)


def load_suite_files(directory: Path | None = None) -> list[SuiteFile]:
    directory = directory or settings.EXPECTATIONS_DIR
    return [load_suite_file(p) for p in sorted(directory.glob("*.json"))]


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


def validate_frame(suite: SuiteFile, frame) -> list[dict[str, Any]]:
    """Run the suite on a DataFrame; one dict per expectation with its outcome and failing rows."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    try:
        gx_suite = ExpectationSuite(name=suite.name, expectations=suite.document["expectations"])
    except Exception as exc:  # GX raises InvalidExpectationConfigurationError for typos
        raise SuiteFileError(f"{suite.path}: {exc}") from None
    if len(gx_suite.expectations) != len(suite.document["expectations"]):
        raise SuiteFileError(f"{suite.path}: GX built {len(gx_suite.expectations)} of "
                             f"{len(suite.document['expectations'])} expectations")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("warehouse").add_dataframe_asset(suite.name)
             .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame}))
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if suite.row_id_columns:
        result_format["unexpected_index_column_names"] = list(suite.row_id_columns)
    result = batch.validate(gx_suite, result_format=result_format)

    outcomes = []
    severity_by_type_kwargs = {
        (e["type"], json.dumps(e.get("kwargs", {}), sort_keys=True, default=str)): (e.get("meta") or {}).get("severity", "ERROR")
        for e in suite.document["expectations"]
    }
    for r in result.results:
        cfg = r.expectation_config
        kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id",)}
        key = (cfg.type, json.dumps(kwargs, sort_keys=True, default=str))
        severity = severity_by_type_kwargs.get(key, (cfg.meta or {}).get("severity", "ERROR"))
        res = r.result or {}
        outcome = {
            "expectation": cfg.type,
            "kwargs": _json_safe(kwargs),
            "severity": severity,
            "success": bool(r.success),
            "unexpected_count": _json_safe(res.get("unexpected_count", 0)),
        }
        if not r.success:
            rows = res.get("unexpected_index_list") or []
            outcome["failing_rows"] = _json_safe(rows[:MAX_ROWS_IN_METADATA])
            if not rows:
                outcome["failing_values"] = _json_safe((res.get("partial_unexpected_list") or [])[:MAX_ROWS_IN_METADATA])
            if r.exception_info and r.exception_info.get("raised_exception"):
                outcome["error"] = r.exception_info.get("exception_message")
        outcomes.append(outcome)
    return outcomes


def read_relation(suite: SuiteFile, database: Path):
    cols = ", ".join(f'"{c}"' for c in suite.columns())
    sql = f"select {cols} from {suite.relation}" + (f" where {suite.where}" if suite.where else "")
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


def run_suite(suite: SuiteFile, database: Path) -> dg.AssetCheckResult:
    frame = read_relation(suite, database)
    outcomes = validate_frame(suite, frame)
    failed = [o for o in outcomes if not o["success"]]
    severity = (dg.AssetCheckSeverity.ERROR if any(o["severity"] == "ERROR" for o in failed)
                else dg.AssetCheckSeverity.WARN)
    summary = [
        f"{o['expectation']}({', '.join(f'{k}={v}' for k, v in o['kwargs'].items())}): "
        f"{o['unexpected_count']} failing [{o['severity']}]"
        for o in failed
    ]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity,
        metadata={
            "suite": str(suite.path.relative_to(settings.PROJECT_ROOT)) if suite.path.is_relative_to(settings.PROJECT_ROOT) else str(suite.path),
            "relation": suite.relation,
            "rows_validated": len(frame),
            "expectations": len(outcomes),
            "expectations_failed": len(failed),
            "failed_summary": dg.MetadataValue.md("\n".join(f"- {s}" for s in summary) or "all passed"),
            "failures": dg.MetadataValue.json(_json_safe(failed)),
        },
    )


def build_suite_check(suite: SuiteFile) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=suite.asset_key,
        name=suite.check_name,
        description=suite.document.get("notes") or f"Great Expectations suite {suite.path.name}",
        # An ERROR-severity failure stops everything downstream; WARN only alerts.
        blocking=True,
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        return run_suite(suite, settings.warehouse_path())

    return _check


def build_suite_checks(directory: Path | None = None) -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(suite) for suite in load_suite_files(directory)]
