"""Landing-folder sensor: a file dropped into landing/<feed>/ triggers a run of that feed.

Departments drop files into `landing/<feed>/` (HCW_LANDING_DIR). Each tick the sensor lists
the files that match the feed's `file_pattern`, and for every feed with a new or changed file
requests one run of `raw/<feed>` and everything downstream of it (staging, indicators,
marts and their checks). The nightly schedule loads the same folders, so a file is never
missed if the sensor is off; the loader's SHA-256 check makes a second load a no-op.

Cursor: JSON {"<feed>/<file name>": [size, mtime_ns, sha256]}. A file is hashed only when its
size or mtime changed, and a request is made only when its SHA-256 changed, so touching
a file or a second tick requests nothing. A file modified less than `settle_seconds` ago
may still be being copied: it is left for the next tick.

Files no feed reads (feeds/landing.py: X.CSV or X.xlsx in a csv feed, a sub-folder, a misspelt
feed folder) are not ignored: each new one is logged as a warning with its reason, and when the
list changes the sensor requests a run of landing/inventory, whose WARN check names them in the
report and the alerts (and passes again, with a recovery notice, once they are gone). The cursor
keeps that list under "_unclaimed": {"<path under landing/>": [reason, mtime_ns]}.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict

import dagster as dg

from dagster_project import settings
from dagster_project.feeds.config import FeedConfig, load_feed_configs
from dagster_project.feeds.assets import LANDING_ASSET_KEY
from dagster_project.feeds.landing import claimed_files, unclaimed_files
from dagster_project.feeds.loader import sha256_of

SENSOR_NAME = "feed_landing_sensor"
SETTLE_SECONDS = 10
UNCLAIMED_KEY = "_unclaimed"


def landing_files(cfg: FeedConfig):
    return claimed_files(settings.landing_dir(), cfg)


def feed_job_name(feed: str) -> str:
    return f"feed_{feed}"


LANDING_INVENTORY_JOB = "landing_inventory"


def build_feed_jobs(configs: list[FeedConfig]) -> list[dg.UnresolvedAssetJobDefinition]:
    """One named job per feed (its raw asset and everything downstream), so a landing run is
    listed, tagged and alerted under the feed's name, never an anonymous asset job; and one for
    the inventory of files no feed reads."""
    from dagster_project.instance import WRITER_TAGS

    return [dg.define_asset_job(
        name=feed_job_name(cfg.name),
        selection=dg.AssetSelection.assets(dg.AssetKey(["raw", cfg.name])).downstream(),
        tags=WRITER_TAGS,
        description=f"Load {cfg.name} and rebuild what depends on it ({cfg.title_zh}：入库并重建下游).",
    ) for cfg in configs] + [dg.define_asset_job(
        name=LANDING_INVENTORY_JOB,
        selection=dg.AssetSelection.assets(LANDING_ASSET_KEY),
        tags=WRITER_TAGS,
        description="List the files in landing/ that no feed reads (落地目录中未读取的文件).",
    )]


def build_feed_sensor(configs: list[FeedConfig], settle_seconds: float = SETTLE_SECONDS) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR_NAME,
        description="New or changed files in landing/<feed>/ → run raw/<feed> and everything downstream "
                    "(落地目录有新文件时自动入库).",
        jobs=build_feed_jobs(configs),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def feed_landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        previous: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
        current: dict[str, list] = {}
        changed: dict[str, list[tuple[str, str]]] = defaultdict(list)
        now = time.time()
        for cfg in configs:
            for path in landing_files(cfg):
                key = f"{cfg.name}/{path.name}"
                stat = path.stat()
                before = previous.get(key)
                if before and before[0] == stat.st_size and before[1] == stat.st_mtime_ns:
                    current[key] = before
                    continue
                if now - stat.st_mtime < settle_seconds:
                    if before:
                        current[key] = before
                    context.log.info(f"{key}: modified {now - stat.st_mtime:.0f} s ago; waiting for the copy to finish")
                    continue
                sha = sha256_of(path)
                current[key] = [stat.st_size, stat.st_mtime_ns, sha]
                if not before or before[2] != sha:
                    changed[cfg.name].append((path.name, sha))

        requests = []
        if changed and context.repository_def is None:
            raise dg.DagsterInvariantViolationError(
                f"{SENSOR_NAME} needs the Definitions to find the assets downstream of a feed")
        for feed, files in sorted(changed.items()):
            selection = dg.AssetSelection.assets(dg.AssetKey(["raw", feed])).downstream()
            asset_keys = sorted(selection.resolve(context.repository_def.asset_graph),
                                key=lambda k: k.to_user_string())
            shas = "".join(sorted(sha for _, sha in files))
            requests.append(dg.RunRequest(
                job_name=feed_job_name(feed),
                # The same set of files never starts two runs (Dagster skips a repeated run_key).
                run_key=f"{feed}:{hashlib.sha256(shas.encode()).hexdigest()[:16]}",
                asset_selection=asset_keys,
                tags={"feed": feed, "landing_files": ", ".join(name for name, _ in files)[:200]},
            ))
            context.log.info(f"{feed}: {len(files)} new or changed file(s): {[n for n, _ in files]}")
        unclaimed_before = previous.get(UNCLAIMED_KEY, {})
        unclaimed_now = {}
        for item in unclaimed_files(settings.landing_dir(), configs):
            mtime_ns = item.path.lstat().st_mtime_ns
            if now - mtime_ns / 1e9 < settle_seconds and item.relative not in unclaimed_before:
                continue  # maybe a copy in progress under a temporary name: next tick
            unclaimed_now[item.relative] = [item.reason, mtime_ns]
            if unclaimed_before.get(item.relative, [None])[0] != item.reason:
                context.log.warning(f"landing/{item.relative}: no feed reads it: {item.reason}")
        if {k: v[0] for k, v in unclaimed_now.items()} != {k: v[0] for k, v in unclaimed_before.items()}:
            state = hashlib.sha256(json.dumps(unclaimed_now, sort_keys=True).encode()).hexdigest()[:16]
            requests.append(dg.RunRequest(
                job_name=LANDING_INVENTORY_JOB,
                run_key=f"landing:{state}",
                asset_selection=[LANDING_ASSET_KEY],
                tags={"landing_files_not_read": ", ".join(sorted(unclaimed_now))[:200] or "none"},
            ))
        if unclaimed_now:
            current[UNCLAIMED_KEY] = unclaimed_now
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(current, sort_keys=True))

    return feed_landing_sensor


def build_feed_sensors() -> list[dg.SensorDefinition]:
    return [build_feed_sensor(load_feed_configs())]
