"""The dbt project as Dagster sees it. Kept import-light: `make` and tests call prepare() here
before anything imports the @dbt_assets module (the manifest must exist first)."""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from dagster_project import settings

settings.export_warehouse_env()
settings.ensure_interpreter_bin_on_path()

# DBT_TARGET_PATH (dbt's own variable) lets parallel checkouts or test sessions keep separate manifests.
dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    target_path=os.environ.get("DBT_TARGET_PATH", "target"),
)
dbt_project.prepare_if_dev()


def prepare() -> None:
    """Write dbt/target/manifest.json (runs `dbt parse`)."""
    dbt_project.preparer.prepare(dbt_project)


if __name__ == "__main__":
    prepare()
    print(f"dbt manifest ready: {dbt_project.manifest_path}")
