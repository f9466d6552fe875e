"""Read a publisher's file (CSV, XLSX, JSON) into header + rows of strings.

Readers do not interpret values: every cell comes out as the text the publisher wrote
(or None), with the row number a person would see in the file, so errors can point at it.
stage_file puts a whole file into one DuckDB table of text (CSV through DuckDB's read_csv; Excel
and JSON through these readers), which the loader types in SQL.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import unicodedata
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.feeds.config import FeedConfig


class FileRejected(ValueError):
    """The whole file cannot be loaded. The message names the file and the reason."""


@dataclass
class RawRow:
    row_number: int  # 1-based line (CSV) / sheet row (XLSX) / record number (JSON)
    values: list[str | None]


@dataclass
class RawTable:
    header: list[str]
    rows: list[RawRow]
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def clean_header(name: object) -> str:
    """Header cells: NFKC, no line breaks, single spaces (Excel headers often wrap)."""
    text = unicodedata.normalize("NFKC", "" if name is None else str(name))
    return re.sub(r"\s+", " ", text).strip()


def detect_encoding(data: bytes, declared: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if declared != "auto":
        return declared
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"  # superset of GBK and GB2312


def read_csv(path: Path, cfg: FeedConfig) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected(f"{path.name}: empty file (0 data rows)")
    encoding = detect_encoding(data, cfg.encoding)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRejected(
            f"{path.name}: wrong encoding: not valid {encoding} at byte {exc.start} (line {line}); "
            f"declare the right 'encoding' in {cfg.name}.yml or use 'auto'"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[RawRow] = []
    for line_no, record in enumerate(reader, start=1):
        if header is None:
            header = [clean_header(h) for h in record]
            continue
        if not any(cell.strip() for cell in record):
            continue  # blank line: not a data row
        rows.append(RawRow(line_no, [cell for cell in record]))
    if header is None or not any(header):
        raise FileRejected(f"{path.name}: empty file (no header row)")
    if not rows:
        raise FileRejected(f"{path.name}: empty file (header but 0 data rows)")
    return RawTable(header, rows, encoding=encoding)


def _cell_text(value: object) -> str | None:
    """A cell or JSON value as the text a person would read (never scientific notation)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        # repr() is the shortest text that round-trips (0.1 -> "0.1"), but it switches to
        # exponent notation for small and large values (1e-05), which rule R2 rejects.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _merged_cell_values(ws, first_row: int) -> dict[tuple[int, int], object]:
    """(row, column) -> value of the merged range the cell belongs to, from first_row down.

    Excel keeps a merged cell's value in its top-left cell only. A header such as "人口"
    spanning two sub-columns, "地区" spanning two header rows, or a region name merged
    down over several year rows labels every cell it covers, as the reader of the sheet sees it.
    """
    filled: dict[tuple[int, int], object] = {}
    for rng in ws.merged_cells.ranges:
        if rng.max_row < first_row:
            continue  # e.g. a title row merged across the table
        text = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                filled[(r, c)] = text
    return filled


def read_xlsx(path: Path, cfg: FeedConfig) -> RawTable:
    import openpyxl

    assert cfg.excel is not None
    try:
        # Not read_only: merged-cell ranges (multi-row headers) are only available this way.
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise FileRejected(f"{path.name}: unreadable Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        sheet_ref = cfg.excel.sheet
        try:
            ws = wb.worksheets[sheet_ref] if isinstance(sheet_ref, int) else wb[sheet_ref]
        except (IndexError, KeyError):
            raise FileRejected(f"{path.name}: sheet {sheet_ref!r} not found (sheets: {wb.sheetnames})") from None
        header_rows = sorted(cfg.excel.header_rows)
        # min_row=1 so that list index + 1 is the sheet row number even when row 1 is empty.
        all_rows = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
        for (r, c), value in _merged_cell_values(ws, header_rows[0]).items():
            if header_rows[0] <= r <= len(all_rows):
                row = all_rows[r - 1]
                row.extend([None] * (c - len(row)))
                row[c - 1] = value
    finally:
        wb.close()
    if not all_rows or len(all_rows) < header_rows[-1]:
        raise FileRejected(f"{path.name}: empty sheet (no header at row {header_rows[-1]})")
    width = max(len(r) for r in all_rows)
    parts = [[clean_header(c) for c in all_rows[hr - 1]] + [""] * (width - len(all_rows[hr - 1]))
             for hr in header_rows]
    header = []
    for i in range(width):
        pieces: list[str] = []
        for p in parts:
            if p[i] and p[i] not in pieces:  # a cell merged across header rows counts once
                pieces.append(p[i])
        header.append("/".join(pieces))
    # Trailing columns with no header and no values are Excel formatting, not data.
    while header and not header[-1] and all(
        (len(r) < len(header) or r[len(header) - 1] is None) for r in all_rows[header_rows[-1]:]
    ):
        header.pop()
    rows = []
    for idx, record in enumerate(all_rows[header_rows[-1]:], start=header_rows[-1] + 1):
        cells = [_cell_text(v) for v in record]
        if not any(c is not None and c.strip() for c in cells):
            continue
        if len(cells) > len(header) and all(c is None for c in cells[len(header):]):
            cells = cells[: len(header)]
        rows.append(RawRow(idx, cells))
    if not rows:
        raise FileRejected(f"{path.name}: empty sheet (header but 0 data rows)")
    return RawTable(header, rows)


def read_json(path: Path, cfg: FeedConfig) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected(f"{path.name}: empty file (0 records)")
    encoding = detect_encoding(data, cfg.encoding)
    try:
        doc = json.loads(data.decode(encoding))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileRejected(f"{path.name}: unreadable JSON ({exc})") from None
    records_path = cfg.json_options.records_path if cfg.json_options else ""
    for key in filter(None, records_path.split(".")):
        if not isinstance(doc, dict) or key not in doc:
            raise FileRejected(f"{path.name}: records path '{records_path}' not found (missing '{key}')")
        doc = doc[key]
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise FileRejected(f"{path.name}: expected a list of records at '{records_path or '(document)'}'")
    if not doc:
        raise FileRejected(f"{path.name}: empty file (0 records)")
    header: list[str] = []
    for record in doc:
        for key in record:
            if clean_header(key) not in header:
                header.append(clean_header(key))
    rows = []
    for n, record in enumerate(doc, start=1):
        cleaned = {clean_header(k): v for k, v in record.items()}
        rows.append(RawRow(n, [_cell_text(cleaned.get(h)) for h in header]))
    return RawTable(header, rows, encoding=encoding)


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def read_file(path: Path, cfg: FeedConfig) -> RawTable:
    try:
        return READERS[cfg.format](path, cfg)
    except FileRejected:
        raise
    except (OSError, csv.Error) as exc:
        raise FileRejected(f"{path.name}: unreadable file ({type(exc).__name__}: {exc})") from None


# ---- set-based reading: a whole file into one DuckDB table of text --------------------------

CHUNK = 1 << 22


@dataclass
class BadRow:
    """A row that cannot be split into the header's columns (field count), with its fields."""
    row_number: int
    reason: str
    values: list[str | None]


@dataclass
class StagedFile:
    """A file read into the temp table `relation`: _row_number INTEGER and c1..cW VARCHAR (raw text)."""
    header: list[str]
    relation: str
    encoding: str | None = None
    bad_rows: list[BadRow] = field(default_factory=list)
    # CSV only: whether the last line ends with a newline (a file cut off does not).
    ends_with_newline: bool = True
    last_row_number: int | None = None


@dataclass
class FileFacts:
    """What one pass over a file's bytes tells: its SHA-256, size, newline bytes, last byte a newline."""
    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool


def file_facts(path: Path) -> FileFacts:
    import hashlib

    h, size, newlines, last = hashlib.sha256(), 0, 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return FileFacts(h.hexdigest(), size, newlines, last == b"\n")


def _valid_start(path: Path, encoding: str) -> bool:
    """The first MiB decodes under `encoding` (the header, which DuckDB's reader does not check)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def column_names(width: int) -> list[str]:
    return [f"c{i + 1}" for i in range(width)]


def _scan_bytes(path: Path, encoding: str, cfg: FeedConfig, out: Path | None) -> tuple[int, bool]:
    """Validate (and for a GB encoding transcode to UTF-8 into `out`) the whole file in one pass,
    chunk by chunk. Returns (number of newline bytes, ends with a newline)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines, offset, last = 0, 0, b""
    sink = out.open("w", encoding="utf-8", newline="") if out else None
    try:
        with path.open("rb") as fh:
            while True:
                chunk = fh.read(CHUNK)
                final = not chunk
                try:
                    text = decoder.decode(chunk, final=final)
                except UnicodeDecodeError as exc:
                    # exc.object = bytes held over from the previous chunk + this chunk
                    at = max(offset - (len(exc.object) - len(chunk)) + exc.start, 0)
                    with path.open("rb") as again:
                        line = again.read(at).count(b"\n") + 1
                    raise FileRejected(
                        f"{path.name}: wrong encoding: not valid {encoding} at byte {at} (line {line}); "
                        f"declare the right 'encoding' in {cfg.name}.yml or use 'auto'") from None
                if sink is not None:
                    sink.write(text)
                if final:
                    break
                newlines += chunk.count(b"\n")
                offset += len(chunk)
                last = chunk[-1:]
    finally:
        if sink is not None:
            sink.close()
    return newlines, last == b"\n"


def _first_record(path: Path, encoding: str) -> list[str] | None:
    with path.open("r", encoding=encoding, newline="", errors="replace") as fh:
        head = fh.read(1 << 20)
    if head.startswith("\ufeff"):
        head = head[1:]
    return next(csv.reader(io.StringIO(head, newline="")), None)


def _read_csv_text(con, source: str, relation: str, columns_sql: str) -> list[tuple]:
    """DuckDB's reader, every column as text; returns the rejected lines (line, error type, text, message).

    A clean file (the usual case) is read once without keeping rejects (faster); a file with a
    line the reader cannot take is read again, keeping every such line."""
    read = (f"create or replace temp table {relation}_read as select * from read_csv('{source}', auto_detect=false, "
            f"header=true, columns={columns_sql}, delim=',', quote='\"', escape='\"', encoding='utf-8', "
            "max_line_size=10000000 @rejects)")
    try:
        con.execute(read.replace("@rejects", ""))
        return []
    except duckdb.Error:
        pass
    con.execute(f"drop table if exists {relation}_rej; drop table if exists {relation}_scan")
    con.execute(read.replace("@rejects", f", store_rejects=true, rejects_table='{relation}_rej', "
                                         f"rejects_scan='{relation}_scan'"))
    return con.execute(
        f"select line, min(error_type::varchar), min(csv_line), min(error_message) from {relation}_rej "
        "group by line order by line").fetchall()


def stage_csv(con, path: Path, cfg: FeedConfig, relation: str, tmp_dir: Path,
              facts: FileFacts | None = None) -> StagedFile:
    """The CSV through DuckDB's reader, every column as text, with the line number a person sees.

    UTF-8 is checked by DuckDB's reader as it reads (and by Python for the first MiB, the header);
    only a file that fails is scanned in Python, to name the byte and line (or, with `auto`, to
    transcode it from GB18030)."""
    facts = facts or file_facts(path)
    if facts.size == 0 or (facts.size < 65536 and not path.read_bytes().strip()):
        raise FileRejected(f"{path.name}: empty file (0 data rows)")
    with path.open("rb") as fh:
        start = fh.read(3)
    if start.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif cfg.encoding != "auto":
        encoding = cfg.encoding
    else:
        encoding = "utf-8" if _valid_start(path, "utf-8") else "gb18030"
    if encoding in ("utf-8", "utf-8-sig") and not _valid_start(path, encoding):
        _scan_bytes(path, encoding, cfg, None)  # raises with the byte and line
    newlines, ends_nl = facts.newlines, facts.ends_with_newline
    readable = path
    rejects = None
    if encoding in ("utf-8", "utf-8-sig"):
        first = _first_record(path, "utf-8")
        header = [clean_header(h) for h in first] if first else []
        if not any(header):
            raise FileRejected(f"{path.name}: empty file (no header row)")
        columns_sql = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in column_names(len(header))) + "}"
        rejects = _read_csv_text(con, str(path).replace("'", "''"), relation, columns_sql)
        invalid = [r for r in rejects if r[1] == "INVALID ENCODING"]
        if invalid:
            if cfg.encoding != "auto" or encoding == "utf-8-sig":
                _scan_bytes(path, encoding, cfg, None)  # raises with the byte and line
                raise FileRejected(
                    f"{path.name}: wrong encoding: not valid {encoding} (line {invalid[0][0]}); "
                    f"declare the right 'encoding' in {cfg.name}.yml or use 'auto'")
            encoding, rejects = "gb18030", None  # superset of GBK and GB2312
    if encoding in ("gbk", "gb18030"):
        readable = tmp_dir / f"{relation}.utf8.csv"
        _scan_bytes(path, encoding, cfg, readable)
    first = _first_record(readable, "utf-8")
    header = [clean_header(h) for h in first] if first else []
    if not any(header):
        raise FileRejected(f"{path.name}: empty file (no header row)")
    width = len(header)
    cols = column_names(width)
    columns_sql = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
    source = str(readable).replace("'", "''")
    if rejects is None:
        rejects = _read_csv_text(con, source, relation, columns_sql)
    physical = {r[0]: r[0] for r in rejects}  # DuckDB's line of a rejected row -> the line a person sees
    n_read = con.execute(f"select count(*) from {relation}_read").fetchone()[0]
    physical_lines = newlines + (0 if ends_nl else 1)
    blank = " and ".join(f"({c} is null or trim({c}) = '')" for c in cols)
    keep_read = False
    if n_read + len(rejects) + 1 == physical_lines:
        # One record per line: the k-th record (0-based, rejected ones included) is on line k + 2.
        # A good row's line skips the rejected lines before it.
        gaps = [line - 2 - i for i, (line, *_rest) in enumerate(rejects)]
        shift = (" + ".join(f"(rowid >= {g})::int" for g in gaps)) if gaps else "0"
        # A view numbers the rows, so the file is stored once. Blank rows (all fields empty) stay
        # in it: they have no key, so they never load, and the loader does not quarantine them.
        con.execute(f"""
            create or replace temp view {relation} as
            select (rowid + 2 + {shift})::integer as _row_number, {', '.join(cols)} from {relation}_read""")
        keep_read = True
    else:
        # Blank lines or values spanning lines: number the physical lines, find where records start
        # (a non-blank line outside quotes), and pair them with the records in order.
        con.execute(f"""
            create or replace temp table {relation}_lines0 as
            select l from read_csv('{source}', auto_detect=false, header=false,
                columns={{'l': 'VARCHAR'}}, delim='\\0', quote='', escape='', encoding='utf-8',
                max_line_size=10000000)""")
        con.execute(f"create or replace temp table {relation}_lines as "
                    f"select rowid + 1 as line, l from {relation}_lines0")
        rejected_lines = ", ".join(str(r[0]) for r in rejects) or "null"
        # DuckDB numbers a row by lines outside quoted values (`duck`); a person counts every line.
        con.execute(f"""
            create or replace temp table {relation}_starts as
            with parity as (
                select line, l, coalesce(sum(length(l) - length(replace(l, '"', ''))) over (
                    order by line rows between unbounded preceding and 1 preceding), 0) % 2 as inside
                from {relation}_lines
            ),
            numbered as (
                select line, l, inside, line - coalesce(sum(inside) over (
                    order by line rows between unbounded preceding and 1 preceding), 0) as duck
                from parity
            )
            select line, duck from numbered where inside = 0 and l is not null and line > 1""")
        physical.update(dict(con.execute(
            f"select duck, line from {relation}_starts where duck in ({rejected_lines})").fetchall()))
        con.execute(f"""
            create or replace temp table {relation} as
            with starts as (
                select line, row_number() over (order by line) - 1 as k from {relation}_starts
                where duck not in ({rejected_lines})
            ),
            records as (select rowid as k, * from {relation}_read)
            select s.line::integer as _row_number, {', '.join('r.' + c for c in cols)}
            from records r join starts s using (k) where not ({blank})""")
    if not keep_read:
        con.execute("; ".join(f"drop table if exists {relation}{suffix}"
                              for suffix in ("_lines", "_lines0", "_starts", "_read")))
    bad_rows: list[BadRow] = []
    extra_rows: list[list] = []
    last_line = physical_lines
    for duck_line, error_type, csv_line, message in rejects:
        line = physical.get(duck_line, duck_line)
        fields = next(csv.reader(io.StringIO((csv_line or "").lstrip("\r\n"), newline="")), [])
        values = [f if f != "" else None for f in fields]
        if all(v is None or not v.strip() for v in values):
            continue  # a line of blanks: not a data row
        if error_type == "TOO MANY COLUMNS" and all(v is None or not v.strip() for v in values[width:]):
            extra_rows.append([line, *values[:width]])
            continue
        if error_type in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
            reason = f"row has {len(fields)} fields, the header has {width}"
            if line == last_line and not ends_nl:
                reason += "; the last line has no newline: the file may be cut off"
        else:
            reason = f"unreadable CSV row ({error_type}: {message})"
        bad_rows.append(BadRow(int(line), reason, values))
    if extra_rows:  # rows with empty fields past the header: loaded as the header's columns
        con.execute(f"create or replace temp table {relation}_all as select * from {relation}")
        con.executemany(f"insert into {relation}_all values (?, {', '.join('?' for _ in cols)})", extra_rows)
        con.execute(f"drop view if exists {relation}; drop table if exists {relation}")
        con.execute(f"alter table {relation}_all rename to {relation}")
    n_rows = con.execute(f"select count(*) from (select 1 from {relation} where not ({blank}) limit 1)").fetchone()[0]
    if n_rows == 0 and not bad_rows:
        raise FileRejected(f"{path.name}: empty file (header but 0 data rows)")
    return StagedFile(header, relation, encoding=encoding, bad_rows=bad_rows, ends_with_newline=ends_nl,
                      last_row_number=last_line)


def stage_table(con, table: RawTable, relation: str) -> StagedFile:
    """Rows an Excel or JSON reader made, handed to DuckDB as one table of text."""
    import pandas as pd

    width = len(table.header)
    cols = column_names(width)
    good = [r for r in table.rows if len(r.values) == width
            or (len(r.values) > width and all(v is None or not str(v).strip() for v in r.values[width:]))]
    bad = [BadRow(r.row_number, f"row has {len(r.values)} fields, the header has {width}", list(r.values))
           for r in table.rows if len(r.values) < width
           or (len(r.values) > width and any(v is not None and str(v).strip() for v in r.values[width:]))]
    frame = pd.DataFrame({"_row_number": pd.Series([r.row_number for r in good], dtype="int64"),
                          **{c: pd.Series([r.values[i] for r in good], dtype=object) for i, c in enumerate(cols)}})
    con.register(f"{relation}_frame", frame)
    con.execute(f"create or replace temp table {relation} as select _row_number::integer as _row_number, "
                f"{', '.join(f'{c}::varchar as {c}' for c in cols)} from {relation}_frame")
    con.unregister(f"{relation}_frame")
    return StagedFile(table.header, relation, encoding=table.encoding, bad_rows=bad)


def stage_file(con, path: Path, cfg: FeedConfig, relation: str, tmp_dir: Path,
               facts: FileFacts | None = None) -> StagedFile:
    try:
        if cfg.format == "csv":
            return stage_csv(con, path, cfg, relation, tmp_dir, facts=facts)
        return stage_table(con, read_file(path, cfg), relation)
    except FileRejected:
        raise
    except (OSError, csv.Error) as exc:
        raise FileRejected(f"{path.name}: unreadable file ({type(exc).__name__}: {exc})") from None
