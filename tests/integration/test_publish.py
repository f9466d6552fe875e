"""Write-audit-publish on the real pipeline: analysts read a published snapshot while runs write.

Each test that needs a second run works on a copy of the session's warehouse directory (working
file, published file, archive), taken while no writer is open, plus a landing revision so the new
run's answer differs from the old one.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_project import settings
from tests.conftest import duck, run_nightly

OLD_DUCKDB_CLI = Path(sys.executable).with_name("duckdb")  # duckdb-cli 1.5.6, a test dependency
HC17_BAOTOU_2020 = ("select value from marts.fct_indicator_value "
                    "where region_code = '150200' and year = 2020 and indicator_code = 'HC17'")
# The revision 民政局 sends: 包头市 2020 had 27,000 institution beds, not 26,458 (community beds unchanged).
REVISION_CSV = "行政区划代码,地区名称,年份,养老机构床位数(张),社区养老服务设施床位数(张)\n150200,包头市,2020,27000,7107\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_of(warehouse) -> Path:
    return warehouse["warehouse"].parent / "published" / settings.WAREHOUSE_FILE_NAME


def test_nightly_run_publishes_every_mart_and_reference_table(warehouse, defs):
    published = published_of(warehouse)
    assert settings.published_path() == published  # default: <warehouse dir>/published/healthy_city.duckdb
    with duck(warehouse["warehouse"]) as work:
        expected = sorted(work.execute("select schema_name, table_name from duckdb_tables() "
                                       "where schema_name in ('marts', 'reference')").fetchall())
        work_rows = work.execute("select * from marts.fct_indicator_value order by all").fetchall()
    with duck(published) as con:
        tables = sorted(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())
        assert con.execute("select * from marts.fct_indicator_value order by all").fetchall() == work_rows
        # (26,458 + 7,107) beds / 547,023.4182 residents aged 60+ (2,709,378 × 20.19 %) × 1,000 = 61.3593…
        assert con.execute(HC17_BAOTOU_2020).fetchone()[0] == pytest.approx(61.359347, abs=1e-6)
    assert ("marts", "fct_indicator_value") in tables and ("reference", "dim_indicator") in tables
    assert tables == expected  # raw, staging and intermediate stay in the working file
    assert oct(published.stat().st_mode & 0o777) == "0o444"


def test_publish_depends_on_every_mart_and_reference_asset(defs):
    graph = defs.resolve_asset_graph()
    publish_key = dg.AssetKey(["published", "healthy_city"])
    upstream = graph.get(publish_key).parent_keys
    expected = {k for k in graph.get_all_asset_keys() if k.path[0] in ("marts", "reference")}
    assert {"marts/fct_indicator_value", "marts/dim_region", "reference/dim_indicator"} <= {
        k.to_user_string() for k in expected}
    assert upstream == expected


def test_old_duckdb_cli_opens_the_published_file(warehouse):
    out = subprocess.run(
        [str(OLD_DUCKDB_CLI), "-readonly", "-list", "-noheader", str(published_of(warehouse)),
         "select version(); select region_name_zh, year, round(value, 1) from marts.fct_indicator_value "
         "where indicator_code = 'HC17' and region_code = '150200' and year in (2016, 2020) order by year"],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # Aged 60+ from the censuses (census_city_2010-2020_v1.csv 包头市): 2010 2,650,364 × 12.77 % = 338,451.4828,
    # 2020 2,709,378 × 20.19 % = 547,023.4182; 2016 on the line 338,451.4828 + 208,571.9354 × 6 / 10 = 463,594.6440.
    # 2016: (18,689 + 4,014) beds / 463,594.6440 × 1,000 = 48.97 → 49.0;
    # 2020: (26,458 + 7,107) / 547,023.4182 × 1,000 = 61.36 → 61.4
    assert out.stdout.splitlines() == ["v1.5.6", "包头市|2016|49.0", "包头市|2020|61.4"]


def _copy_warehouse(warehouse, root: Path, monkeypatch) -> dict[str, Path]:
    src = warehouse["warehouse"].parent
    shutil.copytree(src, root / "warehouse")
    paths = {"warehouse": root / "warehouse" / settings.WAREHOUSE_FILE_NAME, "landing": root / "landing",
             "archive": root / "warehouse" / "archive"}
    paths["published"] = paths["warehouse"].parent / "published" / settings.WAREHOUSE_FILE_NAME
    for var, key in (("HCW_WAREHOUSE", "warehouse"), ("HCW_LANDING_DIR", "landing"), ("HCW_ARCHIVE_DIR", "archive")):
        monkeypatch.setenv(var, str(paths[key]))
    monkeypatch.delenv("HCW_PUBLISHED", raising=False)
    revision = paths["landing"] / "pension_beds" / "pension_beds_2020_revision.csv"
    revision.parent.mkdir(parents=True)
    revision.write_text(REVISION_CSV, encoding="utf-8")
    return paths


# The analyst: a separate process that opens the published file read-only in a loop (a new
# connection each time, as a BI tool or notebook does) and records what it saw or the error.
ANALYST = textwrap.dedent("""
    import json, os, sys, duckdb
    published, log, stop = sys.argv[1:4]
    with open(log, "a") as out:
        while not os.path.exists(stop):
            try:
                with duckdb.connect(published, read_only=True) as con:
                    tables = con.execute("select schema_name || '.' || table_name from duckdb_tables() "
                                         "order by 1").fetchall()
                    # One fingerprint of the whole snapshot: a row-hash sum per table.
                    fingerprint = [[t, str(con.execute(f"select count(*), sum(hash(x)) from {t} as x").fetchone())]
                                   for (t,) in tables]
                    hc17 = con.execute(%r).fetchone()[0]
                out.write(json.dumps({"hc17": hc17, "fingerprint": fingerprint}) + "\\n")
            except Exception as exc:
                out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\\n")
            out.flush()
""") % HC17_BAOTOU_2020


def _read_log(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.2)


def test_analyst_querying_during_a_run_sees_old_or_new_snapshot_never_a_mix(warehouse, defs, tmp_path, monkeypatch):
    paths = _copy_warehouse(warehouse, tmp_path, monkeypatch)
    log, stop = tmp_path / "analyst.jsonl", tmp_path / "stop"
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(paths["published"]), str(log), str(stop)])
    try:
        _wait_for(lambda: log.exists() and len(_read_log(log)) >= 1, 120, "the analyst's first answer")
        seen_before_run = len(_read_log(log))
        result = run_nightly(defs)
        assert result.success
        with duck(paths["published"]) as con:
            new_hc17 = con.execute(HC17_BAOTOU_2020).fetchone()[0]
        _wait_for(lambda: any(r.get("hc17") == new_hc17 for r in _read_log(log)), 120, "an answer from the new snapshot")
    finally:
        stop.touch()
        analyst.wait(timeout=60)
    answers = _read_log(log)
    assert [a["error"] for a in answers if "error" in a] == []
    # Before: (26,458 + 7,107) / 547,023.4182 × 1,000 = 61.3593…; after: (27,000 + 7,107) / 547,023.4182 × 1,000
    # = 62.3501… (aged 60+ from the 2020 census: 2,709,378 × 20.19 / 100)
    assert answers[0]["hc17"] == pytest.approx(61.359347, abs=1e-6)
    assert new_hc17 == pytest.approx(62.350164, abs=1e-6)
    old, new = answers[0]["fingerprint"], answers[-1]["fingerprint"]
    assert old != new
    # Every answer is one whole snapshot: the HC17 value and the fingerprint of every table agree.
    for a in answers:
        assert (a["hc17"], a["fingerprint"]) in [(answers[0]["hc17"], old), (new_hc17, new)], a
    assert len(answers) > seen_before_run  # the analyst kept querying while the run wrote


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process below pid, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                cmd = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                cmd = ""
            found.append((child, cmd))
            todo.append(child)
    return found


def test_run_killed_during_dbt_leaves_published_file_byte_for_byte(warehouse, dbt_manifest, tmp_path, monkeypatch):
    paths = _copy_warehouse(warehouse, tmp_path, monkeypatch)
    before = sha256(paths["published"])
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    run = subprocess.Popen([sys.executable, "-m", "dagster_project.run"], cwd=settings.PROJECT_ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # dagster-dbt starts `dbt build` after the feeds: kill the whole run while dbt writes.
        _wait_for(lambda: run.poll() is not None
                  or any(" build" in cmd and "dbt" in cmd for _, cmd in _descendants(run.pid)), 300, "dbt build to start")
        assert run.poll() is None, "the run ended before dbt started"
        time.sleep(1.0)  # let dbt replace a few tables in the working file
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == -signal.SIGKILL
    assert sha256(paths["published"]) == before
    assert sorted(p.name for p in paths["published"].parent.iterdir()) == [settings.WAREHOUSE_FILE_NAME]
    with duck(paths["published"]) as con:
        assert con.execute(HC17_BAOTOU_2020).fetchone()[0] == pytest.approx(61.359347, abs=1e-6)
