"""The dbt project as Dagster sees it. Kept import-light: `make` and tests call prepare() here
before anything imports the @dbt_assets module (the manifest must exist first)."""

from __future__ import annotations

import json
import os
import sys

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
    partial_parse = dbt_project.project_dir / dbt_project.target_path / "partial_parse.msgpack"
    stamp = _stamp_path()
    if partial_parse.exists() and (not stamp.exists() or f'"root": {json.dumps(str(dbt_project.project_dir))}'
                                   not in stamp.read_text()):
        partial_parse.unlink()  # parsed in another place (or unknown): seeds carry absolute paths, parse all
    dbt_project.preparer.prepare(dbt_project)
    _keep_seeds_in_partial_parse(partial_parse)
    stamp.write_text(_project_stamp())


def _keep_seeds_in_partial_parse(partial_parse) -> None:
    """dagster-dbt's prepare marks every seed changed in partial_parse.msgpack (so that a project parsed
    elsewhere, e.g. in CI, gets its seeds' absolute paths right), which makes every later dbt command
    parse the 17 seeds and what reads them again: 2-6 s of each nightly dbt build. The project is used
    where it was parsed (prepare() parses everything when it moved), so put the seeds' real checksums
    back, computed as dbt computes them."""
    if not partial_parse.exists():
        return
    try:
        import msgpack
        from dbt.contracts.files import FilePath
        from dbt.parser.read_files import load_seed_source_file

        with open(partial_parse, "rb") as f:
            data = msgpack.unpack(f, raw=False, strict_map_key=False)
        for entry in data.get("files", {}).values():
            if entry.get("parse_file_type") == "seed":
                path = entry["path"]
                source = load_seed_source_file(
                    FilePath(searched_path=path["searched_path"], relative_path=path["relative_path"],
                             modification_time=path["modification_time"], project_root=path["project_root"]),
                    entry["project_name"])
                entry["checksum"] = {"name": source.checksum.name, "checksum": source.checksum.checksum}
        tmp = partial_parse.with_name(partial_parse.name + ".tmp")
        with open(tmp, "wb") as f:
            msgpack.pack(data, f)
        os.replace(tmp, partial_parse)
    except Exception as exc:  # noqa: BLE001 - another dbt's file layout: the seeds are parsed again, only slower
        print(f"dbt: seeds left to be parsed again in each build ({type(exc).__name__}: {exc})", file=sys.stderr)


def _stamp_path():
    return dbt_project.manifest_path.with_name("manifest.stamp")


def _project_stamp() -> str:
    """What the manifest was parsed from: the project's place, every project file's path, size and mtime,
    the environment the profile reads (target, warehouse, PostgreSQL)."""
    root = dbt_project.project_dir
    files = sorted(p for d in ("models", "macros", "seeds", "tests", "snapshots") for p in (root / d).rglob("*")
                   if p.is_file())
    files += [root / "dbt_project.yml", root / "profiles.yml"]
    return json.dumps({
        "root": str(root),
        "files": [[str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns] for p in files if p.exists()],
        # what the profile reads (dbt parses everything again when the profile changed: another warehouse)
        "env": {k: v for k, v in sorted(os.environ.items())
                if k.startswith(("HCW_DBT", "HCW_PG", "DBT_")) or k == "HCW_WAREHOUSE"},
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
