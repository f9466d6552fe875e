"""The summary `make run` prints: rows per feed, indicator values, checks, where the marts are."""

from __future__ import annotations

import datetime as dt

import duckdb
import dagster as dg

from dagster_project import settings
from dagster_project.alerts.messages import error_text
from dagster_project.feeds.config import load_feed_configs


def check_results(result: dg.ExecuteInProcessResult) -> list[tuple[str, str, bool, str]]:
    rows = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            rows.append((ev.asset_key.to_user_string(), ev.check_name, ev.passed, ev.severity.value))
    return rows


def failure_causes(result: dg.ExecuteInProcessResult, max_lines: int = 6) -> list[str]:
    """Why a run failed, for the terminal: each failed step with its error, each failed ERROR check
    with its failing rules, or the run's own failure message when no step failed."""
    lines: list[str] = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.event_specific_data
            error = error_text(data.error) if data is not None and data.error else (event.message or "")
            if "DagsterAssetCheckFailedError" in error:
                continue  # the failed check itself is listed below with its rules
            text = error.splitlines()
            lines.append(f"  step {event.step_key} failed: {text[0] if text else ''}")
            lines += [f"    {t}" for t in text[1:max_lines]]
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            if ev.passed or ev.severity.value != "ERROR":
                continue
            lines.append(f"  check {ev.asset_key.to_user_string()} · {ev.check_name} failed (ERROR, blocks what is downstream):")
            failures = ev.metadata.get("failures")
            for f in (list(failures.value) if failures is not None else [])[:max_lines]:
                values = ", ".join(str(v.get("value")) for v in (f.get("failing_values") or [])[:3])
                lines.append(f"    {f.get('expectation')}({', '.join(f.get('columns') or [])}): "
                             f"{f.get('unexpected_count')} row(s)"
                             + (f", values {values}" if values else "") + (f" — {f['notes']}" if f.get("notes") else ""))
    if not lines:
        failure = result.get_run_failure_event()
        if failure is not None and failure.message:
            lines.append(f"  {failure.message.strip()}")
    return lines


def print_summary(result: dg.ExecuteInProcessResult, seconds: float) -> None:
    db = settings.warehouse_path()
    print()
    print("=" * 72)
    print(f"健康城市数据仓库 Healthy City Warehouse — run {'succeeded' if result.success else 'FAILED'} "
          f"in {seconds:.1f} s")
    print(f"Dagster run: {result.run_id}")
    print(f"warehouse: {db}")
    if not result.success:
        print("\nCause 失败原因:")
        for line in failure_causes(result) or ["  (no failed step or check recorded; see the run in the Dagster UI)"]:
            print(line)
    with duckdb.connect(str(db), read_only=True) as con:
        print("\nRows per feed (current / quarantined) 各数据源行数:")
        for cfg in load_feed_configs():
            try:
                current = con.execute(f"select count(*) from raw.{cfg.table} where _superseded_by_load_id is null").fetchone()[0]
                quarantined = con.execute("select count(distinct (load_id, row_number)) from raw._quarantine where feed=?",
                                          [cfg.name]).fetchone()[0]
            except duckdb.CatalogException:
                current, quarantined = "not loaded", "-"
            print(f"  {cfg.name:<28} {cfg.title_zh:<20} {current:>8} / {quarantined}")
        try:
            n_values, n_ind, n_reg = con.execute(
                "select count(*), count(distinct indicator_code), count(distinct region_code) "
                "from marts.fct_indicator_value").fetchone()
            print(f"\nIndicator values 指标值: {n_values} values, {n_ind} indicator(s), {n_reg} region(s)")
        except duckdb.CatalogException:
            print("\nIndicator values 指标值: marts not built (see the failures above)")
    checks = check_results(result)
    failed = [c for c in checks if not c[2]]
    print(f"\nChecks 校验: {len(checks) - len(failed)} passed, {len(failed)} failed")
    for asset, name, _, severity in failed:
        print(f"  FAILED [{severity}] {asset}: {name}")
    published = settings.published_path()
    if published.exists():
        when = dt.datetime.fromtimestamp(published.stat().st_mtime).astimezone().isoformat(timespec="seconds")
        published_now = any(e.event_type_value == "ASSET_MATERIALIZATION"
                            and e.asset_key is not None and e.asset_key.path == ["published", "healthy_city"]
                            for e in result.all_events)
        fresh = ("published by this run" if published_now
                 else "NOT replaced by this run: analysts keep the last good snapshot")
        print(f"\nMarts 分析表 (for analysts 分析人员): {published}")
        print(f"  read-only snapshot of schemas marts and reference, {fresh} ({when})")
        print("  open it read-only; DuckDB 1.x clients work too (docs/analysts.md). Example 示例查询:")
        print(f"  duckdb -readonly {published} \\")
        print("    \"select region_name_zh, year, round(value, 1) as beds_per_1000_elderly "
              "from marts.fct_indicator_value where indicator_code = 'HC17' order by region_code, year\"")
    else:
        print(f"\nMarts 分析表: nothing published yet ({published} does not exist; the checks must pass first)")
    print(f"  The working file {db} belongs to the pipeline: analysts do not open it.")
    print_scorecards(result)
    print("=" * 72)


MAX_PAGES_LISTED = 12


def print_scorecards(result: dg.ExecuteInProcessResult) -> None:
    """Where this run's scorecards are (the reports/scorecards asset's metadata)."""
    for event in result.all_events:
        if (event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key is not None
                and event.asset_key.path == ["reports", "scorecards"]):
            meta = event.event_specific_data.materialization.metadata
            print(f"\nScorecards 健康城市评价报告: {meta['directory'].value}")
            pages = meta["pages"].value
            # The regions with a plan first (the ones administrators open), then as many others as fit.
            planned = set(meta["plan_region_pages"].value) if "plan_region_pages" in meta else set()
            shown = [p for p in pages if p in planned] + [p for p in pages if p not in planned]
            for path in [*meta["overviews"].value, meta["workbook"].value, *shown[:MAX_PAGES_LISTED]]:
                print(f"  {path}")
            if len(pages) > MAX_PAGES_LISTED:
                print(f"  … {len(pages) - MAX_PAGES_LISTED} more pages in that folder")
            return
    print("\nScorecards 健康城市评价报告: not written by this run (the snapshot was not published)")
