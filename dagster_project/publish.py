"""Write-audit-publish of the marts for analysts.

DuckDB allows one writing process or many readers, never both (../shared/ecosystem.md §3), so
analysts never open the working database the pipeline writes. Instead:

1. write:   feeds, dbt and the checks build into the working file (settings.warehouse_path()).
2. audit:   this asset depends on every dbt model and seed in the schemas `marts` and `reference`;
            their blocking checks (GX suites, dbt tests) must pass before Dagster runs it, and it
            refuses to publish if a check on them last failed with ERROR severity.
3. publish: copy those tables into a temporary file next to the published one, written with an
            old storage version so DuckDB 1.x clients can open it, then os.replace() it over the
            published file (settings.published_path()).

os.replace is atomic on POSIX: a new connection sees either the old or the new snapshot, never a
mix; a connection opened before the swap keeps reading the old file (its inode) until it closes.
A run that fails or is killed before the replace leaves the published file untouched.
"""


import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.dbt_assets import healthy_city_dbt_assets
from dagster_project.dbt_project import dbt_project

# The schemas analysts read; everything else (raw, staging, intermediate) stays in the working file.
PUBLISHED_SCHEMAS = ("marts", "reference")
# DuckDB 2.0 writes storage version 69 by default, which DuckDB 1.5 cannot read (ecosystem.md §3).
STORAGE_VERSION = "v1.4.0"
PUBLISHED_FILE_MODE = 0o444
TEMP_SUFFIX = ".publishing"


class PublishRefused(Exception):
    """The audit failed: the published file is left as it was."""


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.name])


def published_relations(manifest: dict) -> list[Relation]:
    """Every table-like dbt node (model, seed, snapshot) in a published schema, from the manifest,
    so models other developers add under dbt/models/marts/ are published without naming them here."""
    relations = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        if node["config"].get("materialized") == "ephemeral" or node["schema"] not in PUBLISHED_SCHEMAS:
            continue
        relations.append(Relation(
            schema=node["schema"],
            name=node.get("alias") or node["name"],
            description=node.get("description") or "",
            columns={c: (meta.get("description") or "") for c, meta in node.get("columns", {}).items()},
        ))
    return sorted(relations, key=lambda r: (r.schema, r.name))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class PublishResult:
    path: Path
    rows: dict[str, int]
    bytes: int
    seconds: float


def _remove_stale_temp_files(published: Path) -> None:
    """A killed publish leaves <name>.<pid>.publishing behind; remove those whose process is gone."""
    pattern = re.compile(re.escape(published.name) + r"\.(\d+)" + re.escape(TEMP_SUFFIX) + r"(\.wal)?$")
    for path in published.parent.glob(published.name + ".*" + TEMP_SUFFIX + "*"):
        match = pattern.match(path.name)
        if not match:
            continue
        pid = int(match.group(1))
        try:
            os.kill(pid, 0)
            alive = pid != os.getpid()
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_snapshot(working: Path, published: Path, relations: list[Relation]) -> PublishResult:
    """Copy `relations` from the working DuckDB file into a new snapshot and swap it in atomically."""
    started = time.monotonic()
    if not relations:
        raise PublishRefused("no relations to publish (no dbt model or seed in schemas "
                             f"{', '.join(PUBLISHED_SCHEMAS)})")
    published.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_files(published)
    # Same directory as the target: os.replace is atomic only within one file system.
    temp = published.with_name(f"{published.name}.{os.getpid()}{TEMP_SUFFIX}")
    temp.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    try:
        # An in-memory connection that attaches the working file read-only: the publish never
        # takes the writer's lock, and the snapshot's own catalog name is irrelevant (an analyst's
        # catalog is the published file's stem, healthy_city).
        with duckdb.connect(":memory:") as con:
            con.execute(f"attach {_literal(str(working))} as working (read_only)")
            con.execute(f"attach {_literal(str(temp))} as snapshot (storage_version '{STORAGE_VERSION}')")
            for schema in sorted({r.schema for r in relations}):
                con.execute(f"create schema snapshot.{_quote(schema)}")
            for r in relations:
                target = f"snapshot.{_quote(r.schema)}.{_quote(r.name)}"
                con.execute(f"create table {target} as select * from working.{_quote(r.schema)}.{_quote(r.name)}")
                if r.description:
                    con.execute(f"comment on table {target} is {_literal(r.description)}")
                existing = {c for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'snapshot' "
                    "and schema_name = ? and table_name = ?", [r.schema, r.name]).fetchall()}
                for column, text in r.columns.items():
                    if text and column in existing:
                        con.execute(f"comment on column {target}.{_quote(column)} is {_literal(text)}")
                rows[f"{r.schema}.{r.name}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
            con.execute("detach snapshot")  # checkpoints: the temp file is complete, no .wal left
            con.execute("detach working")
        leftover_wal = temp.with_name(temp.name + ".wal")
        if leftover_wal.exists():
            raise RuntimeError(f"{leftover_wal} exists after DETACH; not publishing an incomplete snapshot")
        os.chmod(temp, PUBLISHED_FILE_MODE)
        _fsync(temp)
        os.replace(temp, published)
        _fsync(published.parent)  # make the rename itself durable
    except BaseException:
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + ".wal").unlink(missing_ok=True)
        raise
    return PublishResult(published, rows, published.stat().st_size, time.monotonic() - started)


def failed_error_checks(instance: dg.DagsterInstance, check_keys: list[dg.AssetCheckKey]) -> list[str]:
    """Checks on the published assets whose latest evaluation failed with ERROR severity.

    Within one run Dagster already skips this asset when a blocking check fails or dbt's build
    step fails; this also covers materializing the publish asset on its own after a failed run."""
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    failed = []
    for key, record in latest.items():
        if record.status != AssetCheckExecutionRecordStatus.FAILED or record.event is None:
            continue
        evaluation = record.event.dagster_event.event_specific_data
        if getattr(evaluation, "severity", dg.AssetCheckSeverity.ERROR) == dg.AssetCheckSeverity.ERROR:
            failed.append(key.to_user_string())
    return sorted(failed)


def _load_manifest() -> dict:
    return json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))


RELATIONS = published_relations(_load_manifest())
# Derived from the asset graph, not named: every dbt asset in a published schema.
PUBLISHED_ASSET_KEYS = sorted((k for k in healthy_city_dbt_assets.keys if k.path[0] in PUBLISHED_SCHEMAS),
                              key=lambda k: k.path)


def published_check_keys() -> list[dg.AssetCheckKey]:
    """dbt tests and GX suites on the published assets (the repository is not reachable from an
    in-process run's context, so the two check sources are asked directly)."""
    from dagster_project.quality.gx_checks import load_suite_files

    published = set(PUBLISHED_ASSET_KEYS)
    keys = {k for k in healthy_city_dbt_assets.check_keys if k.asset_key in published}
    keys |= {dg.AssetCheckKey(s.asset_key, s.check_name) for s in load_suite_files() if s.asset_key in published}
    return sorted(keys, key=lambda k: k.to_user_string())


@dg.asset(
    key=dg.AssetKey(["published", "healthy_city"]),
    group_name="published",
    owners=["team:data-engineering", "team:analysts"],
    deps=PUBLISHED_ASSET_KEYS,
    kinds={"duckdb"},
    description="分析用只读快照 / Read-only snapshot of the marts and reference tables for analysts "
                "(settings.published_path(), HCW_PUBLISHED). Replaced atomically after the blocking "
                "checks pass; readable by DuckDB 1.x (storage version v1.4.0). See docs/analysts.md.",
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    failed = failed_error_checks(context.instance, published_check_keys())
    if failed:
        raise dg.Failure(description="Not publishing: checks on the marts failed with ERROR severity: "
                                     + ", ".join(failed) + f". {settings.published_path()} is unchanged.")
    result = publish_snapshot(settings.warehouse_path(), settings.published_path(), RELATIONS)
    context.log.info(f"published {len(result.rows)} tables to {result.path} in {result.seconds:.2f} s")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(result.path)),
        "tables": dg.MetadataValue.json(result.rows),
        "bytes": result.bytes,
        "publish_seconds": round(result.seconds, 3),
        "storage_version": STORAGE_VERSION,
    })


publish_assets: list[dg.AssetsDefinition] = [published_marts]
