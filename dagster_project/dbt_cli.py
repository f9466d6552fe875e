"""The dbt CLI resource of the pipeline: dagster-dbt's DbtCliResource without two start-up costs
that the nightly dbt step pays and never uses (docs/operations.md, "Measured"):

  - `dbt --version` in a subprocess (a second dbt start-up, 1-7 s) to learn the version of the
    dbt executable: the executable is the one installed next to this interpreter, so the version
    is that of the installed dbt-core package;
  - an in-process dbt adapter (dbt's profile, project and every macro loaded, 2-12 s), which
    dagster-dbt needs only to fetch row counts and column schemas after a model is built
    (fetch_row_counts / fetch_column_metadata). The pipeline fetches neither; with no adapter
    dagster-dbt skips both, and streams the events as they come.

Everything else (the subprocess, its arguments, the events, the artifacts) is dagster-dbt's own.
"""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version as installed_version

from dagster_dbt import DbtCliResource
from packaging import version


class PipelineDbtCliResource(DbtCliResource):
    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - same signature as dagster-dbt's
        return None
