"""Resolve a region as departments name it (rule R10): code, Chinese name, short name, former name or
code, pinyin or English spelling; homonyms told apart by a province column.

Lookup tables are built once per run from the real code lists bundled in sources/reference/
(GB/T 2260 county-and-above codes 1981-2024 with their periods and successors, and the NBS
statistical list, which also has development zones such as 稀土高新区 150271), and resolution is
one SQL statement over the distinct values of a whole column (`resolve_regions`). Nothing is
resolved in Python per row; `RegionIndex.resolve` runs the same SQL for one value.

Match keys. A value and every name are compared after R1 (full-width folded, whitespace removed),
lower-cased, ü/v read as u, hyphens, apostrophes and middle dots removed: `Xi'an`, `XIAN`, `xi-an`
all read `xian`; `Lüliang` and `Lvliang` read `luliang`.

Names a value may match (`tier`):
  1 alias       sources/reference/region_aliases.csv (hand-made exceptions: Harbin, Hohhot, 稀土高新区);
                an alias always wins over a generated name
  2 name        the full Chinese name of a code, in use or former (崇文区 1981-2010), with the years
                GB/T 2260 gives it (an NBS name only where GB/T lacks it: development zones)
  3 short name  the name without its administrative suffix (包头市 -> 包头, 延边朝鲜族自治州 -> 延边,
                广西壮族自治区 -> 广西); suffixes and ethnic names in SUFFIXES / ETHNIC_GROUPS below
  4 pinyin      pypinyin's reading of a full or short name (baotou, baotoushi); the short name of
                a 市 with `shi` or `city` appended (Baotou City)
  5 variant     the same with one polyphone read another way (pypinyin heteronym mode):
                Shamen 厦门, Zhongqing 重庆, Zhangsha 长沙, Fushan 佛山, Chaoyang 朝阳

Choosing among matches, in this order: a province column keeps only the regions in that province;
an alias beats everything; a name in use in the row's year (or today, without a year) beats a
former name; a province- or prefecture-level region beats a county-level one (a city file writing
`Jinzhou` means 锦州市, not 晋州市 or 金州区: name a county in full or give the province); then the
lower tier wins. Several regions left -> quarantined, every candidate named with its province.

Former codes (GB/T 2260 状态 变更/弃用). A code stays valid for a row whose year is before the code
was abolished (or for a row without a year). A row whose year is at or after the abolition year:
  - the area went to exactly one code in use today (crosswalk, as marts.dim_region_code_history)
    -> mapped to that code (110103 崇文区, abolished 2010 -> 110101 东城区);
  - otherwise (split, or no successor listed: 341400 巢湖市 abolished 2011) -> quarantined:
    "region code 341400 巢湖市 was abolished in 2011 and GB/T 2260 names no single successor
    (no successor listed); a row for 2020 needs a code in use in 2020".
A code used before its first year stays valid (data back-cast to today's boundaries).
"""

from __future__ import annotations

import csv
import hashlib
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project import settings
from dagster_project.feeds.normalize import ValueNotation
from dagster_project.feeds.sql_text import fold_sql, sql_literal

ALIASES_FILE = "region_aliases.csv"
GBT2260_FILE = Path("admin_codes_gbt2260") / "result.csv"
NBS_DIR = Path("admin_codes_nbs")

# Placeholders of the code lists, never a region a feed reports on.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位"})
# Administrative suffixes stripped for the short name, longest first (only the longest that matches).
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "新区", "矿区", "特区",
            "省", "市", "区", "县", "盟", "旗")
# Ethnic names stripped after 自治区/州/县/旗 (延边朝鲜族自治州 -> 延边; 巴音郭楞蒙古自治州 -> 巴音郭楞).
ETHNIC_GROUPS = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
    "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
    "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
# Written without 族 inside official names (新疆维吾尔自治区, 伊犁哈萨克自治州).
_ETHNIC_WITHOUT_ZU = ("维吾尔", "哈萨克", "柯尔克孜", "蒙古", "塔吉克", "锡伯", "乌孜别克")
# Latin suffixes the spelling of a short name from a 市 may carry: Baotou Shi, Baotou City.
LATIN_SUFFIXES = ("shi", "city")
TIER_ALIAS, TIER_NAME, TIER_SHORT, TIER_PINYIN, TIER_VARIANT = 1, 2, 3, 4, 5
LEVEL_RANK = {"省级": 1, "地级": 1, "县级": 2}

_FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
_FOLD = str.maketrans(_FULL_WIDTH, _HALF_WIDTH)
_KEY_DROP = "-'’‘`·"
_KEY_DROP_SQL = "[-'’‘`·]"


def fold_text(text: str) -> str:
    """R1 in Python, identical to sql_text.fold_sql."""
    return re.sub(r"\s+", "", text.translate(_FOLD))


def match_key(text: str) -> str:
    """The key a value and a name are compared on (module docstring), identical to match_key_sql."""
    s = fold_text(text).lower().replace("ü", "u").replace("v", "u")
    return "".join(ch for ch in s if ch not in _KEY_DROP)


def match_key_sql(folded_expr: str) -> str:
    return (f"regexp_replace(replace(replace(lower({folded_expr}), 'ü', 'u'), 'v', 'u'), "
            f"{sql_literal(_KEY_DROP_SQL)}, '', 'g')")


def short_name(name: str) -> str | None:
    """包头市 -> 包头, 延边朝鲜族自治州 -> 延边, 大通回族土族自治县 -> 大通; None when nothing of 2+ characters is left."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                stripped = True
                while stripped:
                    stripped = False
                    for group in sorted(ETHNIC_GROUPS, key=len, reverse=True):
                        for form in (group + "族",) + ((group,) if group in _ETHNIC_WITHOUT_ZU else ()):
                            if stem.endswith(form) and len(stem) - len(form) >= 2:
                                stem, stripped = stem[: -len(form)], True
                                break
                        if stripped:
                            break
                stem = stem.removesuffix("各族")
            return stem if len(stem) >= 2 and stem != name else None
    return None


@lru_cache(maxsize=None)
def _readings(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    return tuple(dict.fromkeys(pinyin(ch, style=Style.NORMAL, heteronym=True)[0]))


def pinyin_spellings(name: str) -> tuple[str, set[str]]:
    """pypinyin's reading of a name and its variants: one polyphone at a time read another way."""
    from pypinyin import Style, lazy_pinyin

    primary = lazy_pinyin(name, style=Style.NORMAL)
    variants: set[str] = set()
    if len(primary) == len(name):
        for i, ch in enumerate(name):
            for reading in _readings(ch):
                if reading != primary[i]:
                    variants.add("".join(primary[:i] + [reading] + primary[i + 1:]))
    spelled = "".join(primary)
    variants.discard(spelled)
    return spelled, variants


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class RegionIndex:
    """Lookup tables for R10 (built once per run) and per-value resolution through the same SQL."""

    codes: frozenset[str] = field(repr=False)
    # Chinese full names (codes in use, NBS names, aliases) -> codes: what a steward looks up.
    names: dict[str, frozenset[str]] = field(repr=False)
    # _region_codes: one row per known code (name today, level, province, abolition, successor).
    code_table: pd.DataFrame = field(repr=False)
    # _region_keys: one row per (match key, code, tier, name period).
    key_table: pd.DataFrame = field(repr=False)
    version: str = ""
    _con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False, compare=False)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __hash__(self) -> int:
        return hash(self.version)

    def resolve(self, raw: str, province: str | None = None, year: str | int | None = None) -> str:
        """One value: the code, or ValueNotation with the quarantine reason, exactly as resolve_regions.

        Without a province or year (today's per-cell loader) a value is answered from a table of
        every match key resolved by resolve_regions in one pass; otherwise through resolve_regions."""
        if province is None and year is None:
            code, problem = self._resolve_plain(raw)
        else:
            code, problem = self._resolve_sql(raw, province, None if year is None else str(year))
        if problem:
            raise ValueNotation(problem)
        return code

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = duckdb.connect()
            register_region_tables(self._con, self)
        return self._con

    def _resolve_sql(self, raw: str, province: str | None, year: str | None) -> tuple[str | None, str | None]:
        key = (raw, province, year)
        with self._lock:
            if key not in self._memo:
                con = self._connection()
                con.execute("create or replace temp table _one (r varchar, p varchar, y varchar)")
                con.execute("insert into _one values (?, ?, ?)", [raw, province, year])
                out = resolve_regions(con, self, "_one", "r", "p", "y", register=False)
                rows = con.execute(f"select region_code, region_problem from {out}").fetchall()
                self._memo[key] = rows[0] if rows else (None, "missing value in a required column")
            return self._memo[key]

    def _resolve_plain(self, raw: str) -> tuple[str | None, str | None]:
        s = fold_text(raw)
        if s.endswith(".0") and s[:-2].isdigit():
            s = s[:-2]
        if not s:
            return None, "missing value in a required column"
        if re.fullmatch(r"\d+", s):
            if len(s) != 6:
                return None, "a region code has 6 digits"
            if s not in self.codes:
                return None, f"unknown region code {s} (not in GB/T 2260 1981-2024 nor the NBS list)"
            return s, None
        with self._lock:
            if "_plain" not in self._memo:
                # every match key as a value, through the same SQL, in one pass
                con = self._connection()
                out = resolve_regions(con, self, "(select distinct key as k from _region_keys)", "k", register=False)
                self._memo["_plain"] = {r: (c, p) for r, c, p in con.execute(
                    f"select raw_value, region_code, region_problem from {out}").fetchall()}
            plain = self._memo["_plain"]
        key = match_key(s)
        if key not in plain:
            return None, f"unknown region name '{s}'"
        code, problem = plain[key]
        return code, problem.replace(f"'{key}'", f"'{s}'", 1) if problem else None


def _code_tables(ref: Path) -> tuple[pd.DataFrame, list[tuple]]:
    """_region_codes and the name periods of every code, from the code lists (crosswalk as in
    dbt/models/marts/dim_region_code_history.sql: only successor changes are followed)."""
    from dagster_project.reference import region_code_change_frame, region_code_frame

    periods = region_code_frame(ref)
    changes = region_code_change_frame(ref)
    con = duckdb.connect()
    con.register("codes_df", periods)
    con.register("changes_df", changes)
    table = con.execute("""
        with recursive p as (
            select region_code, region_name_zh, region_level, valid_from,
                   coalesce(valid_to, 9999) as valid_until, is_current
            from codes_df where code_list = 'GB/T 2260'
        ),
        steps as (
            select c.old_code, c.old_valid_from, p.region_code as next_code, p.valid_from as next_valid_from,
                   p.is_current as next_is_current
            from changes_df c join p on p.region_code = c.new_code and p.valid_from <= c.change_year
                 and c.change_year < p.valid_until
            where c.change_kind = 'successor'
        ),
        walk as (
            select region_code as old_code, valid_from as old_valid_from, region_code as code, valid_from,
                   is_current, 0 as n from p
            union all
            select w.old_code, w.old_valid_from, s.next_code, s.next_valid_from, s.next_is_current, w.n + 1
            from walk w join steps s on s.old_code = w.code and s.old_valid_from = w.valid_from
            where not w.is_current and w.n < 20
        ),
        latest as (  -- the last period of each GB/T code
            select region_code, arg_max(region_name_zh, valid_from) as name_zh, arg_max(region_level, valid_from) as lvl,
                   max(valid_from) as last_from, bool_or(is_current) as in_use,
                   max(valid_until) filter (where not is_current) as ended
            from p group by region_code
        ),
        nbs as (
            select region_code, any_value(region_name_zh) as name_zh, any_value(region_level) as lvl
            from codes_df where code_list <> 'GB/T 2260' group by region_code
        ),
        succ as (
            select l.region_code, string_agg(distinct w.code, ';' order by w.code) as successors,
                   count(distinct w.code) as n_successors
            from latest l join walk w on w.old_code = l.region_code and w.old_valid_from = l.last_from
            where w.is_current and not l.in_use
            group by l.region_code
        ),
        merged as (
            select coalesce(l.region_code, n.region_code) as code,
                   coalesce(case when l.in_use then l.name_zh end, n.name_zh, l.name_zh) as name_zh,
                   coalesce(case when l.in_use then l.lvl end, n.lvl, l.lvl) as lvl,
                   -- in the NBS list (2022/2023 edition) counts as in use
                   case when coalesce(l.in_use, false) or n.region_code is not null then null else l.ended end
                       as abolished_in,
                   s.successors, coalesce(s.n_successors, 0) as n_successors
            from latest l full join nbs n on n.region_code = l.region_code
            left join succ s on s.region_code = coalesce(l.region_code, n.region_code)
        )
        select m.code, m.name_zh, m.lvl, substr(m.code, 1, 2) as province_code,
               coalesce(pr.name_zh, substr(m.code, 1, 2)) as province_name_zh, m.abolished_in,
               m.successors, m.n_successors
        from merged m left join merged pr on pr.code = substr(m.code, 1, 2) || '0000'
        order by m.code
    """).df()
    # GB/T 2260 gives each name its years; an NBS name (no years) only where GB/T lacks it (zones,
    # 2023 names), so 那曲 in 2015 is 542400 那曲地区 and not also the timeless NBS 540600 那曲市
    names = con.execute("""
        select region_name_zh, region_code, region_level, valid_from,
               case when is_current then null else valid_to end as valid_until
        from codes_df n
        where code_list = 'GB/T 2260'
           or not exists (select 1 from codes_df g where g.code_list = 'GB/T 2260'
                          and g.region_code = n.region_code and g.region_name_zh = n.region_name_zh)
    """).fetchall()
    con.close()
    names_by_code = dict(zip(table["code"], table["name_zh"]))
    table["successors_text"] = [
        ", ".join(f"{c} {names_by_code.get(c, '')}".strip() for c in s.split(";")) if isinstance(s, str) else None
        for s in table["successors"]]
    table["only_successor"] = [s if (isinstance(s, str) and n == 1) else None for s, n in zip(table["successors"], table["n_successors"])]
    table["level_rank"] = table["lvl"].map(LEVEL_RANK).fillna(2).astype(int)
    return table.drop(columns=["successors"]), names


def _code_list_version(ref: Path) -> str:
    """SHA-256 over the code list files: copies of the lists elsewhere share the generated tables."""
    h = hashlib.sha256()
    for p in [ref / GBT2260_FILE] + sorted((ref / NBS_DIR).glob("*.csv")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


_GENERATED: dict[str, tuple[pd.DataFrame, pd.DataFrame, dict]] = {}
_GENERATED_LOCK = threading.Lock()


def _generated_tables(ref: Path, code_lists: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Code table and the generated keys (names, short names, pinyin), cached by the content of the
    code lists, in this process and on disk (_disk_cache); aliases are never cached (read on every
    load_region_index)."""
    with _GENERATED_LOCK:
        if code_lists not in _GENERATED:
            _GENERATED.clear()
            _GENERATED[code_lists] = _disk_cache(ref, code_lists)
        return _GENERATED[code_lists]


# The source files the generated tables are computed by: a change to any of them makes a new cache file.
_GENERATING_CODE = ("feeds/regions.py", "feeds/normalize.py", "feeds/sql_text.py", "reference.py")


def _disk_cache(ref: Path, code_lists: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The generated tables, kept next to the warehouse (cache/region_keys_<key>.pickle) so that a new
    process (every nightly run is one) reads them (0.1 s) instead of spelling every name again (2-15 s).
    The key covers the code lists, the code that generates the tables, pypinyin and pandas; a file that
    cannot be read is generated again, and a cache that cannot be written only costs the time."""
    import os
    import pickle
    from importlib.metadata import version

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(code_lists.encode())
    for name in _GENERATING_CODE:
        h.update((package / name).read_bytes())
    h.update(f"pypinyin {version('pypinyin')} pandas {pd.__version__}".encode())
    path = settings.warehouse_path().parent / "cache" / f"region_keys_{h.hexdigest()[:24]}.pickle"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)  # noqa: S301 - written by this function, beside the warehouse it trusts
    except Exception:  # noqa: BLE001 - missing, partial or from another version: generate again
        pass
    tables = _build_generated_tables(ref)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
        for old in path.parent.glob("region_keys_*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return tables


def _build_generated_tables(ref: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    code_table, name_periods = _code_tables(ref)
    levels = dict(zip(code_table["code"], code_table["level_rank"]))
    rows: set[tuple] = set()
    spelled: dict[str, tuple[str, set[str]]] = {}
    for name, code, level, valid_from, valid_until in name_periods:
        if name in PLACEHOLDERS:
            continue
        rank = LEVEL_RANK.get(level, levels.get(code, 2))
        vf = None if valid_from is None or pd.isna(valid_from) else int(valid_from)
        vu = None if valid_until is None or pd.isna(valid_until) else int(valid_until)
        short = short_name(name)
        forms = [(name, TIER_NAME, False)] + ([(short, TIER_SHORT, True)] if short else [])
        for form, tier, is_short in forms:
            rows.add((match_key(form), code, tier, rank, vf, vu))
            if form not in spelled:
                spelled[form] = pinyin_spellings(form)
            primary, variants = spelled[form]
            for spelling, ptier in [(primary, TIER_PINYIN)] + [(v, TIER_VARIANT) for v in variants]:
                spelling = spelling.replace("v", "u")  # pypinyin writes ü as v; lower-case ASCII already
                rows.add((spelling, code, ptier, rank, vf, vu))
                if is_short and name.endswith("市"):  # Baotou Shi / Baotou City, never Jilin Shi for 吉林省
                    for suffix in LATIN_SUFFIXES:
                        rows.add((spelling + suffix, code, ptier, rank, vf, vu))
    keys = pd.DataFrame(sorted(rows, key=lambda r: (r[0], r[1], r[2], r[4] or 0)),
                        columns=["key", "code", "tier", "level_rank", "valid_from", "valid_until"])
    keys = keys.astype({"valid_from": "Int64", "valid_until": "Int64"})
    current_names: dict[str, set[str]] = {}
    for name, code, _level, _vf, vu in name_periods:
        if vu is None or pd.isna(vu):
            current_names.setdefault(name, set()).add(code)
    for placeholder in PLACEHOLDERS:
        current_names.pop(placeholder, None)
    return code_table, keys, current_names


def load_region_index(reference_dir: Path | None = None) -> RegionIndex:
    """The index for reference_dir (default: HCW_SOURCES_DIR/reference). The alias file is read on
    every call, so an alias added by a steward applies on the next run; the tables generated from
    the code lists are cached by the lists' content (SHA-256)."""
    ref = (reference_dir or settings.reference_dir()).resolve()
    code_lists = _code_list_version(ref)
    code_table, generated, current_names = _generated_tables(ref, code_lists)
    names = {k: set(v) for k, v in current_names.items()}
    codes = set(code_table["code"])
    alias_rows = []
    alias_path = ref / ALIASES_FILE
    alias_bytes = alias_path.read_bytes() if alias_path.exists() else b""
    if alias_path.exists():
        for line, row in enumerate(_read_csv(alias_path), start=2):
            alias, code = (row.get("alias") or "").strip(), (row.get("code") or "").strip()
            if not alias or not re.fullmatch(r"\d{6}", code):
                raise ValueError(f"{alias_path} row {line}: an alias needs a name and a 6-digit code, got {row}")
            alias_rows.append((match_key(alias), code, TIER_ALIAS, 1, None, None))
            names[alias] = {code}
            codes.add(code)
    missing = sorted(codes - set(code_table["code"]))
    if missing:  # an alias to a code no list has: it counts as a county-level code in use
        extra = pd.DataFrame({"code": missing, "name_zh": missing, "lvl": "县级",
                              "province_code": [c[:2] for c in missing], "province_name_zh": [c[:2] for c in missing],
                              "abolished_in": None, "n_successors": 0, "successors_text": None,
                              "only_successor": None, "level_rank": 2})
        code_table = pd.concat([code_table, extra], ignore_index=True)
    aliases = pd.DataFrame(alias_rows, columns=generated.columns).astype(generated.dtypes.to_dict())
    key_table = pd.concat([aliases, generated], ignore_index=True) if alias_rows else generated
    version = hashlib.sha256(code_lists.encode() + alias_bytes).hexdigest()
    return RegionIndex(frozenset(codes), {k: frozenset(v) for k, v in names.items()}, code_table, key_table,
                       version)


def register_region_tables(con, index: RegionIndex) -> None:
    """Temp tables the set-based resolver joins: _region_codes (one row per code) and _region_keys
    (match key -> code). Built once per call from the index; cheap next to reading a file."""
    con.register("_region_codes_df", index.code_table)
    con.execute("create or replace temp table _region_codes as select * from _region_codes_df")
    con.unregister("_region_codes_df")
    con.register("_region_keys_df", index.key_table)
    con.execute("create or replace temp table _region_keys as select * from _region_keys_df")
    con.unregister("_region_keys_df")


def resolve_regions(con, index: RegionIndex, relation: str, value_column: str,
                    province_column: str | None = None, year_column: str | None = None,
                    register: bool = True) -> str:
    """Rule R10 over a whole column at once. Returns the name of a temp table with one row per
    distinct (raw_value, province_value, year_value) of `relation` (NULL/blank values left out):

        raw_value VARCHAR, province_value VARCHAR, year_value VARCHAR (NULL when no such column),
        region_code VARCHAR (NULL when not resolved), region_problem VARCHAR (the reason, NULL when resolved)

    The columns of `relation` are raw text. The caller joins the result back on
    (raw_value, province_value, year_value) with IS NOT DISTINCT FROM and quarantines rows with a
    problem. Problems read exactly as RegionIndex.resolve's messages.
    """
    if register:
        register_region_tables(con, index)
    province = f'"{province_column}"' if province_column else "cast(null as varchar)"
    year = f'"{year_column}"' if year_column else "cast(null as varchar)"
    # a temp table name that is a plain identifier whatever the column is called (地区, 床位数(张))
    out = "_resolved_" + re.sub(r"[^A-Za-z0-9_]", "_", value_column) + "_" + hashlib.sha1(
        value_column.encode()).hexdigest()[:8]
    folded = fold_sql("raw_value")
    folded_province = fold_sql("province_value")
    con.execute(f"""
        create or replace temp table {out} as
        with v as (
            select distinct "{value_column}" as raw_value, {province} as province_value, {year} as year_value
            from {relation} where "{value_column}" is not null and trim("{value_column}") <> ''
        ),
        k0 as (
            select raw_value, province_value, year_value,
                   regexp_replace({folded}, '^(\\d+)\\.0$', '\\1') as s,
                   case when province_value is not null and trim(province_value) <> ''
                        then regexp_replace({folded_province}, '^(\\d+)\\.0$', '\\1') end as ps,
                   try_cast(regexp_extract({fold_sql("year_value")}, '^(\\d{{4}})', 1) as integer) as yr
            from v
        ),
        k as (
            select *, {match_key_sql("s")} as key, {match_key_sql("ps")} as pkey,
                   regexp_matches(s, '^\\d+$') as is_digits, regexp_matches(s, '^\\d{{6}}$') as is_code
            from k0
        ),
        -- the province column: a 2- or 6-digit code, or any name or spelling of a province-level region
        prov_candidates as (
            select k.ps, c.code as pcode, c.name_zh as pname,
                   rank() over (partition by k.ps order by n.tier is not null, n.tier <> {TIER_ALIAS}, n.tier) as rnk
            from (select distinct ps, pkey from k where ps is not null) k
            left join _region_keys n on n.key = k.pkey
            join _region_codes c on c.code like '__0000' and c.lvl = '省级'
             and (c.province_code = case when regexp_matches(k.ps, '^\\d{{2}}(\\d{{4}})?$') then substr(k.ps, 1, 2) end
                  or c.code = n.code)
        ),
        prov as (
            select ps, count(distinct pcode) as n_prov, substr(min(pcode), 1, 2) as prov_code,
                   string_agg(distinct pcode || ' ' || pname, ', ' order by pcode || ' ' || pname) as prov_list
            from prov_candidates where rnk = 1 group by ps
        ),
        cand as (
            select k.raw_value, k.province_value, k.year_value, n.code, n.tier, n.level_rank,
                   case when k.yr is null then n.valid_until is null
                        else coalesce(n.valid_from <= k.yr, true) and coalesce(k.yr < n.valid_until, true) end as live,
                   p.prov_code is null or substr(n.code, 1, 2) = p.prov_code as in_province
            from k join _region_keys n on n.key = k.key
            left join prov p on p.ps = k.ps
            where not k.is_digits
        ),
        ranked as (
            select *, rank() over (partition by raw_value, province_value, year_value
                                   order by tier <> {TIER_ALIAS}, not live, level_rank, tier) as rnk
            from cand where in_province
        ),
        best as (
            select r.raw_value, r.province_value, r.year_value, count(distinct r.code) as n_codes,
                   min(r.code) as only_code, string_agg(distinct r.code, ', ' order by r.code) as codes,
                   string_agg(distinct r.code || ' ' || c.name_zh || ' (' || c.province_name_zh || ')', ', '
                              order by r.code || ' ' || c.name_zh || ' (' || c.province_name_zh || ')') as described
            from ranked r join _region_codes c using (code)
            where r.rnk = 1 group by all
        ),
        anywhere as (  -- every match ignoring the province column, to say where the name is
            select a.raw_value, a.province_value, a.year_value, count(distinct a.code) as n_any,
                   string_agg(distinct a.code || ' ' || c.name_zh || ' (' || c.province_name_zh || ')', ', '
                              order by a.code || ' ' || c.name_zh || ' (' || c.province_name_zh || ')') as described_any
            from (select *, rank() over (partition by raw_value, province_value, year_value
                                         order by tier <> {TIER_ALIAS}, not live, level_rank, tier) as rnk
                  from cand) a
            join _region_codes c using (code) where a.rnk = 1 group by all
        ),
        chosen as (
            select k.*, p.n_prov, p.prov_code, p.prov_list, b.n_codes, b.codes, b.described, a.n_any, a.described_any,
                   case when k.is_code then k.s when b.n_codes = 1 then b.only_code end as code
            from k
            left join prov p on p.ps = k.ps
            left join best b on b.raw_value = k.raw_value and b.province_value is not distinct from k.province_value
                 and b.year_value is not distinct from k.year_value
            left join anywhere a on a.raw_value = k.raw_value and a.province_value is not distinct from k.province_value
                 and a.year_value is not distinct from k.year_value
        ),
        decided as (
            select ch.*, c.code as known_code, c.name_zh, c.province_name_zh, c.abolished_in, c.n_successors,
                   c.only_successor, c.successors_text,
                   ch.yr is not null and c.abolished_in is not null and ch.yr >= c.abolished_in as is_abolished,
                   pr.name_zh as prov_name
            from chosen ch
            left join _region_codes c on c.code = ch.code
            left join _region_codes pr on pr.code = ch.prov_code || '0000'
        )
        select raw_value, province_value, year_value,
            case when region_problem is null then final_code end as region_code,
            region_problem
        from (
            select *,
                case when is_abolished then only_successor else known_code end as final_code,
                case
                    when ps is not null and n_prov is null
                        then 'unknown province ''' || ps || ''' (give a province code, Chinese name or pinyin)'
                    when ps is not null and n_prov > 1
                        then 'ambiguous province ''' || ps || ''' matches ' || n_prov || ' provinces (' || prov_list || ')'
                    when is_digits and not is_code then 'a region code has 6 digits'
                    when is_code and known_code is null
                        then 'unknown region code ' || s || ' (not in GB/T 2260 1981-2024 nor the NBS list)'
                    when not is_digits and n_any is null then 'unknown region name ''' || s || ''''
                    when not is_digits and n_codes is null
                        then 'region name ''' || s || ''' is not in province ' || prov_code || '0000 ' || prov_name
                             || ': it matches ' || described_any
                    when not is_digits and n_codes > 1
                        then 'ambiguous region name ''' || s || ''' matches ' || n_codes || ' codes (' || codes || '): '
                             || described || '; a province column or the 6-digit code tells them apart'
                    when is_code and prov_code is not null and substr(known_code, 1, 2) <> prov_code
                         and coalesce(substr(only_successor, 1, 2) <> prov_code, true)
                        then 'region code ' || known_code || ' ' || name_zh || ' is in ' || province_name_zh
                             || ', not in province ' || prov_code || '0000 ' || prov_name
                    when is_abolished and only_successor is null
                        then 'region code ' || known_code || ' ' || name_zh || ' was abolished in ' || abolished_in
                             || ' and GB/T 2260 names no single successor ('
                             || coalesce('its area went to ' || successors_text, 'no successor listed')
                             || '); a row for ' || yr || ' needs a code in use in ' || yr
                end as region_problem
            from decided
        )
    """)
    return out
