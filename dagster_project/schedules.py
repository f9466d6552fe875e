"""The nightly run, 02:00 Beijing time (after departments' overnight uploads).

The schedule launches the nightly job on what changed (nightly.py): the feeds with a new file and
everything downstream, the landing inventory and every freshness check. Launched by hand (UI,
`make run --everything`), the job selects every asset; its steps still skip what has no new input.
"""

import dagster as dg

from dagster_project.instance import WRITER_TAGS

nightly_job = dg.define_asset_job(
    name="nightly_materialization",
    selection=dg.AssetSelection.all(),
    description="Materialize every feed, reference table, dbt model and check (全量夜间运行).",
    tags=WRITER_TAGS,  # the run queue lets one run with this tag write at a time (instance.py)
)


@dg.schedule(
    name="nightly_0200_asia_shanghai",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每晚 02:00：只运行有新文件的数据源及其下游 / nightly: the feeds with a new file and what depends on them",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    try:
        graph = context.repository_def.asset_graph
    except dg.DagsterInvariantViolationError:  # a context built without the Definitions (tests)
        return dg.RunRequest(tags={"hcw/nightly_plan": "everything: no definitions in the context"})
    from dagster_project.nightly import plan_nightly

    plan = plan_nightly(graph)
    context.log.info(f"tonight: {plan.describe()}")
    if plan.everything:
        return dg.RunRequest(tags={"hcw/nightly_plan": plan.describe()[:200]})
    return dg.RunRequest(asset_selection=plan.asset_keys, asset_check_keys=plan.check_keys,
                         tags={"hcw/nightly_plan": plan.describe()[:200]})
