"""Where things live. Every path can be overridden by an environment variable.

Paths are read at call time (not import time) so tests can point a whole run at a
temporary directory by setting the variables.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# The DuckDB file stem is also the catalog name that dbt writes into the manifest;
# keep it constant ("healthy_city") wherever the file is placed.
WAREHOUSE_FILE_NAME = "healthy_city.duckdb"


def _path_from_env(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def warehouse_path() -> Path:
    """The DuckDB file the pipeline writes (HCW_WAREHOUSE)."""
    return _path_from_env("HCW_WAREHOUSE", PROJECT_ROOT / "warehouse" / WAREHOUSE_FILE_NAME)


def published_path() -> Path:
    """The read-only snapshot of the marts analysts open (HCW_PUBLISHED); replaced whole, atomically,
    only after a run's blocking checks pass. Keep the stem "healthy_city": it is the catalog name."""
    return _path_from_env("HCW_PUBLISHED", warehouse_path().parent / "published" / WAREHOUSE_FILE_NAME)


def sources_dir() -> Path:
    """Feed declarations (feeds/*.yml), bundled data (data/) and reference lists (HCW_SOURCES_DIR)."""
    return _path_from_env("HCW_SOURCES_DIR", PROJECT_ROOT / "sources")


def feeds_dir() -> Path:
    return sources_dir() / "feeds"


def reference_dir() -> Path:
    return sources_dir() / "reference"


def landing_dir() -> Path:
    """Where departments drop new files, one sub-folder per feed (HCW_LANDING_DIR)."""
    return _path_from_env("HCW_LANDING_DIR", PROJECT_ROOT / "landing")


def archive_dir() -> Path:
    """Unchanged copies of every file ever loaded, named by SHA-256 (HCW_ARCHIVE_DIR)."""
    return _path_from_env("HCW_ARCHIVE_DIR", warehouse_path().parent / "archive")


def export_warehouse_env() -> None:
    """dbt's profile reads HCW_WAREHOUSE; make sure it is set and absolute before dbt runs."""
    os.environ["HCW_WAREHOUSE"] = str(warehouse_path())


def ensure_interpreter_bin_on_path() -> None:
    """dbt is installed next to this interpreter; make it findable when the venv is not activated."""
    import sys

    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
