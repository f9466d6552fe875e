"""Read a publisher's file (CSV, XLSX, JSON) into header + rows of strings.

Readers do not interpret values: every cell comes out as the text the publisher wrote
(or None), with the row number a person would see in the file, so errors can point at it.
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
