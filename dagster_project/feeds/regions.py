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
from dagster_project.feeds.sql_text import fold_sql


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


def register_region_tables(con, index: RegionIndex) -> None:
    """Temp tables the set-based resolver joins: _region_codes(code) and _region_names(name, code)."""
    import pandas as pd

    con.register("_region_codes_df", pd.DataFrame({"code": sorted(index.codes)}))
    con.execute("create or replace temp table _region_codes as select code from _region_codes_df")
    con.unregister("_region_codes_df")
    pairs = [(name, code) for name, codes in index.names.items() for code in codes]
    con.register("_region_names_df", pd.DataFrame(pairs, columns=["name", "code"]))
    con.execute("create or replace temp table _region_names as select name, code from _region_names_df")
    con.unregister("_region_names_df")


def resolve_regions(con, index: RegionIndex, relation: str, value_column: str,
                    province_column: str | None = None, year_column: str | None = None) -> str:
    """Rule R10 over a whole column at once. Returns the name of a temp table with one row per
    distinct (raw_value, province_value, year_value) of `relation` (NULL/blank values left out):

        raw_value VARCHAR, province_value VARCHAR, year_value VARCHAR (NULL when no such column),
        region_code VARCHAR (NULL when not resolved), region_problem VARCHAR (the reason, NULL when resolved)

    The columns of `relation` are raw text. The caller joins the result back on
    (raw_value, province_value, year_value) with IS NOT DISTINCT FROM and quarantines rows with a
    problem. Problems read exactly as RegionIndex.resolve's messages.
    """
    register_region_tables(con, index)
    province = f'"{province_column}"' if province_column else "cast(null as varchar)"
    year = f'"{year_column}"' if year_column else "cast(null as varchar)"
    out = f"_resolved_{value_column}"
    folded = fold_sql("raw_value")
    con.execute(f"""
        create or replace temp table {out} as
        with v as (
            select distinct "{value_column}" as raw_value, {province} as province_value, {year} as year_value
            from {relation} where "{value_column}" is not null and trim("{value_column}") <> ''
        ),
        k as (
            select raw_value, province_value, year_value,
                   regexp_replace({folded}, '^(\\d+)\\.0$', '\\1') as s
            from v
        ),
        named as (
            select k.raw_value, k.province_value, k.year_value, count(n.code) as n_codes,
                   min(n.code) as only_code,
                   string_agg(n.code, ', ' order by n.code) as candidates
            from k left join _region_names n on n.name = k.s
            where not regexp_matches(k.s, '^\\d+$')
            group by all
        )
        select k.raw_value, k.province_value, k.year_value,
            case when regexp_matches(k.s, '^\\d{{6}}$') and c.code is not null then k.s
                 when not regexp_matches(k.s, '^\\d+$') and n.n_codes = 1 then n.only_code end as region_code,
            case when regexp_matches(k.s, '^\\d{{6}}$') and c.code is null
                      then 'unknown region code ' || k.s || ' (not in GB/T 2260 1981-2024 nor the NBS list)'
                 when regexp_matches(k.s, '^\\d+$') and not regexp_matches(k.s, '^\\d{{6}}$')
                      then 'a region code has 6 digits'
                 when n.n_codes = 0 then 'unknown region name ''' || k.s || ''''
                 when n.n_codes > 1 then 'ambiguous region name ''' || k.s || ''' matches ' || n.n_codes
                      || ' codes (' || n.candidates || '); give the 6-digit code' end as region_problem
        from k
        left join _region_codes c on c.code = k.s
        left join named n on n.raw_value = k.raw_value and n.province_value is not distinct from k.province_value
            and n.year_value is not distinct from k.year_value
    """)
    return out
