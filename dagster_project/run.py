"""`make run`: materialize every asset on the bundled data, then print a short summary.

    python -m dagster_project.run                                   # everything (the nightly job)
    python -m dagster_project.run --select 'key:raw/pension_beds+'  # one feed and what depends on it
    python -m dagster_project.run --backfill-year 2019              # rebuild one year (job backfill_year)

One writer at a time: the run first takes the warehouse writer lock (writer_lock.py). If another
run holds it, this one waits up to HCW_WRITER_LOCK_WAIT_SECONDS (default 600) and then exits with
code 75, naming the run that holds the warehouse.

Alerts do not depend on the Dagster daemon: after the run, this process evaluates it exactly as
the alert sensors would (alerts/sensors.py). The incident store makes the sensor's later look at
the same run send nothing twice.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

from dagster_project import settings
from dagster_project.writer_lock import EXIT_CODE_BUSY, WarehouseBusy, describe_holder, lock_path, warehouse_writer

LAUNCHED_BY = "make run"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.run", description=__doc__.splitlines()[0])
    parser.add_argument("--select", help="Dagster asset selection, e.g. 'key:raw/pension_beds+' (default: every asset)")
    parser.add_argument("--everything", action="store_true",
                        help="every asset and check, even those with no new input (default: what changed)")
    parser.add_argument("--no-alerts", action="store_true", help="do not evaluate alerts after the run")
    parser.add_argument("--backfill-year", metavar="YEAR",
                        help="回填某一年: run the job backfill_year for this year (that year's values, checks and "
                             "evaluation; docs/operations.md)")
    args = parser.parse_args(argv)
    if args.backfill_year and (args.select or args.everything):
        parser.error("--backfill-year runs its own job: it cannot be combined with --select or --everything")
    return args


def _alert(instance, run_id: str, result) -> None:
    from dagster_project.alerts.sensors import evaluate_run

    run = instance.get_run_by_id(run_id)
    failure = result.get_run_failure_event() if not result.success else None
    try:
        sent = evaluate_run(instance, run, not result.success, failure.message if failure else None)
    except Exception as exc:  # noqa: BLE001 - an alerting bug must not hide the run's own outcome
        print(f"alerts: evaluation failed ({type(exc).__name__}: {exc}); the alert sensor will retry", file=sys.stderr)
        return
    if sent:
        print(f"alerts 告警: {len(sent)} message(s) sent: " + "; ".join(m.subject for m in sent))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings.export_warehouse_env()
    run_id = str(uuid.uuid4())

    def waiting(holder: dict) -> None:
        print(f"waiting for the warehouse 等待仓库: it is being written by {describe_holder(holder)} "
              f"(lock {lock_path()})", flush=True)

    try:
        with warehouse_writer(run_id, LAUNCHED_BY, on_wait=waiting):
            return _run(args, run_id)
    except WarehouseBusy as busy:
        print(f"make run refused 拒绝运行: {busy}", file=sys.stderr)
        return EXIT_CODE_BUSY


def _run(args: argparse.Namespace, run_id: str) -> int:
    from dagster_project.instance import WRITER_TAGS, write_instance_config

    write_instance_config()
    from dagster_project.dbt_project import prepare_if_changed

    prepare_if_changed()
    import dagster as dg

    from dagster_project.definitions import defs
    from dagster_project.summary import print_summary

    started = time.monotonic()
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    partition_key = None
    job = defs.resolve_job_def("nightly_materialization")
    selection = None
    if args.backfill_year:
        from dagster_project.backfill import JOB_NAME

        job = defs.resolve_job_def(JOB_NAME)
        years = job.partitions_def.get_partition_keys()
        if args.backfill_year not in years:
            print(f"--backfill-year {args.backfill_year}: not a year the job {JOB_NAME} can backfill "
                  f"({years[0]}–{years[-1]})", file=sys.stderr)
            return 2
        partition_key = args.backfill_year
        run_config.update(job.partitioned_config.get_run_config_for_partition_key(partition_key))
        print(f"backfill 回填 {partition_key}: that year's values, checks and evaluation, then publish", flush=True)
    elif not args.select and not args.everything:
        # Only the feeds with a new file and what depends on them (nightly.py).
        from dagster_project.nightly import plan_nightly

        plan = plan_nightly(defs.resolve_asset_graph())
        print(f"tonight 本次运行: {plan.describe()}", flush=True)
        if not plan.everything:
            job = job.get_subset(asset_selection=set(plan.asset_keys), asset_check_selection=set(plan.check_keys))
    if args.select:
        selection = sorted(dg.AssetSelection.from_string(args.select).required_multi_asset_neighbors()
                           .resolve(defs.resolve_asset_graph()),
                           key=lambda k: k.to_user_string())
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_id=run_id,
            asset_selection=selection,
            partition_key=partition_key,
            tags={**WRITER_TAGS, "hcw/launched_by": LAUNCHED_BY},
            # The step-by-step DEBUG log is in the Dagster UI; the terminal gets warnings and the summary.
            run_config=run_config,
        )
        print_summary(result, time.monotonic() - started)
        if not args.no_alerts:
            _alert(instance, run_id, result)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
