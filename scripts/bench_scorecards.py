"""Time the scorecards of one published snapshot and check them against a reference build.

    python scripts/bench_scorecards.py PUBLISHED [--reference DIR] [--keep DIR] [--second-process]

Copy the snapshot first (`cp -p`, keeping its modification time: the pages print it as the
publication time) and never point this at a live warehouse. Builds the pages, overviews, workbook
and digest state into a temporary directory (or --keep DIR), prints the wall and CPU seconds of the
build and the load average before and after. With --reference (a directory built earlier, e.g. by
the previous code from the same snapshot) every page, overview and the digest state must be equal
byte for byte, and every workbook cell equal through openpyxl (value, number format, bold, fill,
alignment), with the same frozen panes, column widths and conditional formats. Exit 1 on a difference.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from dagster_project.reports.digest import STATE_FILE, run_digest
from dagster_project.reports.scorecard import build_scorecards


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _sheets(path: Path) -> dict:
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                look = (c.number_format, bool(c.font.b), c.font.sz if c.font.b else None, c.fill.fill_type,
                        c.fill.fgColor.rgb if c.fill.fill_type else None, c.alignment.wrap_text, c.alignment.vertical)
                if c.value is not None or look != ("General", False, None, None, None, None, None):
                    cells[c.coordinate] = (c.value, look)
        rules = sorted((str(cf.sqref), r.operator, tuple(r.formula), r.priority, r.dxf.fill.bgColor.rgb)
                       for cf in ws.conditional_formatting for r in cf.rules)
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth}
        out[ws.title] = (cells, ws.freeze_panes, widths, rules)
    return out


def compare(reference: Path, built: Path) -> list[str]:
    diffs = []
    names = {p.name for p in reference.iterdir()}, {p.name for p in built.iterdir()}
    if names[0] != names[1]:
        diffs.append(f"files only in the reference: {sorted(names[0] - names[1])[:5]}, "
                     f"only in this build: {sorted(names[1] - names[0])[:5]}")
    for name in sorted(names[0] & names[1]):
        if not name.endswith(".xlsx") and (reference / name).read_bytes() != (built / name).read_bytes():
            diffs.append(f"{name}: bytes differ")
    if "scorecards.xlsx" in names[0] & names[1]:
        a, b = _sheets(reference / "scorecards.xlsx"), _sheets(built / "scorecards.xlsx")
        if list(a) != list(b):
            diffs.append("workbook: sheet names or order differ")
        for title in a.keys() & b.keys():
            for what, x, y in zip(("cells", "frozen panes", "column widths", "conditional formats"), a[title], b[title]):
                if x != y:
                    diffs.append(f"workbook sheet {title}: {what} differ")
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("published", type=Path)
    parser.add_argument("--reference", type=Path)
    parser.add_argument("--keep", type=Path, help="build into this directory (kept)")
    parser.add_argument("--second-process", action="store_true",
                        help="overviews and workbook in a second process (else as HCW_SCORECARDS_SECOND_PROCESS says)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hcw_scorecards_") as tmp:
        out = args.keep or Path(tmp) / "scorecards"
        before, wall, cpu = _load(), time.perf_counter(), time.process_time()
        result = build_scorecards(args.published, out, second_process=True if args.second_process else None)
        run_digest(result.snapshot, out / STATE_FILE, out, logger=logging.getLogger("digest"))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        children = os.times().children_user + os.times().children_system
        print(f"scorecards: {len(result.pages)} pages, {len(result.overviews)} overviews, workbook; "
              f"second process: {result.second_process}")
        print(f"wall {wall:.2f} s, cpu {cpu:.2f} s here + {children:.2f} s in the second process; "
              f"load average before {before}, after {_load()}")
        if args.reference:
            diffs = compare(args.reference, out)
            print(f"against {args.reference}: " + ("equal" if not diffs else f"{len(diffs)} difference(s)"))
            for d in diffs[:20]:
                print("  " + d)
            return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
