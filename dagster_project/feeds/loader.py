"""Load one feed's files into DuckDB: raw rows with lineage, quarantine, archive, revisions.

Tables (schema raw):
  raw.<feed>        every row ever loaded, typed, with _load_id, _source_file, _file_sha256,
                    _row_number, _loaded_at and _superseded_by_load_id (NULL = current value)
  raw._loads        one row per file: hash, status (loaded / rejected / conflict), counts, message
  raw._quarantine   one row per problem: file, row, column, value, reason, the raw record
  raw._conflicts    one row per key two files of the same run both carry, until settled

Set-based: a file is read once into a DuckDB table of text (reader.stage_file); the notation
rules (normalize_sql), region resolution (regions.resolve_regions, over distinct values), duplicate
keys and quarantine run as SQL over the whole file. Quarantine is one INSERT, the canonical rows
one INSERT ... SELECT, a revision one UPDATE.

A file whose SHA-256 was already loaded for the feed adds nothing. A file that covers keys
loaded before (a revision) supersedes those rows; the old rows stay with their load id.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.feeds.config import ColumnSpec, FeedConfig
from dagster_project.feeds.normalize import MISSING_MARKERS, fold
from dagster_project.feeds.normalize_sql import (
    WHITESPACE, date_sql, datetime_sql, in_list, missing_sql, number_sql, year_sql,
)
from dagster_project.feeds.reader import FileFacts, FileRejected, StagedFile, file_facts, stage_file
from dagster_project.feeds.regions import RegionIndex, load_region_index, resolve_regions
from dagster_project.feeds.sql_text import fold_sql, sql_literal

SQL_TYPES = {
    "string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "year": "INTEGER",
    "date": "DATE", "datetime": "TIMESTAMP", "region": "VARCHAR",
}
LINEAGE_COLUMNS = {
    "_load_id": "VARCHAR", "_source_file": "VARCHAR", "_file_sha256": "VARCHAR",
    "_row_number": "INTEGER", "_loaded_at": "TIMESTAMP", "_superseded_by_load_id": "VARCHAR",
}
# Problems listed in FileOutcome.problems (the asset shows the first 50); all are in raw._quarantine.
MAX_PROBLEMS_LISTED = 1000

DDL = """
create schema if not exists raw;
create table if not exists raw._loads (
    load_id varchar primary key, feed varchar, source_file varchar, source_path varchar,
    archived_path varchar, file_sha256 varchar, file_bytes bigint, loaded_at timestamp,
    status varchar, rows_loaded integer, rows_quarantined integer, rows_superseded integer,
    message varchar
);
alter table raw._loads add column if not exists values_quarantined integer;
alter table raw._loads add column if not exists region_version varchar;
create table if not exists raw._quarantine (
    load_id varchar, feed varchar, source_file varchar, file_sha256 varchar,
    row_number integer, column_name varchar, source_column varchar, raw_value varchar,
    reason varchar, raw_record varchar, quarantined_at timestamp
);
alter table raw._quarantine add column if not exists resolved_by_load_id varchar;
alter table raw._quarantine add column if not exists resolved_at timestamp;
create table if not exists raw._conflicts (
    feed varchar, key_text varchar, source_file varchar, file_sha256 varchar, load_id varchar,
    other_file varchar, other_sha256 varchar, detected_at timestamp,
    settled_by_load_id varchar, settled_how varchar
);
"""
QUARANTINE_COLUMNS = ("load_id, feed, source_file, file_sha256, row_number, column_name, source_column, raw_value, "
                      "reason, raw_record, quarantined_at")
LOADS_COLUMNS = ("load_id, feed, source_file, source_path, archived_path, file_sha256, file_bytes, loaded_at, "
                 "status, rows_loaded, rows_quarantined, rows_superseded, message, values_quarantined, region_version")


@dataclass
class FileOutcome:
    file_name: str
    status: str  # loaded | duplicate | rejected | conflict
    sha256: str
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    message: str = ""
    problems: list[str] = field(default_factory=list)
    # Single values set to NULL in rows that did load (a bad measure value).
    values_quarantined: int = 0


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---- units -------------------------------------------------------------------------------

def _unit_key(unit: str) -> str:
    import unicodedata
    return unicodedata.normalize("NFKC", unit).replace(" ", "")


@lru_cache(maxsize=4)
def _unit_table(path: Path, _mtime: int) -> dict[tuple[str, str], Decimal]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {(_unit_key(r["unit"]), _unit_key(r["canonical"])): Decimal(r["factor"]) for r in csv.DictReader(fh)}


def unit_factor(published: str | None, canonical: str | None, file_name: str) -> Decimal:
    """How many canonical units one published unit is worth (sources/reference/units.csv)."""
    if not published or not canonical or _unit_key(published) == _unit_key(canonical):
        return Decimal(1)
    path = settings.reference_dir() / "units.csv"
    if not path.exists():
        path = settings.PROJECT_ROOT / "sources" / "reference" / "units.csv"
    table = _unit_table(path, path.stat().st_mtime_ns)
    factor = table.get((_unit_key(published), _unit_key(canonical)))
    if factor is None:
        raise FileRejected(f"{file_name}: no conversion from '{published}' to '{canonical}' in "
                           f"sources/reference/units.csv (add a row: unit, canonical, factor)")
    return factor


# ---- header mapping (file level) ---------------------------------------------------------

@dataclass
class Mapped:
    col: ColumnSpec
    raw_sql: str            # SQL expression of the raw text over the staged table
    label: str | None       # the publisher header(s), shown as source_column
    factor: Decimal         # published unit -> canonical unit, times the column multiplier
    composed: bool = False
    parts: list[str] = field(default_factory=list)  # staged columns of a composed value


def map_columns(header: list[str], cfg: FeedConfig, file_name: str) -> dict[str, Mapped]:
    """Canonical column -> where its raw text comes from. File-level errors for missing/unexpected columns."""
    named = [h for h in header if h]
    repeated = sorted({h for h in named if named.count(h) > 1})
    if repeated:
        raise FileRejected(f"{file_name}: column header(s) {repeated} appear more than once; "
                           "which one holds the values is ambiguous")
    pos = {h: f"c{i + 1}" for i, h in enumerate(header) if h}
    mapping: dict[str, Mapped] = {}
    used: set[str] = set()
    for col in cfg.columns:
        multiplier = Decimal(str(col.multiplier))
        chosen = next((s for s in col.source if s.header in pos and all(h in pos for h in s.when_file_has)), None)
        if chosen is not None:
            factor = unit_factor(chosen.unit, col.unit, file_name) * multiplier
            mapping[col.name] = Mapped(col, pos[chosen.header], chosen.header, factor)
            used.add(chosen.header)
            continue
        if col.compose and all(h in pos for h in col.compose.from_):
            parts = [pos[h] for h in col.compose.from_]
            trimmed = [f"trim({p}, {sql_literal(WHITESPACE)})" for p in parts]
            if col.compose.format == "date":
                text = " || '-' || ".join(trimmed)
            elif col.compose.format == "datetime" and len(parts) == 2:
                text = f"{trimmed[0]} || ' ' || {trimmed[1]}"
            elif col.compose.format == "datetime":
                text = " || '-' || ".join(trimmed[:3]) + f" || ' ' || {trimmed[3]}"
            else:
                text = f" || {sql_literal(col.compose.sep)} || ".join(trimmed)
            any_missing = " or ".join(_missing_fast(p, cfg) for p in parts)
            plain = " and ".join(f"regexp_matches({p}, '^[0-9]{{1,8}}$')" for p in parts)
            plain_text = {"date": " || '-' || ".join(parts), "concat": f" || {sql_literal(col.compose.sep)} || ".join(parts)}
            fast = plain_text.get(col.compose.format, text)
            mapping[col.name] = Mapped(col, f"(case when {plain} then {fast} when {any_missing} then null else {text} end)",
                                       "+".join(col.compose.from_), multiplier, composed=True, parts=parts)
            used.update(col.compose.from_)
            continue
        if col.required or col.name in cfg.grain:
            raise FileRejected(
                f"{file_name}: missing required column '{col.name}' "
                f"(expected one of {[s.header for s in col.source]}"
                + (f" or the columns {list(col.compose.from_)}" if col.compose else "")
                + f"; the file has {named})")
    unexpected = [h for h in header if h and h not in used and h not in cfg.ignore_columns]
    if unexpected:
        raise FileRejected(
            f"{file_name}: unexpected column(s) {unexpected}: declare them under 'columns' or "
            f"'ignore_columns' in {cfg.name}.yml")
    return mapping


# ---- mojibake: UTF-8 bytes read as GBK ----------------------------------------------------

@lru_cache(maxsize=1)
def _mojibake_pattern() -> str:
    """Characters GBK makes of UTF-8 Chinese: each UTF-8 ideograph (3 bytes E4-E9 80-BF 80-BF) read
    as GBK pairs; two ideographs = three GBK characters of the classes A B C below."""
    def chars(leads, trails):
        out = []
        for lead in leads:
            for trail in trails:
                try:
                    out.append(bytes([lead, trail]).decode("gbk"))
                except UnicodeDecodeError:
                    pass
        return "".join(sorted(set(out)))
    cont = range(0x80, 0xC0)
    a, b, c = chars(range(0xE4, 0xEA), cont), chars(cont, range(0xE4, 0xEA)), chars(cont, cont)
    return f"[{a}][{b}][{c}]"


def _mojibake_hint(text: str) -> str:
    try:
        return text.encode("gb18030").decode("utf-8")
    except UnicodeError:
        return "?"


# ---- typing the whole file in SQL ---------------------------------------------------------

def _rules_sql(m: Mapped, cfg: FeedConfig, r: str, f: str | None = None) -> tuple[str, str, str, str]:
    """(fast_ok, fast value, value, problem) SQL of one canonical column for raw text `r` (R1-folded: `f`).

    `fast_ok`/`fast` take a plain number straight (most cells of a large file); the full rules
    (`value`, `problem`) run over the distinct other values only (see prepare_file)."""
    col = m.col
    f = f or fold_sql(r)
    missing = missing_sql(r, f, cfg.missing_values)
    required = col.required or col.name in cfg.grain
    missing_problem = "'missing value in a required column'" if required else "null"
    if col.type in ("integer", "number"):
        fast_ok, fast, slow, problem = number_sql(r, f, col.unit, m.factor, col.type == "integer")
    elif col.type == "year":
        fast_ok, fast = f"regexp_matches({r}, '^(19[5-9][0-9]|20[0-9][0-9]|2100)$')", f"cast({r} as integer)"
        slow, problem = year_sql(f)
    elif col.type == "date":  # 2020-01-05 or 2020-1-5 as DuckDB reads it (R9 gives the same date)
        fast_ok = (f"(regexp_matches({r}, '^[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}$') and not starts_with({r}, '0000') "
                   f"and try_cast({r} as DATE) is not null)")
        fast = f"cast({r} as DATE)"
        slow, problem = date_sql(f)
    else:  # datetime
        fast_ok, fast = "false", "null"
        slow, problem = datetime_sql(r)
    value = f"case when {missing} then null when ({problem}) is null then {slow} end"
    problem = f"case when {missing} then {missing_problem} else {problem} end"
    return fast_ok, fast, value, problem


def rules_expr(m: Mapped, cfg: FeedConfig, r: str) -> tuple[str, str]:
    """(value, problem) of one non-region column in one expression: what prepare_file computes with
    its fast path plus a lookup of distinct values (used by the property tests)."""
    if m.col.type == "string":
        missing = _missing_fast(r, cfg)
        problem = "'missing value in a required column'" if (m.col.required or m.col.name in cfg.grain) else "null"
        return (f"case when {missing} then null else trim({r}, {sql_literal(WHITESPACE)}) end",
                f"case when {missing} then {problem} end")
    fast_ok, fast, value, problem = _rules_sql(m, cfg, r)
    missing_problem = "'missing value in a required column'" if (m.col.required or m.col.name in cfg.grain) else "null"
    return (f"case when {fast_ok} then {fast} when {r} is null then null else {value} end",
            f"case when {fast_ok} then null when {r} is null then {missing_problem} else {problem} end")


def _missing_fast(r: str, cfg: FeedConfig) -> str:
    """R6 with a shortcut: a value of digits only is never missing."""
    return f"(case when regexp_matches({r}, '^[0-9.]+$') then false else {missing_sql(r, fold_sql(r), cfg.missing_values)} end)"


@dataclass
class Prepared:
    """A file read and typed in SQL, not yet written. Nothing typed is materialised: the values are
    expressions over the view _v<n> (the staged text) and small lookups, evaluated once by the INSERT
    into raw.<feed>; only the rows with a problem are kept, in the temp table _b<n>."""
    path: Path
    sha: str
    load_id: str
    archived: Path
    staged: StagedFile
    mapping: dict[str, Mapped]
    view: str
    joins: dict[str, str]          # canonical column -> its lookup join (or "")
    values: dict[str, str]         # canonical column -> value SQL over `view v` + joins
    # (column_name, source_column, problem SQL, row-level?, raw value SQL); the problem is NULL when fine
    problem_cols: list[tuple[str, str | None, str, bool, str]]
    bad: str = ""                  # _b<n>: _row_number, p_<i> per problem_cols entry, _row_bad
    region_version: str | None = None  # RegionIndex.version the region columns were resolved with
    n_bad: int = 0                 # rows in `bad`

    @property
    def row_bad_sql(self) -> str:
        return " or ".join(f"({p}) is not null" for _, _, p, row_level, _ in self.problem_cols if row_level) or "false"

    @property
    def from_sql(self) -> str:
        return f"{self.view} v " + " ".join(j for j in self.joins.values() if j)


def _json_record(header: list[str]) -> str:
    keys = [h or f"column_{i + 1}" for i, h in enumerate(header)]
    return "json_object(" + ", ".join(f"{sql_literal(k)}, s.c{i + 1}" for i, k in enumerate(keys)) + ")::varchar"


# Exceptions (distinct values a plain cast does not take) written into the statement as a CASE up
# to this many per column; more are joined from the lookup table.
INLINE_EXCEPTIONS = 16
_NOT_PLAIN_TEXT = "[\\s\\pZ\\x{FEFF}\\x{FF01}-\\x{FF5E}\\x{3000}]"


def _plain_sql(m: Mapped, cfg: FeedConfig, gb: bool) -> tuple[str, str]:
    """(plain, fast): `plain` over a distinct raw value `raw` says the per-cell `fast` expression
    (over `raw` too) gives exactly the value the rules give, with no problem."""
    if m.col.type == "string":
        markers = set(MISSING_MARKERS) | set(cfg.missing_values)
        plain = (f"not regexp_matches(raw, '{_NOT_PLAIN_TEXT}') and raw not in "
                 f"{in_list(markers | {fold(x) for x in markers})}")
        if gb:
            plain += f" and not regexp_matches(raw, {sql_literal(_mojibake_pattern())})"
        return plain, "raw"
    fast_ok, fast, _, _ = _rules_sql(m, cfg, "raw", "f")
    return fast_ok, fast


def prepare_file(con, cfg: FeedConfig, path: Path, sha: str, load_id: str, archived: Path, n: int,
                 regions: RegionIndex, tmp_dir: Path, facts: FileFacts | None = None) -> Prepared:
    """Read the file into DuckDB and type every column in SQL (raises FileRejected for file-level problems).

    Typing is set-based over distinct values: a value a plain cast takes (most cells of a large
    file) is cast in place; every other distinct value goes once through the rules (R1-R9) into a
    lookup, written into the statement when there are few, joined when there are many."""
    staged = stage_file(con, path, cfg, f"_s{n}", tmp_dir, facts=facts)
    mapping = map_columns(staged.header, cfg, path.name)
    src = staged.relation
    view = f"_v{n}"
    raw_cols = ", ".join(f'{m.raw_sql} as "r_{name}"' for name, m in mapping.items())
    con.execute(f"create or replace temp view {view} as select s.*, {raw_cols} from {src} s")

    year_col = next((name for name, m in mapping.items() if m.col.type == "year"), None)
    key_cols = {c.name for c in cfg.columns if c.required or c.name in cfg.grain}
    gb = staged.encoding in ("gbk", "gb18030")
    moji_reason = (f"text looks like UTF-8 read as {(staged.encoding or '').upper()} (mojibake): the file mixes "
                   "encodings; re-save it in one encoding")
    # Pass 1: every column's distinct values; those a plain cast does not take go through the rules
    # once, all columns in one lookup table _lk<n>(col, raw, value, problem).
    plain: dict[str, tuple[str, str]] = {}
    distinct_sql, plain_whens, value_whens, problem_whens = [], [], {}, {}
    for name, m in mapping.items():
        if m.col.type == "region":
            continue
        missing_problem = "'missing value in a required column'" if name in key_cols else "null"
        plain[name] = _plain_sql(m, cfg, gb)
        if m.col.type == "string":
            missing = missing_sql("raw", "f", cfg.missing_values)
            slow_value = f"case when {missing} then null else trim(raw, {sql_literal(WHITESPACE)}) end"
            slow_problem = f"case when {missing} then {missing_problem} end"
            if gb:
                moji = f"regexp_matches(raw, {sql_literal(_mojibake_pattern())})"
                slow_value = f"case when {moji} then null else {slow_value} end"
                slow_problem = f"case when {moji} then {sql_literal(moji_reason)} else {slow_problem} end"
        else:
            _, _, slow_value, slow_problem = _rules_sql(m, cfg, "raw", "f")
        distinct_sql.append(f'select distinct {sql_literal(name)} as col, "r_{name}" as raw from {view} '
                            f'where "r_{name}" is not null')
        plain_whens.append(f"when {sql_literal(name)} then {plain[name][0]}")
        value_whens[name] = f"when {sql_literal(name)} then cast({slow_value} as varchar)"
        problem_whens[name] = f"when {sql_literal(name)} then {slow_problem}"
    lookup = f"_lk{n}"
    counts: dict[str, int] = {}
    inline: dict[str, list[tuple]] = {}
    if distinct_sql:
        # Two statements: a filter on the distinct values would be pushed below DISTINCT, to every cell.
        con.execute(f"create or replace temp table {lookup}_a as {' union all '.join(distinct_sql)}")
        con.execute(f"""
            create or replace temp table {lookup}_d as
            select col, raw from {lookup}_a where not coalesce(case col {' '.join(plain_whens)} end, false)""")
        counts = dict(con.execute(f"select col, count(*) from {lookup}_d group by col").fetchall())
    if counts:
        # Missing markers (the usual exception) need no rules; the full rules (a long statement)
        # are planned only for the columns that have other values.
        folded = fold_sql("raw")
        required = [c for c in counts if c in key_cols]
        con.execute(f"""
            create or replace temp table {lookup}_m as
            select col, raw, {folded} as f, {missing_sql('raw', folded, cfg.missing_values)} as m from {lookup}_d""")
        needs = [r[0] for r in con.execute(f"select distinct col from {lookup}_m where not m").fetchall()]
        rules = (f"select col, raw, case col {' '.join(value_whens[c] for c in needs)} end, "
                 f"case col {' '.join(problem_whens[c] for c in needs)} end from {lookup}_m where not m"
                 if needs else "")
        con.execute(f"""
            create or replace temp table {lookup} as
            select col, raw, null::varchar as value,
                   case when list_contains(?, col) then 'missing value in a required column' end as problem
            from {lookup}_m where m {('union all ' + rules) if rules else ''}""", [required])
        small = [c for c, k in counts.items() if k <= INLINE_EXCEPTIONS]
        for col, raw, value, problem in con.execute(
                f"select col, raw, value, problem from {lookup} where list_contains(?, col) order by col, raw",
                [small]).fetchall():
            inline.setdefault(col, []).append((raw, value, problem))

    # Pass 2: each column's value and problem as expressions over the view (and its lookup).
    joins: dict[str, str] = {}
    values: dict[str, str] = {}
    problem_cols: list[tuple[str, str | None, str, bool, str]] = []
    for name, m in mapping.items():
        r = f'v."r_{name}"'
        required = name in key_cols
        missing_problem = "'missing value in a required column'" if required else None
        if m.col.type == "region":
            province = m.col.province_column if m.col.province_column in mapping else None
            table = resolve_regions(con, regions, view, f"r_{name}",
                                    province_column=f"r_{province}" if province else None,
                                    year_column=f"r_{year_col}" if year_col else None)
            if gb:  # over distinct values: text that is UTF-8 read as GB is never resolved
                con.execute(f"update {table} set region_code = null, region_problem = ? "
                            f"where regexp_matches(raw_value, {sql_literal(_mojibake_pattern())})", [moji_reason])
            alias = f"_reg_{name}"
            prov = f'v."r_{province}"' if province else "null"
            yr = f'v."r_{year_col}"' if year_col else "null"
            joins[name] = (f"left join {table} {alias} on {alias}.raw_value = {r} "
                           f"and {alias}.province_value is not distinct from {prov} "
                           f"and {alias}.year_value is not distinct from {yr}")
            missing = _missing_fast(r, cfg)
            value = f"case when {missing} then null else {alias}.region_code end"
            problem = (f"case when {missing} then {missing_problem or 'null'} "
                       f"when {alias}.region_code is null then {alias}.region_problem end")
        else:
            typ = SQL_TYPES[m.col.type]
            fast = plain[name][1].replace("raw", r)
            joins[name] = ""
            if not counts.get(name):  # every value plain
                value = fast
                problem = f"case when {r} is null then {missing_problem} end" if missing_problem else None
            elif name in inline:  # few other values: written into the statement
                whens_v = " ".join(f"when {sql_literal(a)} then " + (f"cast({sql_literal(b)} as {typ})" if b is not None
                                                                     else f"null::{typ}") for a, b, _ in inline[name])
                value = f"case {r} {whens_v} else {fast} end"
                whens_p = ([f"when {r} is null then {missing_problem}"] if missing_problem else []) + [
                    f"when {r} = {sql_literal(a)} then {sql_literal(c)}" for a, _, c in inline[name] if c is not None]
                problem = f"case {' '.join(whens_p)} end" if whens_p else None
            else:
                alias = f"_lk_{name}"
                joins[name] = (f"left join (select raw, value, problem from {lookup} where col = {sql_literal(name)}) "
                               f"{alias} on {alias}.raw = {r}")
                value = f"case when {alias}.raw is null then {fast} else cast({alias}.value as {typ}) end"
                problem = f"case when {r} is null then {missing_problem or 'null'} else {alias}.problem end"
        values[name] = value
        if problem is not None:
            problem_cols.append((name, m.label, problem, required, r))
    # A value under an empty header cell would otherwise be dropped without a trace.
    for i, h in enumerate(staged.header):
        if not h:
            c = f"v.c{i + 1}"
            problem_cols.append((f"column_{i + 1}", None, f"case when not {missing_sql(c, fold_sql(c))} then "
                                 "'value in a column without a header' end", True, c))
    # A last line without a newline whose last value is shaped unlike the rest of its column: cut off.
    if not staged.ends_with_newline and staged.last_row_number and len(staged.header) > 0:
        width, last = len(staged.header), staged.last_row_number
        shape = "regexp_replace(regexp_replace({c}, '[0-9]', '9', 'g'), '[^9.,%-]+', 'x', 'g')"
        cut = con.execute(f"""
            select {shape.format(c=f'c{width}')} not in (
                       select distinct {shape.format(c=f'c{width}')} from {src} where _row_number <> {last}
                       and c{width} is not null)
                   and exists (select 1 from {src} where _row_number <> {last})
            from {src} where _row_number = {last}""").fetchone()
        if cut and cut[0]:
            last_name = staged.header[-1] or f"column_{width}"
            last_canon = next((k for k, m in mapping.items() if m.label == last_name), last_name)
            problem_cols.append((last_canon, last_name,
                                 f"case when v._row_number = {last} then 'the last line has no newline and its last "
                                 f"value ' || coalesce(chr(39) || v.c{width} || chr(39), 'NULL') || ' is shaped unlike "
                                 f"the rest of its column: the file may be cut off' end", True, f"v.c{width}"))
    p = Prepared(path, sha, load_id, archived, staged, mapping, view, joins, values, problem_cols,
                 region_version=regions.version if any(m.col.type == "region" for m in mapping.values()) else None)
    # The rows with a problem (few): one pass over the file. Blank rows are not data rows.
    p.bad = f"_b{n}"
    blank = " and ".join(f"(v.c{i + 1} is null or trim(v.c{i + 1}) = '')" for i in range(len(staged.header))) or "false"
    pcols = [f'{pc} as "p_{i}"' for i, (_, _, pc, _, _) in enumerate(problem_cols)]
    any_bad = " or ".join(f'"p_{i}" is not null' for i in range(len(problem_cols))) or "false"
    row_bad = " or ".join(f'"p_{i}" is not null' for i, pc in enumerate(problem_cols) if pc[3]) or "false"
    con.execute(f"""
        create or replace temp table {p.bad} as
        select *, ({row_bad}) as _row_bad from (
            select v._row_number, {', '.join(pcols + [f'({blank}) as _blank'])} from {p.from_sql})
        where ({any_bad}) and not _blank""")
    p.n_bad = con.execute(f"select count(*) from {p.bad}").fetchone()[0]
    return p


def check_units(con, cfg: FeedConfig, p: Prepared) -> None:
    """A % column whose values are all <= 1 holds ratios; a ‰ column whose values are all <= 1 holds %."""
    probable = {"%": "ratio (a fraction of 1)", "‰": "% (per hundred)"}
    for name, m in p.mapping.items():
        if m.col.unit not in probable or m.col.type != "number":
            continue
        value = p.values[name]
        n, top = con.execute(
            f'select count(*), max(abs(x)) from (select {value} as x, v."r_{name}" as r from {p.view} v '
            f'{p.joins.get(name, "")}) where x is not null and not regexp_matches(r, \'[%‰％]\')').fetchone()
        if n and top is not None and 0 < top <= 1:
            raise FileRejected(
                f"{p.path.name}: column '{m.label}' is declared in {m.col.unit} but all {n} values are <= 1 "
                f"(largest {top:g}): they look like {probable[m.col.unit]}; fix the file or declare the unit")


def _min_max(grain: list[str]) -> str:
    return ", ".join(f'min("v_{g}"), max("v_{g}")' for g in grain)


def _key_text_sql(cfg: FeedConfig, prefix: str = "") -> str:
    return " || ', ' || ".join(f"'{g}=' || cast(\"{prefix}{g}\" as varchar)" for g in cfg.grain)


def _mine(cfg: FeedConfig, load_id: str, loaded_at: dt.datetime) -> str:
    """This load's rows in raw.<feed>, with the grain as v_<column>. The load time (unique per load)
    lets DuckDB skip every other load's row groups by their min/max; a load id cannot (string
    statistics keep only a prefix, the same for every load of a feed)."""
    return (f"(select {', '.join(f'{chr(34)}{g}{chr(34)} as {chr(34)}v_{g}{chr(34)}' for g in cfg.grain)}, _row_number "
            f"from raw.{cfg.table} where _loaded_at = {sql_literal(loaded_at.isoformat(sep=' '))}::timestamp "
            f"and _load_id = {sql_literal(load_id)})")


def write_file(con, cfg: FeedConfig, p: Prepared, now: dt.datetime, run_loads: dict[str, FileOutcome] | None = None,
               settle: tuple[str, str] | None = None) -> FileOutcome:
    """Canonical rows (one INSERT ... SELECT, typed as they are read), quarantine (one INSERT),
    supersede (one UPDATE), one load row; all in one transaction.

    run_loads: load id -> outcome of the files this run wrote before: a key one of them carries too
    is a conflict (both rows quarantined, both files "conflict"); only this file is held in memory.
    settle: (temp table of key_text, the withdrawn files): load only those keys of a file loaded
    before with a conflict, now that the other file is gone (its problems are already recorded)."""
    name, sha, load_id = p.path.name, p.sha, p.load_id
    grain = cfg.grain
    mine = _mine(cfg, load_id, now)
    g_cols = ", ".join(f'"v_{g}"' for g in grain)
    g_match = lambda a, b: " and ".join(f'{a}."v_{g}" = {b}."v_{g}"' for g in grain)  # noqa: E731
    cols = [c.name for c in cfg.columns if c.name in p.mapping]
    constants = constant_sql(cfg)
    con.execute("begin transaction")
    try:
        where = f"not ({p.row_bad_sql})"
        if settle:
            key_text = " || ', ' || ".join(f"'{g}=' || cast(({p.values[g]}) as varchar)" for g in grain)
            where += f" and {key_text} in (select key_text from {settle[0]})"
        # Row order in raw.<feed> carries no meaning (each row has its _row_number): let DuckDB
        # write in parallel. Staging keeps the order (rowid is the record number there).
        con.execute("set preserve_insertion_order = false")
        inserted = con.execute(
            f"insert into raw.{cfg.table} ({', '.join(chr(34) + c + chr(34) for c in cols + list(constants))}, "
            f"_load_id, _source_file, _file_sha256, _row_number, _loaded_at, _superseded_by_load_id) "
            f"select {', '.join([p.values[c] for c in cols] + list(constants.values()))}, ?, ?, ?, v._row_number, ?, null "
            f"from {p.from_sql} where {where}", [load_id, name, sha, now]).fetchone()[0]
        con.execute("reset preserve_insertion_order")
        # Duplicate keys: first by a hash of the key (one number per row, cheap to group), then exactly.
        con.execute(f"""
            create or replace temp table _dups as
            select {g_cols}, {_key_text_sql(cfg, 'v_')} as _key_text, rows from (
                select {g_cols}, list(_row_number order by _row_number) as rows from {mine}
                where hash({g_cols}) in (
                    select h from (select hash({g_cols}) as h from {mine}) group by h having count(*) > 1)
                group by all having count(*) > 1)""")
        con.execute("create or replace temp table _excl as select unnest(rows) as _row_number from _dups")
        conflicts = _run_conflicts(con, cfg, mine, run_loads or {})
        conflict_sql = ""
        if conflicts:
            con.execute(f"insert into _excl select o._row_number from {mine} o join {conflicts} c on {g_match('o', 'c')}")
            conflict_sql = f"""
                union all
                select o._row_number, '{','.join(grain)}', null, c.key_text,
                       'key (' || c.key_text || ') is also in ' || c.other_files || ' of the same run: neither value '
                       || 'becomes current until one file is withdrawn or a later file revises the key'
                from {mine} o join {conflicts} c on {g_match('o', 'c')}"""
        n_dups = con.execute("select count(*) from _dups").fetchone()[0]
        quarantined = bool(p.n_bad or n_dups or conflicts or p.staged.bad_rows) and not settle
        con.execute("create or replace temp table _bad_rows (row_number integer, reason varchar, raw_record varchar)")
        if p.staged.bad_rows:
            keys = [h or f"column_{i + 1}" for i, h in enumerate(p.staged.header)]
            con.executemany("insert into _bad_rows values (?, ?, ?)", [
                [b.row_number, b.reason, json.dumps({k: (b.values[i] if i < len(b.values) else None)
                                                     for i, k in enumerate(keys)}, ensure_ascii=False)]
                for b in p.staged.bad_rows])
        problems = _problems_select(p) if p.n_bad else None
        problems_sql = f"{problems}\n                union all" if problems else ""
        if quarantined:
            con.execute(f"""
                insert into raw._quarantine ({QUARANTINE_COLUMNS})
                select ?, ?, ?, ?, q.row_number, q.column_name, q.source_column, q.raw_value, q.reason,
                       {_json_record(p.staged.header)}, ?
                from (
                    {problems_sql}
                    select d.row_number, '{','.join(grain)}' as column_name, null as source_column,
                           d._key_text as raw_value, 'duplicate key (' || d._key_text || ') also on row(s) [' ||
                           array_to_string(list_filter(d.rows, lambda x: x <> d.row_number), ', ') || ']' as reason
                    from (select unnest(rows) as row_number, rows, _key_text from _dups) d
                    {conflict_sql}
                ) q join {p.staged.relation} s on s._row_number = q.row_number
                union all
                select ?, ?, ?, ?, row_number, '*', null, null, reason, raw_record, ? from _bad_rows
            """, [load_id, cfg.name, name, sha, now, load_id, cfg.name, name, sha, now])
        excluded = con.execute("select count(*) from _excl").fetchone()[0]
        if excluded:
            con.execute(f"delete from raw.{cfg.table} where _loaded_at = ? and _load_id = ? "
                        "and _row_number in (select _row_number from _excl)", [now, load_id])
        rows_loaded = inserted - (con.execute(f"select count(distinct _row_number) from _excl").fetchone()[0]
                                  if excluded else 0)
        keep = f"from {mine}"
        ranges = con.execute(f"select {_min_max(grain)} {keep}").fetchone()
        superseded = 0
        as_grain = ", ".join(f'"v_{g}" as "{g}"' for g in grain)
        range_sql = " ".join(f'and t."{g}" between ? and ?' for g in grain)
        # The key ranges let DuckDB skip the table's row groups the file cannot touch; when no
        # current row of another load is in them (a new month), nothing is to be superseded.
        if ranges[0] is not None and con.execute(
                f"select count(*) from (select 1 from raw.{cfg.table} t where t._superseded_by_load_id is null "
                f"and t._load_id <> ? {range_sql} limit 1)", [load_id, *ranges]).fetchone()[0]:
            superseded = con.execute(
                f"update raw.{cfg.table} t set _superseded_by_load_id = ? "
                f"from (select distinct {as_grain} {keep}) i "
                f"where t._superseded_by_load_id is null and t._load_id <> ? {range_sql} and "
                + " and ".join(f't."{g}" = i."{g}"' for g in grain), [load_id, load_id, *ranges]).fetchone()[0]
        rows_q, values_q = 0, 0
        if quarantined:
            rows_q, values_q = con.execute(
                f"select count(distinct q.row_number) filter (where k._row_number is null), "
                f"count(*) filter (where k._row_number is not null) from raw._quarantine q "
                f"left join (select _row_number {keep} where _row_number in "
                f"(select row_number from raw._quarantine where load_id = ?)) k "
                f"on k._row_number = q.row_number where q.load_id = ?", [load_id, load_id]).fetchone()
        n_conflicts, status, message = 0, "loaded", None
        if conflicts:
            con.execute(f"""
                insert into raw._conflicts
                select ?, c.key_text, ?, ?, ?, unnest(c.other_file_list), unnest(c.other_sha_list), ?, null, null
                from {conflicts} c""", [cfg.name, name, sha, load_id, now])
            n_conflicts, other, first = con.execute(
                f"select count(*), string_agg(distinct other_files, ', '), min(key_text) from {conflicts}").fetchone()
            status = "conflict"
            message = (f"{name}: {n_conflicts} key(s) also in {other} of the same run, e.g. ({first}): neither "
                       "value becomes current until one file is withdrawn or a later file revises the key")
            _unload_earlier(con, cfg, conflicts, name, sha, load_id, now, run_loads)
        if settle:
            message = (f"{name}: {rows_loaded} key(s) it shared with {settle[1]} (withdrawn) now load from this file")
            con.execute(f"""update raw._conflicts set settled_by_load_id = ?, settled_how = 'withdrawn: ' || other_file
                            where feed = ? and settled_by_load_id is null and file_sha256 = ?
                              and key_text in (select key_text from {settle[0]})""", [load_id, cfg.name, sha])
        # Keys this load covers settle earlier conflicts on them (a later revision).
        if con.execute("select count(*) from raw._conflicts where feed = ? and settled_by_load_id is null "
                       "and load_id <> ?", [cfg.name, load_id]).fetchone()[0]:
            con.execute(f"""update raw._conflicts set settled_by_load_id = ?, settled_how = 'revised by ' || ?
                            where feed = ? and settled_by_load_id is null and load_id <> ?
                              and key_text in (select {_key_text_sql(cfg, 'v_')} {keep})""",
                        [load_id, name, cfg.name, load_id])
        con.execute(f"insert into raw._loads ({LOADS_COLUMNS}) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [load_id, cfg.name, name, str(p.path), str(p.archived), sha, p.path.stat().st_size, now,
                     status, rows_loaded, rows_q, superseded, message, values_q, p.region_version])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        con.execute("reset preserve_insertion_order")
        raise
    listed = con.execute(
        "select row_number, column_name, source_column, raw_value, reason from raw._quarantine where load_id = ? "
        f"order by row_number, column_name limit {MAX_PROBLEMS_LISTED}", [load_id]).fetchall()
    problems = [f"{name} row {r} column '{src or col}' value {val!r}: {reason}" for r, col, src, val, reason in listed]
    return FileOutcome(name, status, sha, rows_loaded=rows_loaded, rows_quarantined=rows_q, rows_superseded=superseded,
                       message=message or "", problems=problems, values_quarantined=values_q)


# ---- tables, archive, the public entry points ---------------------------------------------

def constant_type(name: str, value) -> str:
    """SQL type of a declared constant column: `year` INTEGER, other whole numbers BIGINT, DOUBLE, VARCHAR."""
    if isinstance(value, bool) or isinstance(value, str):
        return "VARCHAR"
    if isinstance(value, int):
        return "INTEGER" if name == "year" else "BIGINT"
    return "DOUBLE"


def constant_sql(cfg: FeedConfig) -> dict[str, str]:
    """constant_columns as SQL literals of their column type: {'year': 'cast(2019 as INTEGER)'}."""
    return {name: f"cast({sql_literal(str(value))} as {constant_type(name, value)})"
            for name, value in cfg.constant_columns.items()}


def ensure_tables(con: duckdb.DuckDBPyConnection, cfg: FeedConfig) -> None:
    con.execute(DDL)
    cols = ({c.name: SQL_TYPES[c.type] for c in cfg.columns}
            | {n: constant_type(n, v) for n, v in cfg.constant_columns.items()} | LINEAGE_COLUMNS)
    col_sql = ", ".join(f'"{name}" {typ}' for name, typ in cols.items())
    con.execute(f"create table if not exists raw.{cfg.table} ({col_sql})")
    existing = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema='raw' and table_name=?",
        [cfg.table]).fetchall()}
    constants = constant_sql(cfg)
    for name, typ in cols.items():  # a column added to the YAML later
        if name not in existing and name in constants:
            # a constant declared later holds for the rows already loaded too
            con.execute(f'alter table raw.{cfg.table} add column "{name}" {typ} default {constants[name]}')
            con.execute(f'alter table raw.{cfg.table} alter column "{name}" drop default')
        elif name not in existing:
            con.execute(f'alter table raw.{cfg.table} add column "{name}" {typ}')




def _archive_target(path: Path, sha: str, archive_root: Path, feed: str) -> Path:
    return archive_root / feed / f"{sha[:16]}__{path.name}"


def _archive(path: Path, sha: str, archive_root: Path, feed: str) -> Path:
    """Copy to a temp name, verify the SHA-256, rename. An existing copy is trusted only if its hash matches."""
    target = _archive_target(path, sha, archive_root, feed)
    if target.exists() and sha256_of(target) == sha:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copy2(path, tmp)
        copied = sha256_of(tmp)
        if copied != sha:
            raise FileRejected(f"{path.name}: archive copy {tmp} has SHA-256 {copied[:16]}…, the file "
                               f"{sha[:16]}… (disk full or the file changed while copying); nothing loaded")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _record_rejection(con, cfg, path, sha, load_id, archived, now, message) -> None:
    # A rejected file is tried again on every run: the fix is often in the declaration
    # (a column added to the YAML), not in the file. The same rejection is recorded once.
    recorded = con.execute(
        "select 1 from raw._loads where feed=? and file_sha256=? and status='rejected' and message=? limit 1",
        [cfg.name, sha, message]).fetchone()
    if not recorded:
        con.execute(f"insert into raw._loads ({LOADS_COLUMNS}) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [load_id, cfg.name, path.name, str(path), str(archived) if archived else None, sha,
                     path.stat().st_size, now, "rejected", 0, 0, 0, message, 0, None])


def _cleanup(con, n: int) -> None:
    """Drop a file's temp tables and views (staged text, problem rows, lookups)."""
    objects = con.execute(
        "select 'view', view_name from duckdb_views() where temporary and view_name in (?, ?) union all "
        "select 'table', table_name from duckdb_tables() where temporary and (table_name in (?, ?, ?, ?) "
        "or starts_with(table_name, ?))",
        [f"_v{n}", f"_s{n}", f"_b{n}", f"_s{n}", f"_s{n}_read", f"_lk{n}", f"_lk{n}_"]).fetchall()
    if objects:
        con.execute("; ".join(f"drop {kind} if exists {name}" for kind, name in objects))


def load_files(con: duckdb.DuckDBPyConnection, cfg: FeedConfig, paths: list[Path], archive_root: Path,
               regions: RegionIndex | None = None, now: dt.datetime | None = None) -> list[FileOutcome]:
    """Load one run's files of a feed, in order. Keys carried by two files of the run are a conflict:
    quarantined in both (status "conflict"), so neither value becomes current until one file is
    withdrawn or a later file revises the key."""
    if regions is None and any(c.type == "region" for c in cfg.columns):
        regions = load_region_index()
    base_now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    outcomes: dict[int, FileOutcome] = {}
    run_loads: dict[str, FileOutcome] = {}
    written_sha: set[str] = set()
    recheck: dict[int, tuple[Path, str]] = {}
    ensure_tables(con, cfg)
    with tempfile.TemporaryDirectory(prefix="hcw_feed_") as tmp, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="hcw_archive") as pool, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="hcw_hash") as hasher:
        # Files loaded before with other region lookups (an alias edited): resolved again first.
        reresolved = reresolve_regions(con, cfg, regions, archive_root, base_now, Path(tmp)) if regions else []
        # One pass over each file's bytes (SHA-256, size, newlines), the next file's while this one loads.
        pending = hasher.submit(file_facts, paths[0]) if paths else None
        for n, path in enumerate(paths):
            facts = pending.result()
            pending = hasher.submit(file_facts, paths[n + 1]) if n + 1 < len(paths) else None
            sha = facts.sha256
            done = con.execute(
                "select status from raw._loads where feed=? and file_sha256=? and status in ('loaded', 'conflict') "
                "order by loaded_at desc limit 1", [cfg.name, sha]).fetchone()
            if done or sha in written_sha:
                outcomes[n] = FileOutcome(path.name, "duplicate", sha, message="same SHA-256 already loaded; nothing added")
                if done and done[0] == "conflict":
                    recheck[n] = (path, sha)
                continue
            when = base_now + dt.timedelta(microseconds=n)
            load_id = f"{cfg.name}-{when:%Y%m%dT%H%M%S%f}-{sha[:8]}"
            # The archive copy is written and verified while DuckDB reads the file; nothing is
            # written to the warehouse before it is verified.
            archiving = pool.submit(_archive, path, sha, archive_root, cfg.name)
            archived = None
            try:
                try:
                    p = prepare_file(con, cfg, path, sha, load_id, _archive_target(path, sha, archive_root, cfg.name),
                                     n, regions, Path(tmp), facts=facts)
                    check_units(con, cfg, p)
                finally:
                    archived = archiving.result()
            except FileRejected as exc:
                _record_rejection(con, cfg, path, sha, load_id, archived, when, str(exc))
                outcomes[n] = FileOutcome(path.name, "rejected", sha, message=str(exc))
                _cleanup(con, n)
                continue
            written_sha.add(sha)
            outcomes[n] = write_file(con, cfg, p, when, run_loads=run_loads)
            run_loads[load_id] = outcomes[n]
            _cleanup(con, n)
        # Files loaded before with a conflict: still an ERROR while the other file is there and no
        # file of this run revised the keys; loaded now when the other file was withdrawn.
        for n, (path, sha) in recheck.items():
            still = _still_in_conflict(con, cfg, path, sha, paths)
            if still:
                outcomes[n] = still
            elif _open_conflicts(con, cfg, sha):
                outcomes[n] = _settle_withdrawn(con, cfg, path, archive_root, regions, base_now, n, Path(tmp))
    result = [outcomes[n] for n in range(len(paths))]
    for r in reresolved:  # in place of the file's "duplicate" outcome, or after the run's files
        at = next((i for i, o in enumerate(result) if o.sha256 == r.sha256 and o.status == "duplicate"), None)
        if at is None:
            result.append(r)
        else:
            result[at] = r
    return result


def _run_conflicts(con, cfg: FeedConfig, mine: str, run_loads: dict[str, FileOutcome]) -> str | None:
    """Keys of this file (`mine`: its rows just inserted) that a file written earlier in the same run
    carries too (still loaded, or already found in conflict): a temp table (v_* grain, key_text,
    other_files, lists, earlier rows)."""
    if not run_loads:
        return None
    grain = cfg.grain
    g_cols = ", ".join(f'"v_{g}"' for g in grain)
    ids = sorted(run_loads)
    ranges = con.execute(f"select {_min_max(grain)} from {mine}").fetchone()
    if ranges[0] is None:
        return None
    range_sql = " ".join(f'and r."{g}" between ? and ?' for g in grain)
    earlier = con.execute("select count(*) from raw._conflicts where feed = ? and list_contains(?, load_id)",
                          [cfg.name, ids]).fetchone()[0]
    if not earlier and not con.execute(
            f"select count(*) from (select 1 from raw.{cfg.table} r where r._superseded_by_load_id is null "
            f"and list_contains(?, r._load_id) {range_sql} limit 1)", [ids, *ranges]).fetchone()[0]:
        return None
    con.execute(f"""
        create or replace temp table _conf_rows as
        select {', '.join(f'r."{g}" as "v_{g}"' for g in grain)}, r._load_id, r._source_file, r._file_sha256
        from raw.{cfg.table} r join (select distinct {g_cols} from {mine}) i
          on {' and '.join(f'r."{g}" = i."v_{g}"' for g in grain)}
        where r._superseded_by_load_id is null and list_contains(?, r._load_id) {range_sql}""", [ids, *ranges])
    earlier_sql = (f"union all select {g_cols}, c.source_file, c.file_sha256 from {mine} t join raw._conflicts c "
                   f"on c.key_text = {_key_text_sql(cfg, 'v_')} and c.feed = {sql_literal(cfg.name)} "
                   "and list_contains(?, c.load_id)") if earlier else ""
    con.execute(f"""
        create or replace temp table _conf as
        select {g_cols}, {_key_text_sql(cfg, 'v_')} as key_text,
               string_agg(distinct _source_file, ', ') as other_files,
               list(distinct _source_file) as other_file_list, list(distinct _file_sha256) as other_sha_list
        from (
            select {g_cols}, _source_file, _file_sha256 from _conf_rows
            {earlier_sql}
        ) group by all""", [ids] if earlier else [])
    if not con.execute("select count(*) from _conf").fetchone()[0]:
        return None
    return "_conf"


def _unload_earlier(con, cfg: FeedConfig, conflicts: str, name: str, sha: str, load_id: str, now,
                    run_loads: dict[str, FileOutcome]) -> None:
    """The earlier file's rows for the conflicting keys leave raw.<feed> for the quarantine (with
    their loaded values as the record), and that file becomes a conflict too."""
    grain = cfg.grain
    match = " and ".join(f'r."{g}" = c."v_{g}"' for g in grain)
    cols = [c.name for c in cfg.columns]
    record = "json_object(" + ", ".join(f"'{c}', r.\"{c}\"" for c in cols) + ")::varchar"
    con.execute(f"""
        insert into raw._quarantine ({QUARANTINE_COLUMNS})
        select r._load_id, ?, r._source_file, r._file_sha256, r._row_number, '{','.join(grain)}', null, c.key_text,
               'key (' || c.key_text || ') is also in ' || ? || ' of the same run: neither value becomes current '
               || 'until one file is withdrawn or a later file revises the key', {record}, ?
        from raw.{cfg.table} r join {conflicts} c on {match}
        where r._superseded_by_load_id is null and r._load_id in (select _load_id from _conf_rows)""",
                [cfg.name, name, now])
    per_load = con.execute(f"""
        select r._load_id, count(*), min(c.key_text) from raw.{cfg.table} r join {conflicts} c on {match}
        where r._superseded_by_load_id is null and r._load_id in (select _load_id from _conf_rows)
        group by r._load_id""").fetchall()
    con.execute(f"""
        insert into raw._conflicts
        select distinct ?, c.key_text, r._source_file, r._file_sha256, r._load_id, ?, ?, ?, null, null
        from raw.{cfg.table} r join {conflicts} c on {match}
        where r._superseded_by_load_id is null and r._load_id in (select _load_id from _conf_rows)""",
                [cfg.name, name, sha, now])
    con.execute(f"""
        delete from raw.{cfg.table} r using {conflicts} c
        where {match} and r._superseded_by_load_id is null and r._load_id in (select _load_id from _conf_rows)""")
    for other_id, n, first in per_load:
        o = run_loads[other_id]
        o.status, o.rows_loaded, o.rows_quarantined = "conflict", o.rows_loaded - n, o.rows_quarantined + n
        o.message = (f"{o.file_name}: {n} key(s) also in {name} of the same run, e.g. ({first}): neither value "
                     "becomes current until one file is withdrawn or a later file revises the key")
        o.problems.append(f"{o.file_name}: {n} row(s) moved to raw._quarantine (key also in {name})")
        con.execute("update raw._loads set status = 'conflict', rows_loaded = ?, rows_quarantined = ?, message = ? "
                    "where load_id = ?", [o.rows_loaded, o.rows_quarantined, o.message, other_id])


def _still_in_conflict(con, cfg: FeedConfig, path: Path, sha: str, paths: list[Path]) -> FileOutcome | None:
    """A file loaded with a conflict stays an ERROR while the other file is still there and no
    later file has revised the keys."""
    present = {sha256_of(p) for p in paths if p != path}
    open_keys = con.execute(
        "select count(distinct key_text), string_agg(distinct other_file, ', ') from raw._conflicts "
        "where feed = ? and file_sha256 = ? and settled_by_load_id is null and list_contains(?, other_sha256)",
        [cfg.name, sha, sorted(present)]).fetchone()
    if not open_keys[0]:
        return None
    return FileOutcome(path.name, "conflict", sha, message=(
        f"{path.name}: {open_keys[0]} key(s) still also in {open_keys[1]}: neither value is current; withdraw one "
        "file or send a revision"))


def _open_conflicts(con, cfg: FeedConfig, sha: str) -> int:
    return con.execute("select count(*) from raw._conflicts where feed = ? and file_sha256 = ? "
                       "and settled_by_load_id is null", [cfg.name, sha]).fetchone()[0]


def _settle_withdrawn(con, cfg: FeedConfig, path: Path, archive_root: Path, regions, now, n: int,
                      tmp: Path) -> FileOutcome:
    """The other file of a conflict was withdrawn: this file's values for those keys become current."""
    sha = sha256_of(path)
    when = now + dt.timedelta(microseconds=n)
    load_id = f"{cfg.name}-{when:%Y%m%dT%H%M%S%f}-{sha[:8]}"
    con.execute("create or replace temp table _settle as select distinct key_text from raw._conflicts "
                "where feed = ? and file_sha256 = ? and settled_by_load_id is null", [cfg.name, sha])
    others = con.execute("select string_agg(distinct other_file, ', ') from raw._conflicts where feed = ? "
                         "and file_sha256 = ? and settled_by_load_id is null", [cfg.name, sha]).fetchone()[0]
    p = prepare_file(con, cfg, path, sha, load_id, _archive(path, sha, archive_root, cfg.name), 1000 + n,
                     regions, tmp)
    outcome = write_file(con, cfg, p, when, settle=("_settle", others))
    _cleanup(con, 1000 + n)
    return outcome


# ---- region names resolved again after an alias (or code list) edit -----------------------

def _problems_select(p: Prepared) -> str | None:
    """The problem rows of a prepared file (_b<n> joined to its text): row_number, column_name,
    source_column, raw_value, reason; None when the file has no column that can have a problem."""
    if not p.problem_cols:
        return None
    structs = ", ".join(
        f"{{'column_name': {sql_literal(c)}, 'source_column': {sql_literal(src) if src else 'null::varchar'}, "
        f"'raw_value': {raw}, 'reason': b.\"p_{i}\"}}"
        for i, (c, src, _, _, raw) in enumerate(p.problem_cols))
    return f"""
        select b._row_number as row_number, x.column_name, x.source_column, x.raw_value, x.reason
        from (select b._row_number, unnest(list_filter([{structs}], lambda e: e.reason is not null)) as x
              from {p.bad} b join {p.view} v using (_row_number)) b"""


def reresolve_regions(con, cfg: FeedConfig, regions: RegionIndex, archive_root: Path, now: dt.datetime,
                      tmp: Path) -> list[FileOutcome]:
    """Files loaded with other region lookups (an alias added, changed or removed in
    region_aliases.csv, or new code lists) are resolved again from their archive copy:

    - a row quarantined because its region did not resolve, and which resolves now, is loaded;
      its quarantine rows stay, marked resolved_by_load_id / resolved_at (nothing is deleted);
    - a loaded row whose region now resolves to another code is superseded by the row with the new code;
    - a loaded row whose region no longer resolves is superseded and quarantined with the reason.

    The new rows belong to a load with status `reresolved` (same file, same SHA-256). A key that a
    later file carries stays that file's (the re-resolved row is recorded as superseded by it)."""
    region_cols = [c.name for c in cfg.columns if c.type == "region"]
    if not region_cols:
        return []
    stale = con.execute(
        "select file_sha256, any_value(source_file), any_value(archived_path), min(loaded_at) from raw._loads "
        "where feed = ? and status = 'loaded' and region_version is distinct from ? "
        "group by file_sha256 order by min(loaded_at)", [cfg.name, regions.version]).fetchall()
    outcomes = []
    for i, (sha, name, archived, file_time) in enumerate(stale):
        n = 2000 + i
        when = now + dt.timedelta(microseconds=n)
        load_id = f"{cfg.name}-{when:%Y%m%dT%H%M%S%f}-{sha[:8]}"
        source = Path(archived or "")
        if not archived or not source.exists() or file_facts(source).sha256 != sha:
            outcomes.append(FileOutcome(name, "rejected", sha, message=(
                f"{name}: its archive copy {archived} is missing or changed: its region names cannot be "
                "resolved again after the alias edit")))
            continue
        # the archive copy under the file's own name (messages and lineage name the file)
        link = tmp / f"rr{n}" / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(source.resolve())
        try:
            p = prepare_file(con, cfg, link, sha, load_id, source, n, regions, tmp)
            outcome = _write_reresolved(con, cfg, p, sha, file_time, region_cols, regions.version, when)
        finally:
            _cleanup(con, n)
        if outcome:
            outcomes.append(outcome)
    return outcomes


def _write_reresolved(con, cfg: FeedConfig, p: Prepared, sha: str, file_time, region_cols: list[str],
                      version: str, now: dt.datetime) -> FileOutcome | None:
    name, load_id, t = p.path.name, p.load_id, cfg.table
    regions_in = ", ".join(sql_literal(c) for c in region_cols)
    differs = " or ".join(f'n."v_{c}" is distinct from c."{c}"' for c in region_cols if c in p.values) or "false"
    con.execute(f"""
        create or replace temp table _rr as
        select v._row_number, {', '.join(f'{p.values[c]} as "v_{c}"' for c in region_cols if c in p.values)},
               ({p.row_bad_sql}) as _row_bad
        from {p.from_sql}""")
    # rows quarantined for their region only (not for a duplicate key, a conflict or their shape)
    con.execute(f"""
        create or replace temp table _rr_rows as
        with q as (
            select row_number from raw._quarantine where feed = ? and file_sha256 = ? and resolved_by_load_id is null
            group by row_number
            having bool_or(column_name in ({regions_in})) and not bool_or(column_name = '*' or column_name like '%,%')
        ),
        cur as (select * from raw.{t} where _file_sha256 = ? and _superseded_by_load_id is null)
        select n._row_number, 'loaded' as change from _rr n
        where not n._row_bad and n._row_number in (select row_number from q)
          and n._row_number not in (select _row_number from cur)
        union all
        select n._row_number, case when n._row_bad then 'unresolved' else 'recoded' end
        from _rr n join cur c using (_row_number) where n._row_bad or {differs}""", [cfg.name, sha, sha])
    changes = dict(con.execute("select change, count(*) from _rr_rows group by change").fetchall())
    if not changes:
        con.execute("update raw._loads set region_version = ? where feed = ? and file_sha256 = ? and status = 'loaded'",
                    [version, cfg.name, sha])
        return None
    cols = [c.name for c in cfg.columns if c.name in p.mapping]
    constants = constant_sql(cfg)
    grain = cfg.grain
    match = " and ".join(f'o."{g}" = n."{g}"' for g in grain)
    con.execute("begin transaction")
    try:
        inserted = con.execute(
            f"insert into raw.{t} ({', '.join(chr(34) + c + chr(34) for c in cols + list(constants))}, "
            f"_load_id, _source_file, _file_sha256, _row_number, _loaded_at, _superseded_by_load_id) "
            f"select {', '.join([p.values[c] for c in cols] + list(constants.values()))}, ?, ?, ?, v._row_number, ?, null "
            f"from {p.from_sql} where v._row_number in (select _row_number from _rr_rows where change <> 'unresolved')",
            [load_id, name, sha, now]).fetchone()[0]
        # the rows they replace: this file's own, then other files' current rows with the same key
        superseded = con.execute(
            f"update raw.{t} set _superseded_by_load_id = ? where _file_sha256 = ? and _superseded_by_load_id is null "
            f"and _load_id <> ? and _row_number in (select _row_number from _rr_rows where change <> 'loaded')",
            [load_id, sha, load_id]).fetchone()[0]
        con.execute(f"""
            create or replace temp table _rr_pairs as
            select n._row_number as n_row, o._load_id as o_load, o._row_number as o_row, o._file_sha256 = ? as same_file,
                   coalesce(f.t > ?, false) as o_later
            from raw.{t} n join raw.{t} o on {match}
            left join (select file_sha256, min(loaded_at) as t from raw._loads where feed = ?
                       and status in ('loaded', 'conflict') group by file_sha256) f on f.file_sha256 = o._file_sha256
            where n._load_id = ? and o._load_id <> ? and o._superseded_by_load_id is null""",
                    [sha, file_time, cfg.name, load_id, load_id])
        superseded += con.execute(
            f"update raw.{t} o set _superseded_by_load_id = ? from _rr_pairs p "
            "where o._load_id = p.o_load and o._row_number = p.o_row and not p.same_file and not p.o_later",
            [load_id]).fetchone()[0]
        # a later file's value stays current: the re-resolved row is history at once
        con.execute(f"update raw.{t} n set _superseded_by_load_id = p.o_load from (select n_row, min(o_load) as o_load "
                    "from _rr_pairs where o_later and not same_file group by n_row) p "
                    "where n._load_id = ? and n._row_number = p.n_row", [load_id])
        # the same key on another row of the same file: a duplicate key, not loaded
        key_text = " || ', ' || ".join(f"'{g}=' || cast(n.\"{g}\" as varchar)" for g in grain)
        dup = con.execute(f"""
            insert into raw._quarantine ({QUARANTINE_COLUMNS})
            select ?, ?, ?, ?, n._row_number, '{','.join(grain)}', null, {key_text},
                   'duplicate key (' || {key_text} || ') also on row(s) [' || p.rows || ']',
                   {_json_record(p.staged.header)}, ?
            from raw.{t} n join (select n_row, string_agg(o_row::varchar, ', ' order by o_row) as rows from _rr_pairs
                                 where same_file group by n_row) p on p.n_row = n._row_number
            join {p.staged.relation} s on s._row_number = n._row_number
            where n._load_id = ?""", [load_id, cfg.name, name, sha, now, load_id]).fetchone()[0]
        if dup:
            con.execute(f"delete from raw.{t} where _load_id = ? and _row_number in "
                        "(select n_row from _rr_pairs where same_file)", [load_id])
        problems = _problems_select(p)
        if problems and changes.get("unresolved"):
            con.execute(f"""
                insert into raw._quarantine ({QUARANTINE_COLUMNS})
                select ?, ?, ?, ?, q.row_number, q.column_name, q.source_column, q.raw_value, q.reason,
                       {_json_record(p.staged.header)}, ?
                from ({problems}) q join {p.staged.relation} s on s._row_number = q.row_number
                where q.row_number in (select _row_number from _rr_rows where change = 'unresolved')
                  and not exists (select 1 from raw._quarantine o where o.feed = ? and o.file_sha256 = ?
                                  and o.row_number = q.row_number and o.column_name = q.column_name
                                  and o.reason = q.reason and o.resolved_by_load_id is null)""",
                        [load_id, cfg.name, name, sha, now, cfg.name, sha])
        con.execute(f"""
            update raw._quarantine set resolved_by_load_id = ?, resolved_at = ?
            where feed = ? and file_sha256 = ? and resolved_by_load_id is null and load_id <> ?
              and column_name in ({regions_in})
              and row_number in (select _row_number from raw.{t} where _load_id = ?)""",
                    [load_id, now, cfg.name, sha, load_id, load_id])
        loaded = inserted - dup
        message = (f"{name}: region names resolved again with the current region_aliases.csv and code lists: "
                   f"{changes.get('loaded', 0)} quarantined row(s) now load, {changes.get('recoded', 0)} row(s) "
                   f"re-coded, {changes.get('unresolved', 0)} row(s) no longer resolve (quarantined)"
                   + (f", {dup} row(s) now share a key with another row of the file (quarantined)" if dup else ""))
        rows_q = changes.get("unresolved", 0) + dup
        con.execute(f"insert into raw._loads ({LOADS_COLUMNS}) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [load_id, cfg.name, name, str(p.archived), str(p.archived), sha, p.path.stat().st_size, now,
                     "reresolved", loaded, rows_q, superseded, message, 0, version])
        con.execute("update raw._loads set region_version = ? where feed = ? and file_sha256 = ? and status = 'loaded'",
                    [version, cfg.name, sha])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return FileOutcome(name, "reresolved", sha, rows_loaded=loaded, rows_quarantined=rows_q,
                       rows_superseded=superseded, message=message)


def load_file(con: duckdb.DuckDBPyConnection, cfg: FeedConfig, path: Path, archive_root: Path,
              regions: RegionIndex | None = None, now: dt.datetime | None = None) -> FileOutcome:
    return load_files(con, cfg, [path], archive_root, regions=regions, now=now)[0]


def feed_files(cfg: FeedConfig, sources_root: Path, landing_root: Path) -> list[Path]:
    """Bundled files first (sources/data/<feed>/), then landing drops; each group by name."""
    bundled = sorted((sources_root / "data" / cfg.name).glob(cfg.file_pattern))
    landed = sorted((landing_root / cfg.name).glob(cfg.file_pattern)) if (landing_root / cfg.name).exists() else []
    return [p for p in bundled + landed if p.is_file()]

