"""Asset factory: each sources/feeds/<feed>.yml becomes the asset raw/<feed>."""


import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_configs
from dagster_project.feeds.loader import ensure_tables, feed_files, load_file

MAX_PROBLEMS_IN_METADATA = 50


def ingest(cfg: FeedConfig, context: dg.AssetExecutionContext | None = None) -> dg.MaterializeResult:
    """Load every new file of the feed; raise after loading the good files if any file was rejected."""
    database = settings.warehouse_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    files = feed_files(cfg, settings.sources_dir(), settings.landing_dir())
    outcomes = []
    with duckdb.connect(str(database)) as con:
        ensure_tables(con, cfg)
        for path in files:
            outcome = load_file(con, cfg, path, settings.archive_dir())
            outcomes.append(outcome)
            if context:
                context.log.info(f"{cfg.name}: {path.name}: {outcome.status} "
                                 f"({outcome.rows_loaded} rows, {outcome.rows_quarantined} quarantined)")
        current_rows = con.execute(
            f"select count(*) from raw.{cfg.table} where _superseded_by_load_id is null").fetchone()[0]
        quarantined_total = con.execute(
            "select count(distinct (load_id, row_number)) from raw._quarantine where feed = ?", [cfg.name]).fetchone()[0]

    rejected = [o for o in outcomes if o.status == "rejected"]
    problems = [p for o in outcomes for p in o.problems]
    metadata = {
        "feed": f"{cfg.title_zh} / {cfg.title_en}",
        "table": f"raw.{cfg.table}",
        "files_seen": len(files),
        "files_loaded": sum(o.status == "loaded" for o in outcomes),
        "files_already_loaded": sum(o.status == "duplicate" for o in outcomes),
        "files_rejected": len(rejected),
        "rows_loaded_this_run": sum(o.rows_loaded for o in outcomes),
        "rows_quarantined_this_run": sum(o.rows_quarantined for o in outcomes),
        "rows_superseded_this_run": sum(o.rows_superseded for o in outcomes),
        "current_rows": current_rows,
        "quarantined_rows_total": quarantined_total,
        "dagster/row_count": current_rows,
    }
    if problems:
        metadata["quarantine"] = dg.MetadataValue.md(
            "\n".join(f"- {p}" for p in problems[:MAX_PROBLEMS_IN_METADATA])
            + (f"\n- … {len(problems) - MAX_PROBLEMS_IN_METADATA} more in raw._quarantine" if len(problems) > MAX_PROBLEMS_IN_METADATA else ""))
    if rejected:
        if context:
            context.log.error("\n".join(o.message for o in rejected))
        raise dg.Failure(
            description=(f"Feed {cfg.name} ({cfg.title_zh}): {len(rejected)} file(s) rejected, "
                         f"{metadata['files_loaded']} loaded:\n" + "\n".join(f"- {o.message}" for o in rejected)),
            metadata={**metadata, "rejected_files": dg.MetadataValue.json(
                [{"file": o.file_name, "sha256": o.sha256, "reason": o.message} for o in rejected])},
        )
    return dg.MaterializeResult(metadata=metadata)


def build_feed_asset(cfg: FeedConfig) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", cfg.name]),
        group_name="raw",
        description=f"{cfg.title_zh} / {cfg.title_en} — {cfg.publisher_zh} ({cfg.publisher_en}). "
                    + ("SAMPLE DATA (示例数据). " if cfg.sample_data else "") + (cfg.description or ""),
        kinds={"duckdb", cfg.format},
        tags={"domain": cfg.domain, "cadence": cfg.cadence},
        metadata={"feed_declaration": f"sources/feeds/{cfg.name}.yml", "grain": ", ".join(cfg.grain)},
    )
    def _feed_asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return ingest(cfg, context)

    return _feed_asset


def build_feed_assets() -> list[dg.AssetsDefinition]:
    return [build_feed_asset(cfg) for cfg in load_feed_configs()]
