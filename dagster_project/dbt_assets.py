"""Every dbt model, seed and snapshot as a Dagster asset; dbt data tests become asset checks.

In the Dagster UI the models are grouped by layer (staging 暂存层, intermediate 中间层, marts 集市层,
evaluation 评价层, reference 参考数据), each with its owner and a Chinese label before the
dbt description. The table LAYERS below decides; a model's dbt `meta: {group: ..., owner: ...}`
overrides it.
"""


import json
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project import settings
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


class EvaluationSettings(dg.Config):
    """评价参数 Evaluation settings, as run config of the dbt step (Launchpad: ops →
    healthy_city_dbt_assets → config); each is passed to dbt as a var (docs/evaluation.md).
    Unset: dbt's defaults (evaluation year = the current year, α = 0.5, minimum coverage 0.8)."""

    evaluation_year: int | None = None
    index_alpha: float | None = None
    index_min_coverage: float | None = None

    def dbt_vars(self) -> dict:
        return {name: value for name, value in self.model_dump().items() if value is not None}


def dbt_resource() -> DbtCliResource:
    # The venv's dbt, found next to the running interpreter (the venv may not be on PATH).
    return DbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt")))


def _prune_run_targets() -> None:
    """dagster-dbt writes dbt/target/<run>/ per run (MBs each); keep the newest few."""
    target = dbt_project.project_dir / dbt_project.target_path
    runs = sorted((p for p in target.iterdir() if p.is_dir() and p.name.startswith("healthy_city_dbt_assets")),
                  key=lambda p: p.stat().st_mtime) if target.exists() else []
    for old in runs[:-RUN_TARGETS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, name="healthy_city_dbt_assets",
            dagster_dbt_translator=TRANSLATOR)
def healthy_city_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: EvaluationSettings):
    settings.export_warehouse_env()
    args = ["build"]
    if config.dbt_vars():
        args += ["--vars", json.dumps(config.dbt_vars())]
    invocation = dbt.cli(args, context=context)
    try:
        yield from invocation.stream()
    finally:  # also when a test failed: its result belongs in the check store and the report
        if invocation.process.poll() is not None:  # dbt has exited (not a step torn down mid-build)
            from dagster_project.quality.dbt_results import record_dbt_build

            record_dbt_build(settings.warehouse_path(), context.run.run_id, invocation.target_path,
                             dbt_project.manifest_path)
    _prune_run_targets()
