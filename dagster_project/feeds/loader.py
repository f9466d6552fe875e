"""Load one feed's files into DuckDB: raw rows with lineage, quarantine, archive, revisions.

Tables (schema raw):
  raw.<feed>        every row ever loaded, typed, with _load_id, _source_file, _file_sha256,
                    _row_number, _loaded_at and _superseded_by_load_id (NULL = current value)
  raw._loads        one row per file: hash, status (loaded / rejected), counts, message
  raw._quarantine   one row per problem: file, row, column, value, reason, the raw record

A file whose SHA-256 was already loaded for the feed adds nothing. A file that covers keys
loaded before (a revision) supersedes those rows; the old rows stay with their load id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from decimal import Decimal
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.feeds.config import ColumnSpec, FeedConfig
from dagster_project.feeds.normalize import (
    ValueNotation, is_missing, parse_date, parse_decimal, parse_year, to_integer,
)
from dagster_project.feeds.reader import FileRejected, RawTable, read_file
from dagster_project.feeds.regions import RegionIndex, load_region_index

SQL_TYPES = {
    "string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "year": "INTEGER",
    "date": "DATE", "region": "VARCHAR",
}
LINEAGE_COLUMNS = {
    "_load_id": "VARCHAR", "_source_file": "VARCHAR", "_file_sha256": "VARCHAR",
    "_row_number": "INTEGER", "_loaded_at": "TIMESTAMP", "_superseded_by_load_id": "VARCHAR",
}

DDL = """
create schema if not exists raw;
create table if not exists raw._loads (
    load_id varchar primary key, feed varchar, source_file varchar, source_path varchar,
    archived_path varchar, file_sha256 varchar, file_bytes bigint, loaded_at timestamp,
    status varchar, rows_loaded integer, rows_quarantined integer, rows_superseded integer,
    message varchar
);
create table if not exists raw._quarantine (
    load_id varchar, feed varchar, source_file varchar, file_sha256 varchar,
    row_number integer, column_name varchar, source_column varchar, raw_value varchar,
    reason varchar, raw_record varchar, quarantined_at timestamp
);
"""


@dataclass
class Problem:
    row_number: int
    column: str
    source_column: str | None
    value: str | None
    reason: str
    raw_record: dict[str, str | None]

    def describe(self, file_name: str) -> str:
        return (f"{file_name} row {self.row_number} column '{self.source_column or self.column}' "
                f"value {self.value!r}: {self.reason}")


@dataclass
class ParsedFile:
    frame: pd.DataFrame  # canonical columns + _row_number
    problems: list[Problem]


@dataclass
class FileOutcome:
    file_name: str
    status: str  # loaded | duplicate | rejected
    sha256: str
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    message: str = ""
    problems: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _parse_cell(raw: str | None, col: ColumnSpec, regions: RegionIndex, required: bool):
    if is_missing(raw):
        if required:
            raise ValueNotation("missing value in a required column")
        return None
    assert raw is not None
    if col.type == "string":
        return raw.strip()
    if col.type == "region":
        return regions.resolve(raw)
    if col.type == "year":
        return parse_year(raw)
    if col.type == "date":
        return parse_date(raw)
    value = parse_decimal(raw, col.unit) * Decimal(str(col.multiplier))
    if col.type == "integer":
        return to_integer(value)
    return float(value)


def map_header(table: RawTable, cfg: FeedConfig, file_name: str) -> dict[str, int]:
    """Canonical column -> position in the file. File-level errors for missing/unexpected columns."""
    named = [h for h in table.header if h]
    repeated = sorted({h for h in named if named.count(h) > 1})
    if repeated:
        raise FileRejected(f"{file_name}: column header(s) {repeated} appear more than once; "
                           "which one holds the values is ambiguous")
    positions = {h: i for i, h in enumerate(table.header) if h}
    mapping: dict[str, int] = {}
    used: set[str] = set()
    for col in cfg.columns:
        for source in col.source:
            if source in positions:
                mapping[col.name] = positions[source]
                used.add(source)
                break
        else:
            if col.required or col.name in cfg.grain:
                raise FileRejected(
                    f"{file_name}: missing required column '{col.name}' "
                    f"(expected one of {col.source}; the file has {[h for h in table.header if h]})"
                )
    unexpected = [h for h in table.header if h and h not in used and h not in cfg.ignore_columns]
    if unexpected:
        raise FileRejected(
            f"{file_name}: unexpected column(s) {unexpected}: declare them under 'columns' or "
            f"'ignore_columns' in {cfg.name}.yml"
        )
    return mapping


def parse_table(table: RawTable, cfg: FeedConfig, file_name: str, regions: RegionIndex) -> ParsedFile:
    mapping = map_header(table, cfg, file_name)
    width = len(table.header)
    records: list[dict] = []
    problems: list[Problem] = []
    for row in table.rows:
        raw_record = {table.header[i] or f"column_{i + 1}": (row.values[i] if i < len(row.values) else None)
                      for i in range(width)}
        if len(row.values) != width:
            extra = row.values[width:]
            if len(row.values) < width or any(not is_missing(v) for v in extra):
                problems.append(Problem(row.row_number, "*", None, None,
                                        f"row has {len(row.values)} fields, the header has {width}", raw_record))
                continue
        record: dict = {"_row_number": row.row_number}
        row_problems = [
            # A value under an empty header cell would otherwise be dropped without a trace.
            Problem(row.row_number, f"column_{i + 1}", None, row.values[i], "value in a column without a header",
                    raw_record)
            for i in range(min(width, len(row.values)))
            if not table.header[i] and not is_missing(row.values[i])
        ]
        for col in cfg.columns:
            pos = mapping.get(col.name)
            raw = row.values[pos] if pos is not None and pos < len(row.values) else None
            try:
                record[col.name] = _parse_cell(raw, col, regions, col.required or col.name in cfg.grain)
            except ValueNotation as exc:
                row_problems.append(Problem(row.row_number, col.name, table.header[pos] if pos is not None else None,
                                            raw, str(exc), raw_record))
        if row_problems:
            problems.extend(row_problems)
        else:
            records.append(record)

    # Duplicate keys inside one file: neither row can be trusted over the other.
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for rec in records:
        by_key[tuple(rec[g] for g in cfg.grain)].append(rec)
    duplicate_rows = set()
    for key, recs in by_key.items():
        if len(recs) > 1:
            rows = [r["_row_number"] for r in recs]
            for rec in recs:
                others = [n for n in rows if n != rec["_row_number"]]
                original = next(r for r in table.rows if r.row_number == rec["_row_number"])
                raw_record = {table.header[i] or f"column_{i + 1}": (original.values[i] if i < len(original.values) else None)
                              for i in range(width)}
                key_text = ", ".join(f"{g}={v}" for g, v in zip(cfg.grain, key))
                problems.append(Problem(rec["_row_number"], ",".join(cfg.grain), None, key_text,
                                        f"duplicate key ({key_text}) also on row(s) {others}", raw_record))
                duplicate_rows.add(rec["_row_number"])
    records = [r for r in records if r["_row_number"] not in duplicate_rows]
    columns = [c.name for c in cfg.columns] + ["_row_number"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for col in cfg.columns:
        if col.type == "integer":
            # Nullable integers built from the Python ints: with a missing value pandas would
            # otherwise fall back to float64, which silently rounds counts above 2**53.
            frame[col.name] = pd.Series([r[col.name] for r in records], dtype="Int64", index=frame.index)
    return ParsedFile(frame, problems)


def ensure_tables(con: duckdb.DuckDBPyConnection, cfg: FeedConfig) -> None:
    con.execute(DDL)
    cols = {c.name: SQL_TYPES[c.type] for c in cfg.columns} | LINEAGE_COLUMNS
    col_sql = ", ".join(f'"{name}" {typ}' for name, typ in cols.items())
    con.execute(f"create table if not exists raw.{cfg.table} ({col_sql})")
    existing = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema='raw' and table_name=?",
        [cfg.table]).fetchall()}
    for name, typ in cols.items():  # a column added to the YAML later
        if name not in existing:
            con.execute(f'alter table raw.{cfg.table} add column "{name}" {typ}')


def _archive(path: Path, sha: str, archive_root: Path, feed: str) -> Path:
    target = archive_root / feed / f"{sha[:16]}__{path.name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return target


def load_file(con: duckdb.DuckDBPyConnection, cfg: FeedConfig, path: Path, archive_root: Path,
              regions: RegionIndex | None = None, now: dt.datetime | None = None) -> FileOutcome:
    regions = regions or load_region_index()
    sha = sha256_of(path)
    already_loaded = con.execute(
        "select 1 from raw._loads where feed=? and file_sha256=? and status='loaded' limit 1",
        [cfg.name, sha]).fetchone()
    if already_loaded:
        return FileOutcome(path.name, "duplicate", sha, message="same SHA-256 already loaded; nothing added")

    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    load_id = f"{cfg.name}-{now:%Y%m%dT%H%M%S%f}-{sha[:8]}"
    archived = _archive(path, sha, archive_root, cfg.name)
    try:
        parsed = parse_table(read_file(path, cfg), cfg, path.name, regions)
    except FileRejected as exc:
        # A rejected file is tried again on every run: the fix is often in the declaration
        # (a column added to the YAML), not in the file. The same rejection is recorded once.
        recorded = con.execute(
            "select 1 from raw._loads where feed=? and file_sha256=? and status='rejected' and message=? limit 1",
            [cfg.name, sha, str(exc)]).fetchone()
        if not recorded:
            con.execute("insert into raw._loads values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        [load_id, cfg.name, path.name, str(path), str(archived), sha, path.stat().st_size, now,
                         "rejected", 0, 0, 0, str(exc)])
        return FileOutcome(path.name, "rejected", sha, message=str(exc))

    frame = parsed.frame.assign(
        _load_id=load_id, _source_file=path.name, _file_sha256=sha, _loaded_at=now, _superseded_by_load_id=None)
    con.execute("begin transaction")
    try:
        superseded = 0
        if len(frame):
            con.register("incoming", frame)
            key_match = " and ".join(f't."{g}" = i."{g}"' for g in cfg.grain)
            superseded = con.execute(
                f"update raw.{cfg.table} t set _superseded_by_load_id = ? from incoming i "
                f"where t._superseded_by_load_id is null and {key_match}", [load_id]).fetchone()[0]
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            con.execute(f"insert into raw.{cfg.table} ({cols}) select {cols} from incoming")
            con.unregister("incoming")
        for p in parsed.problems:
            con.execute("insert into raw._quarantine values (?,?,?,?,?,?,?,?,?,?,?)",
                        [load_id, cfg.name, path.name, sha, p.row_number, p.column, p.source_column, p.value,
                         p.reason, json.dumps(p.raw_record, ensure_ascii=False), now])
        quarantined_rows = len({p.row_number for p in parsed.problems})
        con.execute("insert into raw._loads values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [load_id, cfg.name, path.name, str(path), str(archived), sha, path.stat().st_size, now,
                     "loaded", len(frame), quarantined_rows, superseded, None])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return FileOutcome(path.name, "loaded", sha, rows_loaded=len(frame), rows_quarantined=quarantined_rows,
                       rows_superseded=superseded,
                       problems=[p.describe(path.name) for p in parsed.problems])


def feed_files(cfg: FeedConfig, sources_root: Path, landing_root: Path) -> list[Path]:
    """Bundled files first (sources/data/<feed>/), then landing drops; each group by name."""
    bundled = sorted((sources_root / "data" / cfg.name).glob(cfg.file_pattern))
    landed = sorted((landing_root / cfg.name).glob(cfg.file_pattern)) if (landing_root / cfg.name).exists() else []
    return [p for p in bundled + landed if p.is_file()]


def load_files(con: duckdb.DuckDBPyConnection, cfg: FeedConfig, paths: list[Path], archive_root: Path,
               regions: RegionIndex | None = None, now: dt.datetime | None = None) -> list[FileOutcome]:
    """Load one run's files of a feed, in the given order; one outcome per file."""
    regions = regions or load_region_index()
    return [load_file(con, cfg, path, archive_root, regions, now) for path in paths]
