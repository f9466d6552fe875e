"""Write the generated expectation suites (see dagster_project/quality/generate.py for the rules).

    .venv/bin/python scripts/generate_expectations.py           # write expectations/ files
    .venv/bin/python scripts/generate_expectations.py --check   # exit 1 if a file is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dagster_project.quality.generate import out_of_date, write_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args()
    if args.check:
        stale = out_of_date()
        for path in stale:
            print(f"out of date: {path}")
        if stale:
            print("run: .venv/bin/python scripts/generate_expectations.py")
        return 1 if stale else 0
    for path in write_files():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
