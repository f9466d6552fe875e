"""`make run`: materialize every asset on the bundled data, then print a short summary.

    python -m dagster_project.run            # everything (the nightly job, in this process)
"""

from __future__ import annotations

import os
import sys
import time

from dagster_project import settings


def _dagster_home() -> None:
    home = os.environ.setdefault("DAGSTER_HOME", str(settings.PROJECT_ROOT / ".dagster_home"))
    os.makedirs(home, exist_ok=True)
    cfg = os.path.join(home, "dagster.yaml")
    if not os.path.exists(cfg):
        with open(cfg, "w") as fh:
            fh.write("telemetry:\n  enabled: false\n")


def main() -> int:
    _dagster_home()
    settings.export_warehouse_env()
    from dagster_project.dbt_project import prepare

    prepare()
    import dagster as dg

    from dagster_project.definitions import defs
    from dagster_project.summary import print_summary

    started = time.monotonic()
    job = defs.resolve_job_def("nightly_materialization")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # The step-by-step DEBUG log is in the Dagster UI; the terminal gets warnings and the summary.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    print_summary(result, time.monotonic() - started)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
