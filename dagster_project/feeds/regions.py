"""Resolve a region given as a 6-digit code or a Chinese name (rule R10).

Known codes come from the real code lists bundled in sources/reference/:
GB/T 2260 county-and-above codes 1981-2024 (every code ever used, so old codes stay valid)
and the NBS statistical list, which also has development zones such as 稀土高新区 150271.
Names resolve only when they are unambiguous; region_aliases.csv adds the short names
plans use (稀土高新区).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dagster_project import settings
from dagster_project.feeds.normalize import ValueNotation, fold


@dataclass(frozen=True)
class RegionIndex:
    codes: frozenset[str]
    names: dict[str, frozenset[str]]

    def resolve(self, raw: str) -> str:
        s = fold(raw)
        if s.endswith(".0"):  # Excel reads codes as floats: 370406.0
            s = s[:-2]
        if re.fullmatch(r"\d{6}", s):
            if s not in self.codes:
                raise ValueNotation(f"unknown region code {s} (not in GB/T 2260 1981-2024 nor the NBS list)")
            return s
        if re.fullmatch(r"\d+", s):
            raise ValueNotation("a region code has 6 digits")
        matches = self.names.get(s)
        if not matches:
            raise ValueNotation(f"unknown region name '{s}'")
        if len(matches) > 1:
            raise ValueNotation(
                f"ambiguous region name '{s}' matches {len(matches)} codes "
                f"({', '.join(sorted(matches)[:5])}{'…' if len(matches) > 5 else ''}); give the 6-digit code"
            )
        return next(iter(matches))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def load_region_index(reference_dir: Path | None = None) -> RegionIndex:
    """The index for reference_dir (default: HCW_SOURCES_DIR/reference), rebuilt when the alias file changes."""
    ref = (reference_dir or settings.reference_dir()).resolve()
    aliases = ref / "region_aliases.csv"
    # Cached per directory and alias-file version: the directory is read at call time (tests and
    # runs point HCW_SOURCES_DIR elsewhere), and an alias added by a steward applies on the next load.
    return _build_region_index(ref, aliases.stat().st_mtime_ns if aliases.exists() else None)


@lru_cache(maxsize=8)
def _build_region_index(ref: Path, _aliases_version: int | None) -> RegionIndex:
    codes: set[str] = set()
    names: dict[str, set[str]] = defaultdict(set)

    for row in _read_csv(ref / "admin_codes_gbt2260" / "result.csv"):
        codes.add(row["代码"])
        if row["状态"] == "在用":
            names[row["名称"]].add(row["代码"])
    nbs = ref / "admin_codes_nbs"
    for file, width in (("provinces.csv", 2), ("cities.csv", 4), ("areas.csv", 6)):
        for row in _read_csv(nbs / file):
            code = row["code"].ljust(6, "0")
            codes.add(code)
            names[row["name"]].add(code)
    aliases = ref / "region_aliases.csv"
    if aliases.exists():
        for row in _read_csv(aliases):
            names[row["alias"]] = {row["code"]}
            codes.add(row["code"])
    # 市辖区 / 省直辖县级行政区划 are placeholders, never a region a feed reports on.
    for placeholder in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        names.pop(placeholder, None)
    return RegionIndex(frozenset(codes), {k: frozenset(v) for k, v in names.items()})
