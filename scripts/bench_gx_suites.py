"""Time every Great Expectations suite on a copy of a warehouse, and prove that another version of
the code (a git revision) gives the same outcomes, expectation by expectation.

    .venv/bin/python scripts/bench_gx_suites.py WAREHOUSE.duckdb [--baseline REV] [--only a,b]

Each version runs in its own process on its own copy of the warehouse (the original is only read),
as a first validation does: raw._check_batches emptied, so every load is in the batch; every suite
through run_suite (GX on the batch in slices, whole-table rules in SQL, results stored, report
written). It prints seconds per suite (slowest first), the total and the load average, and with
--baseline exits 1 unless both versions give equal outcomes: the check result (passed, severity,
rows validated, failures with their counts, failing rows and values), the rows stored in
raw._check_results / raw._check_failures and the loads settled in raw._check_batches.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def child(code_root: str, warehouse: str, out: str, only: str | None) -> None:
    sys.path.insert(0, code_root)
    os.environ.pop("HCW_WAREHOUSE", None)
    import duckdb

    work = Path(out).with_suffix(".duckdb")
    shutil.copy(warehouse, work)
    os.chmod(work, 0o644)
    with duckdb.connect(str(work)) as con:
        con.execute("delete from raw._check_batches")
    from dagster_project.quality import gx_checks

    suites = gx_checks.load_suite_files()
    if only:
        suites = [s for s in suites if s.name in only.split(",")]
    results, times = {}, {}
    for suite in suites:
        start = time.perf_counter()
        r = gx_checks.run_suite(suite, work, run_id="bench")
        times[suite.name] = time.perf_counter() - start
        results[suite.name] = {"passed": r.passed, "severity": r.severity.value,
                               "rows_validated": r.metadata["rows_validated"].value,
                               "failures": r.metadata["failures"].value,
                               "summary": r.metadata["failed_summary"].value}
    with duckdb.connect(str(work), read_only=True) as con:
        def rows(sql: str) -> list[list[str]]:
            return [[str(v) for v in r] for r in con.execute(sql).fetchall()]
        stored = {
            "failures": rows("select check_name, expectation, column_names, severity, notes, unexpected_count, "
                             "source_file, row_number, row_key, value from raw._check_failures "
                             "where run_id = 'bench' order by all"),
            "results": rows("select check_name, severity, passed, rows_validated, expectations, expectations_failed, "
                            "summary from raw._check_results where run_id = 'bench' order by all"),
            "batches": rows("select check_name, suite_sha256, load_id, passed from raw._check_batches order by all"),
        }
    work.unlink()
    Path(out).write_text(json.dumps({"results": results, "stored": stored, "times": times,
                                     "load": os.getloadavg()}, ensure_ascii=False), encoding="utf-8")


def run_version(code_root: Path, warehouse: Path, out: Path, only: str | None) -> dict:
    subprocess.run([sys.executable, __file__, "--child", str(code_root), str(warehouse), str(out)]
                   + (["--only", only] if only else []), check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads(out.read_text(encoding="utf-8"))


def report(label: str, run: dict) -> None:
    times = run["times"]
    slowest = sorted(times.items(), key=lambda kv: -kv[1])[:8]
    print(f"{label}: {sum(times.values()):.1f} s for {len(times)} suites (load average after "
          f"{' '.join(f'{x:.2f}' for x in run['load'])}); slowest: "
          + ", ".join(f"{k} {v:.2f}" for k, v in slowest))


def differences(a: dict, b: dict) -> list[str]:
    out = []
    for name in sorted(set(a["results"]) | set(b["results"])):
        if a["results"].get(name) != b["results"].get(name):
            out.append(f"suite {name}: {json.dumps(a['results'].get(name), ensure_ascii=False)[:400]} != "
                       f"{json.dumps(b['results'].get(name), ensure_ascii=False)[:400]}")
    for table, rows in a["stored"].items():
        if rows != b["stored"][table]:
            out.append(f"stored {table}: {len(rows)} rows != {len(b['stored'][table])} rows, first difference "
                       f"{next(([x, y] for x, y in zip(rows, b['stored'][table]) if x != y), None)}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path, nargs="?")
    parser.add_argument("--baseline", help="a git revision to compare with (e.g. HEAD~1)")
    parser.add_argument("--only", help="comma-separated suite names")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.only)
        return 0
    if args.warehouse is None:
        parser.error("WAREHOUSE is required")
    with tempfile.TemporaryDirectory(prefix="bench_gx_") as tmp:
        tmp_path = Path(tmp)
        runs = {}
        if args.baseline:
            base = tmp_path / "baseline"
            base.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
            runs[f"baseline {args.baseline}"] = run_version(base, args.warehouse, tmp_path / "baseline.json", args.only)
        runs["this tree"] = run_version(REPO, args.warehouse, tmp_path / "tree.json", args.only)
    for label, run in runs.items():
        report(label, run)
    if args.baseline:
        diff = differences(*runs.values())
        if diff:
            print("DIFFERENT OUTCOMES:\n" + "\n".join(diff))
            return 1
        tree = runs["this tree"]
        n_failed = sum(len(r["failures"]) for r in tree["results"].values())
        print(f"equal outcomes: {len(tree['results'])} suites, {n_failed} failing expectations, "
              f"{len(tree['stored']['failures'])} stored failing rows, {len(tree['stored']['batches'])} loads settled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
