"""Staleness: one asset check per feed, failing (WARN) when no new file arrived within the
feed's declared cadence (FeedConfig.stale_after: stale_after_days, or 2/45/120/400 days for
daily/monthly/quarterly/yearly).

It is an asset check, not sensor logic, so a stale feed reaches administrators through the same
alert sensors, the report and raw._check_results as every other check (ecosystem.md §4:
Dagster's freshness policies alert only in Dagster+). WARN and non-blocking: old data is still
the best data we have, so it must not stop the marts.
"""


import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_configs


def _now() -> dt.datetime:
    # raw._loads.loaded_at is naive UTC (feeds/loader.py); compare like with like.
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


LAST_LOAD_SQL = """
    select max(loaded_at), arg_max(source_file, loaded_at) from raw._loads
    where feed = ? and status = 'loaded'"""


def evaluate_freshness(cfg: FeedConfig, database: Path, now: dt.datetime | None = None,
                       con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """`con`: an open connection to `database` (the nightly plan evaluates every feed on one)."""
    now = now or _now()
    if con is None:
        with duckdb.connect(str(database), read_only=True) as own:
            row = own.execute(LAST_LOAD_SQL, [cfg.name]).fetchone()
    else:
        row = con.execute(LAST_LOAD_SQL, [cfg.name]).fetchone()
    last_loaded_at, last_file = row if row else (None, None)
    if last_loaded_at is None:
        return {"passed": False, "last_loaded_at": None, "last_file": None, "age_days": None,
                "stale_after_days": cfg.stale_after}
    age_days = (now - last_loaded_at).total_seconds() / 86400
    return {"passed": age_days <= cfg.stale_after, "last_loaded_at": last_loaded_at.isoformat(sep=" "),
            "last_file": last_file, "age_days": round(age_days, 1), "stale_after_days": cfg.stale_after}


def describe(cfg: FeedConfig, outcome: dict) -> tuple[str, str]:
    """(value, notes) in the words the report and the alert use."""
    if outcome["last_loaded_at"] is None:
        return ("从未加载 never loaded",
                f"{cfg.title_zh}从未成功加载文件 / no file of {cfg.name} was ever loaded")
    return (f"{outcome['age_days']} 天 days since {outcome['last_loaded_at']} ({outcome['last_file']})",
            f"{cfg.title_zh}超过{cfg.stale_after}天没有新文件（{cfg.cadence}）/ no new file for more than "
            f"{cfg.stale_after} days (cadence {cfg.cadence})")


def build_freshness_check(cfg: FeedConfig) -> dg.AssetChecksDefinition:
    check_name = f"raw_{cfg.name}_fresh"

    @dg.asset_check(
        asset=dg.AssetKey(["raw", cfg.name]),
        name=check_name,
        description=f"{cfg.title_zh}：{cfg.stale_after}天内应有新文件 / a new file within {cfg.stale_after} days "
                    f"(cadence {cfg.cadence})",
        blocking=False,
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from dagster_project.quality import report, store

        database = settings.warehouse_path()
        outcome = evaluate_freshness(cfg, database)
        value, notes = describe(cfg, outcome)
        asset = f"raw/{cfg.name}"
        store.record_freshness_result(database, context.run.run_id, check_name, asset, outcome["passed"],
                                      "" if outcome["passed"] else f"[WARN] {notes}: {value}", value, notes)
        report.write_report(database, context.run.run_id)
        failures = [] if outcome["passed"] else [{
            "expectation": "feed_is_fresh", "columns": ["loaded_at"], "severity": "WARN", "notes": notes,
            "unexpected_count": 1, "failing_values": [{"value": value, "rows": 1}],
            "failing_rows": [{"_source_file": outcome["last_file"], "loaded_at": outcome["last_loaded_at"]}],
        }]
        return dg.AssetCheckResult(
            passed=outcome["passed"],
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "last_loaded_at": outcome["last_loaded_at"] or "never",
                "last_file": outcome["last_file"] or "",
                "age_days": outcome["age_days"] if outcome["age_days"] is not None else -1,
                "stale_after_days": outcome["stale_after_days"],
                "failures": dg.MetadataValue.json(failures),
            },
        )

    return _check


def build_freshness_checks() -> list[dg.AssetChecksDefinition]:
    return [build_freshness_check(cfg) for cfg in load_feed_configs()]
