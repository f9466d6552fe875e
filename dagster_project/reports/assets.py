"""The scorecards asset: built after the publish asset from the snapshot it just published."""


import os

import dagster as dg

from dagster_project import settings


@dg.asset(
    key=dg.AssetKey(["reports", "scorecards"]),
    group_name="reports",
    owners=["team:evaluation"],
    deps=[dg.AssetKey(["published", "healthy_city"])],
    kinds={"html", "excel"},
    description="健康城市评价报告 / Scorecards: one HTML page per region, an overview with a map per comparison "
                "group and scorecards.xlsx, from the published snapshot; sends the target-status digest "
                "through the alert channels. See docs/scorecards.md.",
)
def scorecards(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from dagster_project.reports.digest import STATE_FILE, run_digest
    from dagster_project.reports.scorecard import build_scorecards, scorecards_dir

    out = scorecards_dir()
    all_years = os.environ.get("HCW_SCORECARDS_ALL_YEARS", "").strip().lower() in ("1", "true", "yes", "on")
    result = build_scorecards(settings.published_path(), out, all_years=all_years)
    if result.second_process not in (None, "ok"):
        context.log.warning(f"overviews and workbook written again in this process: {result.second_process}")
    digest = run_digest(result.snapshot, out / STATE_FILE, out, logger=context.log)
    context.log.info(f"wrote {len(result.pages)} scorecards, {len(result.overviews)} overviews and {result.workbook}; "
                     f"digest: {digest['changes']} target change(s) in {digest['messages']} region message(s)")
    return dg.MaterializeResult(metadata={
        "directory": dg.MetadataValue.path(str(out)),
        "pages": dg.MetadataValue.json([str(p) for p in result.pages]),
        "plan_region_pages": dg.MetadataValue.json(
            [str(p) for p in result.pages
             if (region := result.snapshot.regions.get(p.name.split("_")[0])) is not None and region.targets]),
        "overviews": dg.MetadataValue.json([str(p) for p in result.overviews]),
        "workbook": dg.MetadataValue.path(str(result.workbook)),
        "regions": len(result.pages),
        "target_changes": digest["changes"],
        "digest_messages": digest["messages"],
    })


report_assets: list[dg.AssetsDefinition] = [scorecards]
