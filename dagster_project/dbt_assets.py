"""Every dbt model, seed and snapshot as a Dagster asset; dbt data tests become asset checks."""


import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project import settings
from dagster_project.dbt_project import dbt_project

RUN_TARGETS_KEPT = 5


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


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, name="healthy_city_dbt_assets")
def healthy_city_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    settings.export_warehouse_env()
    yield from dbt.cli(["build"], context=context).stream()
    _prune_run_targets()
