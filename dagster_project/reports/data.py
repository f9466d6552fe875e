"""What the scorecards read: the published snapshot only, opened read-only.

Everything is fetched with a handful of set-based queries into plain Python structures the page,
workbook and map renderers share, so all three show the same numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# status → (中文, colour, severity for "worst of"); the colours are the same on pages, map and workbook.
STATUS = {
    "met": ("达成", "#1a9850", 1),
    "on track": ("按期可达", "#a6d96a", 2),
    "not yet due": ("未到期", "#abd9e9", 3),
    "no data": ("无数据", "#d9d9d9", 0),
    "not comparable": ("不可比", "#f2f2f2", -1),
    "off track": ("进度滞后", "#fdae61", 4),
    "not met": ("未达成", "#d73027", 5),
    "insufficient data": ("数据不足", "#d9d9d9", 0),
}
ATTENTION_STATUSES = ("not met", "off track")
INDEX_COLUMNS = [
    ("healthy_city_index", "健康城市指数", "Healthy City Index"),
    ("index_healthy_environment", "健康环境", "Healthy environment"),
    ("index_healthy_society", "健康社会", "Healthy society"),
    ("index_health_services", "健康服务", "Health services"),
    ("index_healthy_population", "健康人群", "Healthy population"),
    ("index_health_culture", "健康文化", "Health culture"),
]
LEVEL1_EN = {"健康环境": "Healthy environment", "健康社会": "Healthy society", "健康服务": "Health services",
             "健康人群": "Healthy population", "健康文化": "Health culture"}


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


@dataclass
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    level1_zh: str
    source_feeds: str
    status: str            # computed / published / ...
    department: str


@dataclass
class Region:
    code: str
    name_zh: str
    level: str
    prefecture_code: str | None
    province_code: str | None
    province_name_zh: str | None
    is_prefecture: bool
    comparison_group: str | None = None
    values: dict[str, dict[int, float]] = field(default_factory=dict)    # indicator → year → value
    incomplete: dict[str, set[int]] = field(default_factory=dict)        # indicator → years flagged incomplete
    index: dict[int, dict] = field(default_factory=dict)                  # year → index row
    targets: list[dict] = field(default_factory=list)

    def years(self) -> list[int]:
        ys = {y for series in self.values.values() for y in series} | set(self.index)
        return sorted(ys)

    @functools.cached_property
    def worst_status_by_indicator(self) -> dict[str | None, str | None]:
        """indicator → the worst status of this region's targets on it (read once the targets are loaded)."""
        by: dict[str | None, list[dict]] = {}
        for t in self.targets:
            by.setdefault(t.get("indicator_code"), []).append(t)
        return {code: worst_status(items) for code, items in by.items()}


@dataclass
class Snapshot:
    path: Path
    published_at: dt.datetime
    evaluation_year: int
    indicators: dict[str, Indicator]
    regions: dict[str, Region]
    data_as_of: dict[tuple[str, str], str]    # (region, indicator) → date text
    feeds: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (region, indicator) → feeds loaded
    source: list = field(default_factory=list)  # [inode, size, mtime ns] of the snapshot file read

    def region_years(self, code: str) -> list[int]:
        return self.regions[code].years()


def _columns(con, schema: str, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table]).fetchall()}


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [{n: _clean(v) for n, v in zip(names, row)} for row in cur.fetchall()]


def load_snapshot(published: Path) -> Snapshot:
    """Read the published snapshot (read-only; never the working file)."""
    if not published.exists():
        raise FileNotFoundError(f"{published}: no published snapshot yet (the publish asset must run first)")
    stat = published.stat()
    published_at = dt.datetime.fromtimestamp(stat.st_mtime).astimezone()
    with duckdb.connect(str(published), read_only=True) as con:
        ind_cols = _columns(con, "reference", "dim_indicator")
        indicators = {}
        for r in _rows(con, "select * from reference.dim_indicator order by indicator_code"):
            indicators[r["indicator_code"]] = Indicator(
                r["indicator_code"], r["indicator_name_zh"], r["indicator_name_en"], r.get("unit") or "",
                r.get("direction") or "higher_is_better", r.get("level1_zh") or "", r.get("source_feeds") or "",
                r.get("status") or "", r.get("data_source_dept") or "" if "data_source_dept" in ind_cols else "")
        regions: dict[str, Region] = {}
        for r in _rows(con, "select * from marts.dim_region where is_current"):
            level = r.get("region_level") or ""
            regions[r["region_code"]] = Region(
                r["region_code"], r["region_name_zh"], level, r.get("prefecture_code"), r.get("province_code"),
                r.get("province_name_zh"),
                # a municipality (直辖市, 110000) is a prefecture-level evaluation unit with its own polygon
                is_prefecture=(r.get("prefecture_code") == r["region_code"]
                               or (r["region_code"][:2] in ("11", "12", "31", "50") and r["region_code"].endswith("0000"))))
        value_cols = _columns(con, "marts", "fct_indicator_value")
        # One row per (region, indicator) with its years and values as lists: the pages, maps and the
        # workbook read series, and 1.3 million Python row dicts were most of the national load time.
        # Series come in the order the regions first have them (year, then indicator code).
        incomplete = ("list(year order by year) filter (where is_complete_year = false)"
                      if "is_complete_year" in value_cols else "null")
        loads = ("list(distinct input_load_ids order by input_load_ids) filter (where input_load_ids is not null)"
                 if "input_load_ids" in value_cols else "null")
        if "data_as_of" in value_cols:
            as_of = "max(left(cast(data_as_of as varchar), 10))"
            undated_loads = loads.replace("is not null)", "is not null and data_as_of is null)") \
                if "input_load_ids" in value_cols else "null"
        else:
            as_of, undated_loads = "null", loads
        series = con.execute(f"""
            select region_code, first(region_name_zh order by year), indicator_code,
                   list(year order by year), list(case when isnan(value) then null else value end order by year),
                   {incomplete}, {loads}, {as_of}, {undated_loads}
            from marts.fct_indicator_value
            group by region_code, indicator_code
            order by region_code, min(year), indicator_code""").fetchall()
        index_rows = _rows(con, "select * from marts.fct_healthy_city_index order by region_code, year")
        targets = _rows(con, "select * from marts.fct_target_attainment order by region_code, plan_document, target_id")
    data_as_of: dict[tuple[str, str], str] = {}
    feeds: dict[tuple[str, str], list[str]] = {}
    lineages: dict[tuple, tuple[list[str], str]] = {}  # a national snapshot has a few dozen distinct lineages
    for code, name, indicator, years, vals, incomplete_years, load_ids, dated, undated in series:
        region = regions.get(code)
        if region is None:  # a code only in the facts: still shown, named as the facts name it
            region = regions[code] = Region(code, name, "", None, None, None, False)
        region.values[indicator] = dict(zip(years, vals))
        if incomplete_years:
            region.incomplete[indicator] = set(incomplete_years)
        lineage = (tuple(load_ids or ()), tuple(undated or ()))
        known = lineages.get(lineage)
        if known is None:
            # the feeds behind the series, and the latest load date of its values that have no data_as_of
            known = lineages[lineage] = (
                sorted({f for text in lineage[0] for f, _ in _parse_load_ids(text)}),
                max((d for text in lineage[1] for _, d in _parse_load_ids(text)), default=""))
        key = (code, indicator)
        if known[0]:
            feeds[key] = list(known[0])
        # a value's date: its data_as_of, else the latest load date in its lineage; the series: the latest
        as_of = max(dated or "", known[1])
        if as_of:
            data_as_of[key] = as_of
    for r in index_rows:
        region = regions.get(r["region_code"])
        if region is None:
            continue
        region.index[r["year"]] = r
        region.comparison_group = r.get("comparison_group") or region.comparison_group
    for t in targets:
        if t["region_code"] in regions:
            regions[t["region_code"]].targets.append(t)
    shown = {c: r for c, r in regions.items() if r.values or r.targets or r.index}
    evaluation_year = dt.date.today().year
    return Snapshot(published, published_at, evaluation_year, indicators, shown, data_as_of, feeds,
                    [stat.st_ino, stat.st_size, stat.st_mtime_ns])


LOAD_ID = re.compile(r"^(?P<feed>[a-z0-9_]+)-(?P<ts>\d{8})T\d+")


def parse_load_ids(text: str | None) -> list[tuple[str, str]]:
    """'pension_beds-20261201T154845562305-a853e868;…' → [('pension_beds', '2026-12-01'), …]:
    the feeds a value was computed from and the date each was loaded (the lineage in raw._loads)."""
    return list(_parse_load_ids(text))


@functools.lru_cache(maxsize=4096)  # a national snapshot has a few dozen distinct lineages
def _parse_load_ids(text: str | None) -> tuple[tuple[str, str], ...]:
    out = []
    for part in (text or "").split(";"):
        m = LOAD_ID.match(part.strip())
        if m:
            ts = m.group("ts")
            out.append((m.group("feed"), f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}"))
    return tuple(out)


def attention_list(snapshot: Snapshot, region: Region) -> list[dict]:
    """Targets not met or off track, most urgent first: relative distance to the target divided by
    the years left (a target already past due counts as 0 years left, i.e. divided by 1)."""
    items = []
    for t in region.targets:
        if t["status"] not in ATTENTION_STATUSES:
            continue
        value = t.get("status_value")
        target = t.get("target_value")
        if value is not None and target not in (None, 0):
            distance = abs(value - target) / abs(target)
        else:
            distance = None
        years_left = max((t.get("target_year") or snapshot.evaluation_year) - snapshot.evaluation_year, 0)
        urgency = (distance if distance is not None else 0.0) / (years_left + 1)
        items.append({**t, "distance": distance, "years_left": years_left, "urgency": urgency})
    items.sort(key=lambda t: (-t["urgency"], t["years_left"], t["target_id"]))
    return items


def worst_status(targets: list[dict]) -> str | None:
    statuses = [t["status"] for t in targets if t.get("status") in STATUS]
    if not statuses:
        return None
    return max(statuses, key=lambda s: STATUS[s][2])
