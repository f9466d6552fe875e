"""Asset factory: each sources/feeds/<feed>.yml becomes the asset raw/<feed>.

A file the feed cannot accept (rejected, or in conflict with another file of the same run) fails
only that feed's check raw_<feed>_files_accepted (ERROR, not blocking): the feed's good files are
loaded, the asset materializes, and every model downstream is still built and published, using
this feed's last good rows (fct_indicator_value.data_as_of says how old they are). The check
names each file and why; the alert sensors send it like any other failed check.

The asset landing/inventory lists every file in the landing folders that no feed takes
(feeds/landing.py) and fails its WARN check landing_files_claimed while there is one.
"""


import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_configs
from dagster_project.feeds.landing import Unclaimed, claimed_files, unclaimed_files, unclaimed_in_feed_folder
from dagster_project.feeds.loader import FileOutcome, ensure_tables, feed_files, load_files

MAX_PROBLEMS_IN_METADATA = 50
# Outcomes that pass the feed's files check; any other fails it (ERROR), with the note below.
ACCEPTED_STATUSES = ("loaded", "duplicate", "reresolved")
FAILED_STATUSES = {
    "rejected": "文件被拒收，未加载 / file rejected, nothing loaded from it",
    "conflict": "与同一运行中的另一文件冲突，两者的值均未生效 / conflicts with another file of this run; "
                "neither value is current",
}
KEPT_LAST_GOOD = ("该数据源沿用上次成功加载的数据，其他数据源照常更新发布 / this feed keeps its last good rows; "
                  "every other feed is still built and published")
LANDING_ASSET_KEY = dg.AssetKey(["landing", "inventory"])


def _not_accepted(outcome: FileOutcome) -> bool:
    return outcome.status not in ACCEPTED_STATUSES


def _note(outcome: FileOutcome) -> str:
    return FAILED_STATUSES.get(outcome.status, f"文件未被接收（{outcome.status}）/ file not accepted ({outcome.status})")
LANDING_CHECK_NAME = "landing_files_claimed"
NOT_CLAIMED = "落地目录中的文件没有数据源读取 / no feed reads this file"


def files_check_name(cfg: FeedConfig) -> str:
    return f"raw_{cfg.name}_files_accepted"


def _unclaimed_markdown(items: list[Unclaimed]) -> str:
    return "\n".join(f"- `{u.relative}`: {u.reason}" for u in items)


def file_failures(outcomes: list[FileOutcome]) -> list[dict]:
    """The check's `failures` metadata (the shape alerts/messages.py renders): one rule per file."""
    return [{
        "expectation": "file_is_accepted", "columns": ["file"], "severity": "ERROR",
        "notes": f"{_note(o)}；{KEPT_LAST_GOOD}", "unexpected_count": 1,
        "failing_values": [{"value": o.message, "rows": 1}],
        "failing_rows": [{"_source_file": o.file_name, "status": o.status, "sha256": o.sha256}],
    } for o in outcomes if _not_accepted(o)]


def files_check(cfg: FeedConfig, outcomes: list[FileOutcome], run_id: str | None) -> dg.AssetCheckResult:
    failing = [o for o in outcomes if _not_accepted(o)]
    summary = [f"{o.file_name}: {o.status}: {o.message}" for o in failing]
    if run_id:
        from dagster_project.quality import report, store

        database = settings.warehouse_path()
        store.record_item_check(
            database, run_id, files_check_name(cfg), f"raw/{cfg.name}", "raw._loads", "files", "ERROR",
            [{"expectation": "file_is_accepted", "columns": "file", "notes": _note(o),
              "source_file": o.file_name, "row_key": o.status, "value": o.message} for o in failing],
            len(outcomes), "\n".join(f"[ERROR] {s}" for s in summary))
        report.write_report(database, run_id)
    return dg.AssetCheckResult(
        check_name=files_check_name(cfg),
        passed=not failing,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "files_checked": len(outcomes),
            "files_failed": len(failing),
            "failed_summary": dg.MetadataValue.md("\n".join(f"- {s}" for s in summary) or "all accepted"),
            "failures": dg.MetadataValue.json(file_failures(outcomes)),
        },
    )


def ingest(cfg: FeedConfig, context: dg.AssetExecutionContext | None = None) -> dg.MaterializeResult:
    """Load every new file of the feed. Files it cannot accept fail its files check, not the asset."""
    database = settings.warehouse_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    files = feed_files(cfg, settings.sources_dir(), settings.landing_dir())
    with duckdb.connect(str(database)) as con:
        ensure_tables(con, cfg)
        outcomes = load_files(con, cfg, files, settings.archive_dir())
        current_rows = con.execute(
            f"select count(*) from raw.{cfg.table} where _superseded_by_load_id is null").fetchone()[0]
        quarantined_total = con.execute(
            "select count(distinct (load_id, row_number)) from raw._quarantine where feed = ?", [cfg.name]).fetchone()[0]
    if context:
        for o in outcomes:
            log = context.log.error if _not_accepted(o) else context.log.info
            log(f"{cfg.name}: {o.file_name}: {o.status} ({o.rows_loaded} rows, {o.rows_quarantined} quarantined)"
                + (f": {o.message}" if _not_accepted(o) else ""))

    failing = [o for o in outcomes if _not_accepted(o)]
    problems = [p for o in outcomes for p in o.problems]
    unclaimed = unclaimed_in_feed_folder(settings.landing_dir(), cfg)
    metadata = {
        "feed": f"{cfg.title_zh} / {cfg.title_en}",
        "table": f"raw.{cfg.table}",
        "files_seen": len(files),
        "files_loaded": sum(o.status == "loaded" for o in outcomes),
        "files_already_loaded": sum(o.status == "duplicate" for o in outcomes),
        "files_rejected": sum(o.status == "rejected" for o in outcomes),
        "files_in_conflict": sum(o.status == "conflict" for o in outcomes),
        "rows_loaded_this_run": sum(o.rows_loaded for o in outcomes),
        "rows_quarantined_this_run": sum(o.rows_quarantined for o in outcomes),
        "rows_superseded_this_run": sum(o.rows_superseded for o in outcomes),
        "current_rows": current_rows,
        "quarantined_rows_total": quarantined_total,
        "landing_files_not_read": len(unclaimed),
        "dagster/row_count": current_rows,
    }
    if problems:
        metadata["quarantine"] = dg.MetadataValue.md(
            "\n".join(f"- {p}" for p in problems[:MAX_PROBLEMS_IN_METADATA])
            + (f"\n- … {len(problems) - MAX_PROBLEMS_IN_METADATA} more in raw._quarantine" if len(problems) > MAX_PROBLEMS_IN_METADATA else ""))
    if failing:
        metadata["files_not_accepted"] = dg.MetadataValue.json(
            [{"file": o.file_name, "status": o.status, "sha256": o.sha256, "reason": o.message} for o in failing])
    if unclaimed:
        metadata["landing_files_not_read_list"] = dg.MetadataValue.md(_unclaimed_markdown(unclaimed))
        if context:
            context.log.warning(f"{cfg.name}: {len(unclaimed)} file(s) in landing/{cfg.name}/ that the feed does not "
                                "read:\n" + _unclaimed_markdown(unclaimed))

    check_results = []
    check_key = dg.AssetCheckKey(dg.AssetKey(["raw", cfg.name]), files_check_name(cfg))
    if context is None or check_key in context.selected_asset_check_keys:
        check_results.append(files_check(cfg, outcomes, context.run.run_id if context else None))
    return dg.MaterializeResult(metadata=metadata, check_results=check_results)


def build_feed_asset(cfg: FeedConfig) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", cfg.name])

    @dg.asset(
        key=key,
        group_name="raw",
        owners=["team:data-engineering"],
        description=f"{cfg.title_zh} / {cfg.title_en} — {cfg.publisher_zh} ({cfg.publisher_en}). "
                    + ("SAMPLE DATA (示例数据). " if cfg.sample_data else "") + (cfg.description or ""),
        kinds={"duckdb", cfg.format},
        tags={"domain": cfg.domain, "cadence": cfg.cadence},
        metadata={"feed_declaration": f"sources/feeds/{cfg.name}.yml", "grain": ", ".join(cfg.grain)},
        check_specs=[dg.AssetCheckSpec(
            files_check_name(cfg), asset=key, blocking=False,
            description=f"{cfg.title_zh}：每个文件均被接收（未被拒收、无冲突）/ every file of the feed was accepted "
                        "(none rejected, none in conflict). ERROR but not blocking: the feed keeps its last good "
                        "rows and every other feed is still built and published.",
        )],
    )
    def _feed_asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return ingest(cfg, context)

    return _feed_asset


def landing_check(items: list[Unclaimed], claimed: int, run_id: str | None) -> dg.AssetCheckResult:
    if run_id:
        from dagster_project.quality import report, store

        database = settings.warehouse_path()
        database.parent.mkdir(parents=True, exist_ok=True)  # this asset may run before any feed
        store.record_item_check(
            database, run_id, LANDING_CHECK_NAME, LANDING_ASSET_KEY.to_user_string(), str(settings.landing_dir()),
            "landing", "WARN",
            [{"expectation": "file_is_claimed", "columns": "path", "notes": NOT_CLAIMED,
              "source_file": f"landing/{u.relative}", "row_key": u.feed, "value": u.reason} for u in items],
            claimed + len(items), "\n".join(f"[WARN] landing/{u.relative}: {u.reason}" for u in items))
        report.write_report(database, run_id)
    failures = [{
        "expectation": "file_is_claimed", "columns": ["path"], "severity": "WARN", "notes": NOT_CLAIMED,
        "unexpected_count": 1, "failing_values": [{"value": u.reason, "rows": 1}],
        "failing_rows": [{"_source_file": f"landing/{u.relative}"}],
    } for u in items]
    return dg.AssetCheckResult(
        check_name=LANDING_CHECK_NAME,
        passed=not items,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "landing_dir": str(settings.landing_dir()),
            "files_not_read": len(items),
            "failed_summary": dg.MetadataValue.md(_unclaimed_markdown(items) or "every file is read by a feed"),
            "failures": dg.MetadataValue.json(failures),
        },
    )


def build_landing_asset(configs: list[FeedConfig]) -> dg.AssetsDefinition:
    @dg.asset(
        key=LANDING_ASSET_KEY,
        group_name="raw",
        owners=["team:data-engineering"],
        description="落地目录清单 / Inventory of the landing folders (HCW_LANDING_DIR): every file no feed reads "
                    "(wrong extension or letter case, sub-folder, unknown feed folder), with the reason.",
        check_specs=[dg.AssetCheckSpec(
            LANDING_CHECK_NAME, asset=LANDING_ASSET_KEY, blocking=False,
            description="落地目录中的每个文件都有数据源读取 / every file in the landing folders is read by a feed (WARN)",
        )],
    )
    def landing_inventory(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        root = settings.landing_dir()
        items = unclaimed_files(root, configs)
        claimed = {cfg.name: n for cfg in configs if (n := len(claimed_files(root, cfg)))}
        if items:
            context.log.warning(f"{len(items)} file(s) in {root} that no feed reads:\n" + _unclaimed_markdown(items))
        check = dg.AssetCheckKey(LANDING_ASSET_KEY, LANDING_CHECK_NAME)
        results = ([landing_check(items, sum(claimed.values()), context.run.run_id)]
                   if check in context.selected_asset_check_keys else [])
        return dg.MaterializeResult(
            metadata={
                "landing_dir": dg.MetadataValue.path(str(root)),
                "files_read_by_feeds": dg.MetadataValue.json(claimed),
                "files_not_read": len(items),
                "files_not_read_list": dg.MetadataValue.md(_unclaimed_markdown(items) or "none"),
            },
            check_results=results,
        )

    return landing_inventory


def build_feed_assets() -> list[dg.AssetsDefinition]:
    configs = load_feed_configs()
    return [build_feed_asset(cfg) for cfg in configs] + [build_landing_asset(configs)]
