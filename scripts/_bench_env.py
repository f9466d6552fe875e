"""What the benchmark scripts share (scripts/benchmark.py, bench_nightly.py, bench_air_quality.py):
a copy of sources/ with some feeds' data replaced, the environment that points the warehouse, the
landing and archive folders and DAGSTER_HOME into a temp dir, and a timed run of the nightly job
(`python -m dagster_project.run`, in its own process, end to end) with Dagster's own step timings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class TempRoot:
    """`with TempRoot("hcw_bench_x_", keep) as tmp:` a temp dir (tmp.path) removed at the end unless
    tmp.keep (set it on a failure to look inside afterwards)."""

    def __init__(self, prefix: str, keep: bool = False):
        self.prefix, self.keep = prefix, keep

    def __enter__(self) -> "TempRoot":
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix))
        return self

    def __exit__(self, *exc) -> None:
        if self.keep:
            print(f"kept {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def sources_with(root: Path, data: dict[str, list[Path]]) -> Path:
    """root/sources: a copy of sources/ where each feed named in `data` holds only the given files."""
    sources = root / "sources"
    shutil.copytree(REPO / "sources", sources)
    for feed, files in data.items():
        target = sources / "data" / feed
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for path in files:
            shutil.copy2(path, target / path.name)
    return sources


def bench_environment(root: Path, sources: Path) -> dict[str, str]:
    """The nightly job's environment with everything it writes under root (DAGSTER_HOME created)."""
    env = dict(os.environ)
    env.update({
        "HCW_SOURCES_DIR": str(sources),
        "HCW_WAREHOUSE": str(root / "warehouse" / "healthy_city.duckdb"),
        "HCW_LANDING_DIR": str(root / "landing"),
        "HCW_ARCHIVE_DIR": str(root / "archive"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    })
    env.setdefault("DBT_TARGET_PATH", "target-benchmark")
    (root / "dagster_home").mkdir(parents=True, exist_ok=True)
    return env


def parse_dbt_project(env: dict[str, str]) -> float:
    """Seconds of `dbt parse` for this environment's warehouse path, done once before any timed run.
    The manifest depends on the profile, which names the warehouse: a new temp dir means a full parse
    (10-25 s). A nightly run on its own warehouse parses only when the dbt project changed, so the timed
    runs start from a parsed project and this cost is printed on its own."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "dagster_project.dbt_project"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def load_average() -> str:
    """The `uptime` line: figures taken on a shared machine say little without it."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


@dataclass
class Run:
    wall: float                 # seconds, process start to exit
    returncode: int
    stdout: str = ""
    stderr: str = ""
    steps: dict[str, float] = field(default_factory=dict)   # Dagster step key -> seconds

    @property
    def plan(self) -> str:
        return next((line for line in self.stdout.splitlines() if line.startswith("tonight")), "(no plan line)")


def run_nightly(env: dict[str, str], *args: str, output: str = "capture", steps: bool = False) -> Run:
    """Time `python -m dagster_project.run [args]`. output: 'capture' (kept in the result), 'show'
    (to this terminal) or 'quiet' (discarded). steps=True reads the run's step timings afterwards."""
    stream = {"capture": subprocess.PIPE, "show": None, "quiet": subprocess.DEVNULL}[output]
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dagster_project.run", *args], cwd=REPO, env=env,
                          stdout=stream, stderr=stream if output == "capture" else None, text=True)
    run = Run(time.monotonic() - started, proc.returncode, proc.stdout or "", proc.stderr or "")
    if steps:
        run.steps = step_seconds(env)
    return run


def step_seconds(env: dict[str, str]) -> dict[str, float]:
    """Seconds per step of the instance's latest run (Dagster's step stats), {} if unreadable."""
    code = ("import dagster as dg, json\n"
            "with dg.DagsterInstance.get() as i:\n"
            "    run = i.get_runs(limit=1)[0]\n"
            "    print(json.dumps({s.step_key: (s.end_time or 0) - (s.start_time or 0) "
            "for s in i.get_run_step_stats(run.run_id)}))\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {}
    except (IndexError, json.JSONDecodeError):
        return {}
