"""What tonight's run must do: the feeds with a new file and everything downstream of them.

The nightly schedule and `make run` ask plan_nightly() before launching; the run then selects

  - raw/<feed> and everything downstream, for each feed with a file whose SHA-256 the feed has not
    recorded in raw._loads (loaded or rejected), or with a conflict still open (raw._conflicts);
  - raw/region_codes (+ raw/region_code_changes) and downstream, when the bundled code lists
    changed since they were last loaded (raw._reference_state) or were never loaded;
  - the dbt models build_state.py says must be rebuilt although no feed changed (the dbt project,
    its vars or the day changed), and everything downstream (publish, reports);
  - always landing/inventory (files no feed reads), and each feed's freshness check whose outcome
    changed since it was last recorded: a feed that stops sending files is exactly what a night
    with nothing new must still report (freshness_checks_due).

Nothing new: the run is landing/inventory (and a freshness check that turns); no ingest, no suite,
no dbt, no publish, no report. Anything unknown (no warehouse yet, the warehouse locked by another writer,
an unreadable table) selects everything: the full nightly job, whose steps skip what they can.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import build_state, settings
from dagster_project.feeds.config import FeedConfig, load_feed_configs
from dagster_project.feeds.loader import feed_files, sha256_of

REFERENCE_KEYS = (dg.AssetKey(["raw", "region_codes"]), dg.AssetKey(["raw", "region_code_changes"]))
LANDING_KEY = dg.AssetKey(["landing", "inventory"])
REFERENCE_STATE_TABLE = "raw._reference_state"


@dataclass
class NightlyPlan:
    """Asset keys and check keys the run selects (None: everything) and why."""

    asset_keys: list[dg.AssetKey] | None
    check_keys: list[dg.AssetCheckKey] | None
    reasons: list[str] = field(default_factory=list)

    @property
    def everything(self) -> bool:
        return self.asset_keys is None

    def describe(self) -> str:
        what = "everything" if self.everything else f"{len(self.asset_keys)} asset(s), {len(self.check_keys)} check(s)"
        return f"{what}: " + "; ".join(self.reasons)


def reference_digest(ref: Path | None = None) -> str:
    """SHA-256 over the bundled code lists region_codes reads (path and content of each file)."""
    ref = ref or settings.reference_dir()
    h = hashlib.sha256()
    for path in sorted(p for d in ("admin_codes_gbt2260", "admin_codes_nbs") for p in (ref / d).rglob("*") if p.is_file()):
        h.update(str(path.relative_to(ref)).encode())
        h.update(sha256_of(path).encode())
    return h.hexdigest()


def record_reference_load(con: duckdb.DuckDBPyConnection, digest: str) -> None:
    con.execute(f"create table if not exists {REFERENCE_STATE_TABLE} (loaded_at timestamp, digest varchar)")
    con.execute(f"delete from {REFERENCE_STATE_TABLE}")
    con.execute(f"insert into {REFERENCE_STATE_TABLE} values (current_timestamp, ?)", [digest])


def feeds_with_new_files(con: duckdb.DuckDBPyConnection, configs: list[FeedConfig]) -> dict[str, list[str]]:
    known = {(f, s) for f, s in con.execute(
        "select feed, file_sha256 from raw._loads where status in ('loaded', 'rejected')").fetchall()}
    open_conflicts = {r[0] for r in con.execute(
        "select distinct feed from raw._conflicts where settled_by_load_id is null").fetchall()}
    new: dict[str, list[str]] = {}
    for cfg in configs:
        files = [p.name for p in feed_files(cfg, settings.sources_dir(), settings.landing_dir())
                 if (cfg.name, sha256_of(p)) not in known]
        if files:
            new[cfg.name] = files
        elif cfg.name in open_conflicts:
            new[cfg.name] = ["(a conflict between two files is still open)"]
    return new


def freshness_checks_due(configs: list[FeedConfig], database: Path, last: dict[str, bool],
                         con: duckdb.DuckDBPyConnection | None = None) -> set[str]:
    """The freshness checks whose outcome tonight differs from the last one recorded (or never recorded):
    a feed turning stale is reported the night it turns; while it stays stale its incident stays open
    and is not sent again (alerts/incidents.py), so evaluating it again would change nothing.
    `con`: an open connection to `database`, shared by every feed (one connection, not one per feed)."""
    from dagster_project.quality.freshness import evaluate_freshness

    due = set()
    for cfg in configs:
        name = f"raw_{cfg.name}_fresh"
        if name not in last or evaluate_freshness(cfg, database, con=con)["passed"] != last[name]:
            due.add(name)
    return due


def _dbt_keys(manifest: dict) -> dict[str, dg.AssetKey]:
    from dagster_project.dbt_assets import _asset_keys

    return _asset_keys(manifest)


def plan_nightly(graph) -> NightlyPlan:
    """`graph`: the asset graph (Definitions.resolve_asset_graph(), or a schedule's repository_def.asset_graph)."""
    configs = load_feed_configs()
    database = settings.warehouse_path()
    if not database.exists():
        return NightlyPlan(None, None, ["no warehouse yet"])
    from dagster_project.dbt_assets import EvaluationSettings, _feed_tables
    from dagster_project.dbt_project import dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    # One read-only connection for every question the plan asks of the warehouse.
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            new_files = feeds_with_new_files(con, configs)
            tables = {r[0] for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
            last_fresh = dict(con.execute(
                "select check_name, arg_max(passed, checked_at) from raw._check_results "
                "where check_name like 'raw\\_%\\_fresh' escape '\\' group by check_name").fetchall()
                if "_check_results" in tables else [])
            reference = (con.execute(f"select digest from {REFERENCE_STATE_TABLE}").fetchone()
                         if "_reference_state" in tables else None)
            # dbt work due without a new file: the project, the vars or the day changed, or a source
            # changed since the last build (a run that failed before dbt).
            dbt_plan = build_state.plan(
                manifest, build_state.fingerprint(database, manifest, _feed_tables(), EvaluationSettings().dbt_vars(),
                                                  "duckdb", con=con),
                build_state.last_build(database, con=con))
            fresh = freshness_checks_due(configs, database, last_fresh, con=con)
    except duckdb.Error as exc:
        return NightlyPlan(None, None, [f"warehouse not readable now ({type(exc).__name__}): run everything"])
    reasons, roots = [], set()
    for feed, files in sorted(new_files.items()):
        roots.add(dg.AssetKey(["raw", feed]))
        reasons.append(f"{feed}: {len(files)} new file(s)")
    if reference is None or reference[0] != reference_digest():
        roots.update(REFERENCE_KEYS)
        reasons.append("region code lists changed or never loaded")
    if dbt_plan.build:
        keys = _dbt_keys(manifest)
        roots.update(keys[uid] for uid in dbt_plan.build if uid in keys)
        reasons.append("dbt: " + "; ".join(dbt_plan.reasons))
    selected = dg.AssetSelection.assets(*roots).downstream().resolve(graph) if roots else set()
    # Multi-assets that cannot be subset (region_codes) come whole.
    selected = set(dg.AssetSelection.assets(*selected).required_multi_asset_neighbors().resolve(graph)) | {LANDING_KEY}
    checks = {key for key in graph.asset_check_keys if key.asset_key in selected or key.name in fresh}
    if not reasons:
        reasons.append("nothing new: no file, no code list, no dbt change")
    return NightlyPlan(sorted(selected, key=lambda k: k.to_user_string()),
                       sorted(checks, key=lambda k: (k.asset_key.to_user_string(), k.name)), reasons)
