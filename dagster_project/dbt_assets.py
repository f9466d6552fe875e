"""Every dbt model, seed and snapshot as a Dagster asset; dbt data tests become asset checks.

In the Dagster UI the models are grouped by layer (staging 暂存层, intermediate 中间层, marts 集市层,
evaluation 评价层, reference 参考数据), each with its owner and a Chinese label before the
dbt description. The table LAYERS below decides; a model's dbt `meta: {group: ..., owner: ...}`
overrides it.
"""


import json
import os
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project import build_state, settings
from dagster_project.dbt_project import dbt_project

RUN_TARGETS_KEPT = 5

# group -> (owners, 中文名称, what the layer is)
LAYERS = {
    "staging": (["team:data-engineering"], "暂存层", "one cleaned view per feed (stg_<feed>)"),
    "intermediate": (["team:data-engineering"], "中间层", "indicator and air-quality computations (int_...)"),
    "marts": (["team:data-engineering", "team:analysts"], "集市层", "tables analysts query (fct_..., dim_...)"),
    "evaluation": (["team:evaluation"], "评价层", "plan targets, attainment, weights and the healthy-city index"),
    "reference": (["team:data-engineering"], "参考数据", "reference lists shipped with the project (dbt seeds)"),
}
# The evaluation (评价) models and seeds: docs/evaluation.md.
EVALUATION = {"fct_target_attainment", "fct_indicator_weight", "fct_healthy_city_index", "int_indicator_scores",
              "int_region_comparison_group", "plan_targets", "indicator_weights"}


def layer_of(props: dict) -> str:
    meta = props.get("meta") or {}
    if meta.get("group") in LAYERS:
        return meta["group"]
    if props.get("name") in EVALUATION:
        return "evaluation"
    if props.get("resource_type") == "seed":
        return "reference"
    fqn = props.get("fqn") or []
    folder = fqn[1] if len(fqn) > 2 else ""
    return folder if folder in LAYERS else "marts"


class HealthyCityTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props):
        return layer_of(dbt_resource_props)

    def get_owners(self, dbt_resource_props):
        owner = (dbt_resource_props.get("meta") or {}).get("owner")
        return [owner] if owner else LAYERS[layer_of(dbt_resource_props)][0]

    def get_description(self, dbt_resource_props):
        _, label_zh, what = LAYERS[layer_of(dbt_resource_props)]
        described = (dbt_resource_props.get("description") or "").strip()
        return f"【{label_zh} {layer_of(dbt_resource_props)}】{described or what}"


TRANSLATOR = HealthyCityTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=False))


# dbt tag of the models a backfill of one year rebuilds (dbt/macros/backfill.sql, backfill.py).
BACKFILL_TAG = "backfill_year"
BACKFILL_ENV = "HCW_BACKFILL_YEAR"


class EvaluationSettings(dg.Config):
    """评价参数 Evaluation settings, as run config of the dbt step (Launchpad: ops →
    healthy_city_dbt_assets → config); each is passed to dbt as a var (docs/evaluation.md).
    Unset: dbt's defaults (evaluation year = the current year, α = 0.5, minimum coverage 0.8).
    `backfill_year` (回填年份) is set by the partitioned job backfill_year from its partition key: the
    run rebuilds that year's rows of the year-grained models only (docs/operations.md)."""

    evaluation_year: int | None = None
    index_alpha: float | None = None
    index_min_coverage: float | None = None
    backfill_year: int | None = None

    def dbt_vars(self) -> dict:
        """The evaluation settings as dbt vars (the backfill year is not one: see _backfill)."""
        return {name: value for name, value in self.model_dump().items()
                if value is not None and name != "backfill_year"}


def dbt_resource() -> DbtCliResource:
    from dagster_project.dbt_cli import PipelineDbtCliResource

    # The venv's dbt, found next to the running interpreter (the venv may not be on PATH).
    return PipelineDbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt")))


def _prune_run_targets() -> None:
    """dagster-dbt writes dbt/target/<run>/ per run (MBs each); keep the newest few."""
    target = dbt_project.project_dir / dbt_project.target_path
    runs = sorted((p for p in target.iterdir() if p.is_dir() and p.name.startswith("healthy_city_dbt_assets")),
                  key=lambda p: p.stat().st_mtime) if target.exists() else []
    for old in runs[:-RUN_TARGETS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)


def _asset_keys(manifest: dict) -> dict[str, dg.AssetKey]:
    """dbt unique id -> its Dagster asset key, for every model, seed and snapshot."""
    return {uid: TRANSLATOR.get_asset_spec(manifest, uid, dbt_project).key for uid, node in manifest["nodes"].items()
            if node["resource_type"] in build_state.BUILT_TYPES}


def _feed_tables() -> dict[str, str]:
    from dagster_project.feeds.config import load_feed_configs

    return {cfg.table: cfg.name for cfg in load_feed_configs()}


def _state_to_record(manifest: dict, plan: build_state.Plan, previous: dict | None, selected: set[str],
                     everything: set[str]) -> dict | None:
    """The fingerprint to record after a successful build of `selected`: all of it when the whole project
    was selected; otherwise only the sources whose every downstream model was in the selection."""
    current = plan.fingerprint
    if selected >= everything:
        return current
    if previous is None or any(previous.get(k) != current[k] for k in ("project", "vars", "target")):
        return None
    by_table = {name: uid for uid, name in build_state.raw_sources(manifest).items()}
    sources = dict(previous.get("sources", {}))
    for table, state in current["sources"].items():
        if table in by_table and build_state.downstream(manifest, {by_table[table]}) <= selected:
            sources[table] = state
    return {**previous, "sources": sources}


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, name="healthy_city_dbt_assets",
            dagster_dbt_translator=TRANSLATOR)
def healthy_city_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: EvaluationSettings):
    """`dbt build` of the models downstream of what changed (build_state.py): with nothing new it builds
    nothing and yields nothing, so the publish and report steps after it are skipped too."""
    settings.export_warehouse_env()
    vars_args = ["--vars", json.dumps(config.dbt_vars())] if config.dbt_vars() else []
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    keys = _asset_keys(manifest)
    selected = {uid for uid, key in keys.items() if key in context.selected_asset_keys}
    year = _backfill_year(context, config)
    if os.environ.pop(BACKFILL_ENV, None) is not None:  # only a backfill step sets it, for its dbt process
        context.log.warning(f"{BACKFILL_ENV} was set in the environment: ignored (the job backfill_year sets it)")
    if year is not None:
        yield from _backfill(context, dbt, config, year, manifest, selected)
        return
    target = os.environ.get("HCW_DBT_TARGET", "duckdb")
    if target != "duckdb":
        # The PostgreSQL copy is rebuilt whole: its input state is not tracked.
        yield from dbt.cli(["build", *vars_args], context=context).stream()
        _prune_run_targets()
        return

    database = settings.warehouse_path()
    previous = build_state.last_build(database)
    plan = build_state.plan(manifest, build_state.fingerprint(database, manifest, _feed_tables(), config.dbt_vars(),
                                                              target), previous)
    to_build = plan.build & selected
    if not to_build:
        context.log.info("dbt: nothing to rebuild (" + "; ".join(plan.reasons) + "): no model is built, and "
                         "the steps after this one (publish, reports) are skipped")
        return
    unchanged = selected - to_build
    context.log.info(f"dbt: rebuilding {len(to_build)} of {len(selected)} selected models and seeds ("
                     + "; ".join(plan.reasons) + ")")
    args = ["build", *vars_args, *build_state.dbt_args(plan, previous)]
    if unchanged:
        args += ["--exclude", " ".join(sorted(manifest["nodes"][uid]["name"] for uid in unchanged))]
    # Models with no changed input keep their rows. They are reported (not rebuilt) first, in dependency
    # order (none of them depends on a rebuilt one), so the publish step after this one, which needs every
    # mart, still runs; their metadata says they were not rebuilt.
    for uid in _topological(manifest, unchanged):
        yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(keys[uid]), metadata={
            "rebuilt": False, "reason": "没有上游新数据，未重建 / no changed input upstream: not rebuilt"})
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    try:
        yield from invocation.stream()
    finally:  # also when a test failed: its result belongs in the check store and the report
        if invocation.process.poll() is not None:  # dbt has exited (not a step torn down mid-build)
            from dagster_project.quality.dbt_results import record_dbt_build

            record_dbt_build(database, context.run.run_id, invocation.target_path, dbt_project.manifest_path)
    # Recorded when every model and seed built; failed data tests (and the models dbt then skipped)
    # do not prevent it: the same inputs would fail them again, and the failure is already reported
    # (its incident stays open). A model that errored is built again next time.
    record = _state_to_record(manifest, plan, previous, selected, set(keys)) if not _errored_nodes(invocation) else None
    if record is not None:
        record = {**record, "unit_tests_failed": build_state.unit_tests_failed(
            invocation.get_artifact("run_results.json")["results"], previous, set(manifest.get("unit_tests", {})))}
        build_state.record_build(database, record, context.run.run_id, len(to_build))
    _prune_run_targets()
    if not invocation.is_successful():
        raise invocation.get_error()


def _backfill_year(context: dg.AssetExecutionContext, config: EvaluationSettings) -> int | None:
    """The year this run backfills: the run config, else the partition of a partitioned run; None for
    every other run (the nightly job is not partitioned)."""
    partition = int(context.partition_key) if context.has_partition_key else None
    if config.backfill_year is not None and partition is not None and config.backfill_year != partition:
        raise dg.Failure(f"backfill_year {config.backfill_year} in the run config differs from the run's "
                         f"partition {partition}: launch the partition of the year to backfill")
    return config.backfill_year if config.backfill_year is not None else partition


def _backfill(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: EvaluationSettings, year: int,
              manifest: dict, selected: set[str]):
    """`dbt build` of the selected models for one year: each rewrites only that year's rows
    (dbt/macros/backfill.sql). The nightly build state is neither read nor recorded: the next nightly run
    plans as if this run had not happened."""
    outside = sorted(manifest["nodes"][uid]["name"] for uid in selected
                     if BACKFILL_TAG not in manifest["nodes"][uid].get("tags", []))
    if outside:
        raise dg.Failure(f"A backfill of {year} rebuilds only the models tagged {BACKFILL_TAG}; this run also "
                         f"selects {', '.join(outside[:10])}{' ...' if len(outside) > 10 else ''}. Launch the "
                         "job backfill_year (docs/operations.md, \"Backfill a year\").")
    if not selected:
        return
    context.log.info(f"backfill {year}: rebuilding {len(selected)} models, that year's rows only")
    vars_args = ["--vars", json.dumps(config.dbt_vars())] if config.dbt_vars() else []
    # The year travels as HCW_BACKFILL_YEAR (read by dbt/macros/backfill.sql like the var backfill_year):
    # dbt re-parses only the files that read an environment variable that changed, but the whole
    # project when a var changed (10-20 s on 2 busy cores).
    os.environ[BACKFILL_ENV] = str(year)
    try:
        invocation = dbt.cli(["build", *vars_args], context=context, raise_on_error=False)
    finally:  # the dbt process has its environment; no later dbt step of this process may inherit it
        os.environ.pop(BACKFILL_ENV, None)
    try:
        for event in invocation.stream():
            if isinstance(event, dg.Output):
                event = event.with_metadata({**event.metadata, "backfill_year": year})
            yield event
    finally:
        if invocation.process.poll() is not None:
            from dagster_project.quality.dbt_results import record_dbt_build

            record_dbt_build(settings.warehouse_path(), context.run.run_id, invocation.target_path,
                             dbt_project.manifest_path)
    _prune_run_targets()
    if not invocation.is_successful():
        raise invocation.get_error()


def _topological(manifest: dict, uids: set[str]) -> list[str]:
    done: list[str] = []

    def visit(uid: str) -> None:
        if uid in done:
            return
        for parent in manifest["nodes"][uid].get("depends_on", {}).get("nodes", []):
            if parent in uids:
                visit(parent)
        done.append(uid)

    for uid in sorted(uids):
        visit(uid)
    return done


def _errored_nodes(invocation) -> list[str]:
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except Exception:  # noqa: BLE001 - no run results: treat as an error, record nothing
        return ["(no run_results.json)"]
    return [r["unique_id"] for r in results if r["status"] == "error"]
