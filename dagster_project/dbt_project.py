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
    _stamp_path().write_text(_project_stamp())


def _stamp_path():
    return dbt_project.manifest_path.with_name("manifest.stamp")


def _project_stamp() -> str:
    """What the manifest was parsed from: every project file's path, size and mtime, the target and vars."""
    import json

    root = dbt_project.project_dir
    files = sorted(p for d in ("models", "macros", "seeds", "tests", "snapshots") for p in (root / d).rglob("*")
                   if p.is_file())
    files += [root / "dbt_project.yml", root / "profiles.yml"]
    return json.dumps({
        "files": [[str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns] for p in files if p.exists()],
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("HCW_DBT", "HCW_PG", "DBT_"))},
    })


def prepare_if_changed() -> bool:
    """prepare() unless the manifest was parsed from the project as it is now (a `dbt parse` costs
    10-20 s on 2 busy cores; `make run` calls this every night). True when it parsed."""
    stamp = _stamp_path()
    if dbt_project.manifest_path.exists() and stamp.exists() and stamp.read_text() == _project_stamp():
        return False
    prepare()
    return True


if __name__ == "__main__":
    prepare()
    print(f"dbt manifest ready: {dbt_project.manifest_path}")
