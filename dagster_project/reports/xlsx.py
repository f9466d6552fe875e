"""A small streaming XLSX (SpreadsheetML, ECMA-376) writer for the scorecards workbook.

openpyxl builds a Python object per cell and serialises it through an XML tree: at national scale
(3,000 region sheets, ~2.5 million cells) that was most of the scorecards' run time. This writer
keeps each sheet as rows of (column, value, style) and writes the sheet XML with plain string
formatting, strings through one shared-string table. It writes only what the scorecards use: text,
numbers and booleans, bold/size fonts, solid fills, wrapped/centred header alignment, the built-in
number formats, frozen panes, column widths and "cell equals" conditional-format rules. The result
reads back with openpyxl cell for cell as the openpyxl-built workbook did (see
tests/unit/test_reports.py).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import avoid_duplicate_name
from openpyxl.writer.theme import theme_xml

# The built-in number formats (ECMA-376 Part 1, 18.8.30) the scorecards use.
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4}
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
INVALID_TITLE = re.compile(r"[\\*?:/\[\]]")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
NOT_FINITE = frozenset({"nan", "inf", "-inf"})
COLUMN = [""] + [get_column_letter(i) for i in range(1, 16385)]


def _number(value) -> str:
    """Numbers as openpyxl writes them: 16 significant digits; NaN and infinities as an empty value."""
    if value != value or value in (math.inf, -math.inf):
        return ""
    return "%.16g" % value


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _xml(text).replace('"', "&quot;")


@dataclass(frozen=True)
class Style:
    """One cell format: font (bold, size), solid fill colour (RRGGBB), number format, header alignment."""
    bold: bool = False
    size: float | None = None
    fill: str | None = None
    number_format: str = "General"
    wrap_centre: bool = False


class Sheet:
    """One worksheet, written row by row (rows in increasing order, cells of a row by column)."""

    def __init__(self, book: "XlsxBook", title: str):
        self.book = book
        self.title = title
        self.freeze: str | None = None
        self.widths: dict[int, float] = {}
        self.rules: list[tuple[str, list[tuple[str, str]]]] = []  # (range, [(formula, fill colour)])
        self._rows: list[str] = []
        self._last_row = 0
        self._max_col = 0

    def row(self, r: int, cells) -> None:
        """Write row `r`: `cells` are (column, value, style id) in increasing column order; a value of
        None or "" with a style is a formatted empty cell (as openpyxl writes it)."""
        if r <= self._last_row:
            raise ValueError(f"sheet {self.title!r}: row {r} written after row {self._last_row}")
        strings = self.book.string_id
        out = [f'<row r="{r}">']
        last = 0
        for col, value, s in cells:
            if col <= last:
                raise ValueError(f"sheet {self.title!r} row {r}: column {col} after column {last}")
            last = col
            style = f' s="{s}"' if s else ""
            kind = type(value)
            if kind is float or kind is int:
                text = "%.16g" % value  # as openpyxl writes numbers: 16 significant digits
                if text in NOT_FINITE:
                    text = ""
                out.append(f'<c r="{COLUMN[col]}{r}"{style}><v>{text}</v></c>')
            elif kind is str:
                if value:
                    out.append(f'<c r="{COLUMN[col]}{r}"{style} t="s"><v>{strings(value)}</v></c>')
                else:
                    out.append(f'<c r="{COLUMN[col]}{r}"{style}/>')
            elif value is None:
                out.append(f'<c r="{COLUMN[col]}{r}"{style}/>')
            elif kind is bool:
                out.append(f'<c r="{COLUMN[col]}{r}"{style} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float, decimal.Decimal)):
                out.append(f'<c r="{COLUMN[col]}{r}"{style}><v>{_number(value)}</v></c>')
            elif isinstance(value, str):
                out.append(f'<c r="{COLUMN[col]}{r}"{style} t="s"><v>{strings(str(value))}</v></c>')
            else:
                raise TypeError(f"sheet {self.title!r} cell {COLUMN[col]}{r}: cannot write {kind.__name__} {value!r}")
        if last:
            out.append("</row>")
            self._rows.append("".join(out))
            self._last_row = r
            self._max_col = max(self._max_col, last)

    def equal_rules(self, cell_range: str, rules: list[tuple[str, str]]) -> None:
        """Conditional-format rules 'cell equals <formula> → solid fill <colour>' on a range."""
        self.rules.append((cell_range, rules))

    def _xml(self, selected: bool) -> str:
        dimension = f"A1:{COLUMN[self._max_col]}{self._last_row}" if self._last_row else "A1"
        view = ' tabSelected="1"' if selected else ""
        if self.freeze:
            m = re.fullmatch(r"([A-Z]+)(\d+)", self.freeze)
            xs, ys = _column_index(m.group(1)) - 1, int(m.group(2)) - 1
            pane = (f'<pane xSplit="{xs}" ySplit="{ys}" topLeftCell="{self.freeze}" activePane="bottomRight" state="frozen"/>'
                    '<selection pane="topRight"/><selection pane="bottomLeft"/>'
                    '<selection pane="bottomRight" activeCell="A1" sqref="A1"/>')
            views = f'<sheetViews><sheetView{view} workbookViewId="0">{pane}</sheetView></sheetViews>'
        else:
            views = (f'<sheetViews><sheetView{view} workbookViewId="0"><selection activeCell="A1" sqref="A1"/>'
                     '</sheetView></sheetViews>')
        cols = ""
        if self.widths:
            cols = "<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                                      for c, w in sorted(self.widths.items())) + "</cols>"
        formatting = []
        priority = 0
        for cell_range, rules in self.rules:
            formatting.append(f'<conditionalFormatting sqref="{cell_range}">')
            for formula, colour in rules:
                priority += 1
                formatting.append(f'<cfRule type="cellIs" dxfId="{self.book.dxf_id(colour)}" priority="{priority}" '
                                  f'operator="equal"><formula>{_xml(formula)}</formula></cfRule>')
            formatting.append("</conditionalFormatting>")
        return (f'<worksheet xmlns="{MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>'
                f'<dimension ref="{dimension}"/>{views}<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>{cols}'
                f'<sheetData>{"".join(self._rows)}</sheetData>{"".join(formatting)}'
                '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _index_of(table: dict, key) -> int:
    """The key's position in one of the workbook's shared tables (styles, strings, formats), added if new."""
    index = table.get(key)
    if index is None:
        index = table[key] = len(table)
    return index


class XlsxBook:
    def __init__(self):
        self.sheets: list[Sheet] = []
        self._lower_titles: set[str] = set()
        self._styles: dict[Style, int] = {Style(): 0}
        self._strings: dict[str, int] = {}
        self._dxfs: dict[str, int] = {}

    def create_sheet(self, title: str) -> Sheet:
        if INVALID_TITLE.search(title):
            raise ValueError(f"sheet title {title!r}: contains one of \\ * ? : / [ ]")
        if title.lower() in self._lower_titles:  # as openpyxl names a duplicate: append the next number
            title = avoid_duplicate_name([s.title for s in self.sheets], title)
        self._lower_titles.add(title.lower())
        sheet = Sheet(self, title)
        self.sheets.append(sheet)
        return sheet

    def style_id(self, style: Style) -> int:
        return _index_of(self._styles, style)

    def string_id(self, text: str) -> int:
        if text not in self._strings and ILLEGAL_CHARACTERS.search(text):
            raise ValueError(f"cannot write {text!r} to a workbook: it holds a control character")
        return _index_of(self._strings, text)

    def dxf_id(self, colour: str) -> int:
        return _index_of(self._dxfs, colour)

    def _styles_xml(self) -> str:
        fonts = ['<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/><scheme val="minor"/></font>']
        font_ids: dict[tuple, int] = {(False, None): 0}
        fills = ['<fill><patternFill/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
        fill_ids: dict[str | None, int] = {None: 0}
        numfmts: dict[str, int] = {}
        xfs = []
        for style in self._styles:  # insertion order = style ids
            fkey = (style.bold, style.size)
            if fkey not in font_ids:
                font_ids[fkey] = len(fonts)
                fonts.append("<font>" + ('<b val="1"/>' if style.bold else "")
                             + (f'<sz val="{style.size:g}"/>' if style.size else "") + "</font>")
            if style.fill not in fill_ids:
                fill_ids[style.fill] = len(fills)
                fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="00{style.fill}"/></patternFill></fill>')
            if style.number_format in BUILTIN_FORMATS:
                fmt = BUILTIN_FORMATS[style.number_format]
            else:
                fmt = numfmts.setdefault(style.number_format, 164 + len(numfmts))
            align = ' applyAlignment="1"' if style.wrap_centre else ""
            xf = (f'<xf numFmtId="{fmt}" fontId="{font_ids[fkey]}" fillId="{fill_ids[style.fill]}" borderId="0" xfId="0"'
                  + (' applyNumberFormat="1"' if fmt else "") + (' applyFont="1"' if font_ids[fkey] else "")
                  + (' applyFill="1"' if fill_ids[style.fill] else "") + align)
            xfs.append(xf + ('><alignment vertical="center" wrapText="1"/></xf>' if style.wrap_centre else "/>"))
        dxfs = "".join(f'<dxf><fill><patternFill patternType="solid"><fgColor rgb="00{c}"/><bgColor rgb="00{c}"/>'
                       '</patternFill></fill></dxf>' for c in self._dxfs)
        numfmt_xml = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(f)}"/>' for f, i in numfmts.items())
        return (f'<styleSheet xmlns="{MAIN_NS}"><numFmts count="{len(numfmts)}">{numfmt_xml}</numFmts>'
                f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts><fills count="{len(fills)}">{"".join(fills)}</fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                f'<dxfs count="{len(self._dxfs)}">{dxfs}</dxfs>'
                '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
                '</styleSheet>')

    def save(self, path: Path, modified: dt.datetime, compresslevel: int = 1) -> Path:
        """Write the workbook to `path` (through a temporary file beside it, then renamed). `modified`
        dates the document and its parts, so the same content always gives the same bytes. Level 1
        deflate: a third of level 6's time on the national book's 120 MB of XML, and still smaller than
        the openpyxl-written file."""
        if not self.sheets:
            raise ValueError("a workbook needs at least one sheet")
        tmp = path.with_suffix(path.suffix + ".tmp")
        n = len(self.sheets)
        utc = modified.astimezone(dt.timezone.utc)
        stamp = max(utc, dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)).timetuple()[:6]
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
            def part(name: str, text: str) -> None:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, text, compresslevel=compresslevel)

            for i, sheet in enumerate(self.sheets, start=1):  # sheets first: they fill the string table
                part(f"xl/worksheets/sheet{i}.xml", sheet._xml(selected=i == 1))
            strings = "".join(
                f'<si><t xml:space="preserve">{_xml(s)}</t></si>' if s != s.strip() else f"<si><t>{_xml(s)}</t></si>"
                for s in self._strings)
            part("xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}" uniqueCount="{len(self._strings)}">{strings}</sst>')
            part("xl/styles.xml", self._styles_xml())
            part("xl/theme/theme1.xml", theme_xml)
            sheets = "".join(f'<sheet name="{_attr(s.title)}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, s in enumerate(self.sheets, start=1))
            part("xl/workbook.xml",
                       f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><workbookPr/>'
                       f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
                       '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
            rels = "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, n + 1))
            part("xl/_rels/workbook.xml.rels",
                       f'<Relationships xmlns="{PKG_REL_NS}">{rels}'
                       f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
                       f'<Relationship Id="rId{n + 2}" Type="{REL_NS}/theme" Target="theme/theme1.xml"/>'
                       f'<Relationship Id="rId{n + 3}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
                       "</Relationships>")
            now = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
            part("docProps/core.xml",
                       '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                       'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                       'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>Healthy City Warehouse</dc:creator>'
                       f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
                       f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')
            part("docProps/app.xml",
                       '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                       "<Application>Healthy City Warehouse</Application></Properties>")
            overrides = "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, n + 1))
            part("[Content_Types].xml",
                       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                       '<Default Extension="xml" ContentType="application/xml"/>'
                       '<Override PartName="/xl/workbook.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                       f"{overrides}"
                       '<Override PartName="/xl/styles.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                       '<Override PartName="/xl/theme/theme1.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
                       '<Override PartName="/xl/sharedStrings.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                       '<Override PartName="/docProps/core.xml" '
                       'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                       '<Override PartName="/docProps/app.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
                       "</Types>")
            part("_rels/.rels",
                       f'<Relationships xmlns="{PKG_REL_NS}">'
                       f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
                       f'<Relationship Id="rId2" Type="{PKG_REL_NS}/metadata/core-properties" Target="docProps/core.xml"/>'
                       f'<Relationship Id="rId3" Type="{REL_NS}/extended-properties" Target="docProps/app.xml"/>'
                       "</Relationships>")
        tmp.replace(path)
        return path
