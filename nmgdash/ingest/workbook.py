"""Opening a staff member's file: bytes -> sheets (grids of cells).

:func:`read_grids` opens .xlsx/.xlsm (values from python-calamine, only cells that hold something;
merged ranges, number formats, formula cells without a cached value, hidden rows/columns, filters and
external links from one streaming pass over the sheet XML — never the declared dimension), .xls
(python-calamine) and .csv (a BOM, strict UTF-8, strict GB18030, then charset-normalizer's guess).
Sheets with more than :data:`MAX_CELLS` filled cells and encrypted workbooks are refused.
:mod:`nmgdash.ingest.read` then finds the table in each grid.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.etree import ElementTree as ET

import python_calamine as pc
from charset_normalizer import from_bytes
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils import column_index_from_string
from openpyxl.utils.cell import range_boundaries

from nmgdash.core.i18n import t
from nmgdash.ingest.messages import Collector, FileRejected, Issue, place
from nmgdash.ingest.normalize import FORMULA_NO_VALUE

#: Largest file accepted (bytes); the web upload limit (server.maxUploadSize) should not exceed it.
MAX_BYTES = 10 * 1024 * 1024
#: Most cells holding a value (or a formula) read from one sheet; a larger sheet is refused before parsing.
MAX_CELLS = 300_000
#: Name of the stream an encrypted Office file keeps its key in (UTF-16LE, as in the OLE directory).
_ENCRYPTED_OLE = "EncryptionInfo".encode("utf-16-le")
#: What to do about a password-protected file (Chinese; catalogue key ``ingest_password_help``).
PASSWORD_HELP = t("ingest_password_help")
ACCEPTED = (".xlsx", ".xlsm", ".xls", ".csv")


@dataclass
class Grid:
    """One sheet: ``values[r-1][c-1]`` for 1-based row r, column c (None = empty).

    ``name`` is None for CSV files. ``formats`` maps (r, c) to Excel number formats (xlsx only).
    ``merged`` holds the real merged ranges as (min_row, min_col, max_row, max_col), 1-based."""

    name: str | None
    values: list[list[object]]
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    autofilter: bool = False
    external: set[tuple[int, int]] = field(default_factory=set)
    named_cols: set[int] = field(default_factory=set)  # hidden columns already named in another message

    def __post_init__(self):
        self.nrows = len(self.values)
        self.ncols = max((len(r) for r in self.values), default=0)
        self._anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in self.merged:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self._anchor[(r, c)] = (r1, c1)

    def get(self, r: int, c: int) -> object:
        if 1 <= r <= self.nrows and 1 <= c <= len(self.values[r - 1]):
            return self.values[r - 1][c - 1]
        return None

    def merged_get(self, r: int, c: int) -> object:
        """Value of (r, c), or of the anchor of the merged range that covers it."""
        return self.get(*self._anchor.get((r, c), (r, c)))

    def merged_range(self, r: int, c: int) -> tuple[int, int, int, int] | None:
        """The merged range (min_row, min_col, max_row, max_col) that covers (r, c), or None."""
        if (r, c) not in self._anchor:
            return None
        return next(m for m in self.merged if m[0] <= r <= m[2] and m[1] <= c <= m[3])

    def anchor(self, r: int, c: int) -> tuple[int, int]:
        return self._anchor.get((r, c), (r, c))

    def is_empty(self) -> bool:
        return all(blank(v) for row in self.values for v in row)


def blank(v: object) -> bool:
    """True for an empty cell: None or only white space."""
    return v is None or (isinstance(v, str) and v.strip() == "")


# ---------------------------------------------------------------------------------------
# bytes -> grids
# ---------------------------------------------------------------------------------------
def read_grids(data: bytes, file_name: str, col: Collector) -> list[Grid]:
    """Open the file. Raises :class:`FileRejected` (kind not_a_spreadsheet, empty_file, file_too_large,
    password_protected or too_many_cells) when it cannot be read as a spreadsheet at all.

    Work is bounded by what the file holds: only cells that hold a value are read, and a sheet with
    more than :data:`MAX_CELLS` of them is refused before it is parsed."""
    ext = PurePath(file_name).suffix.lower()
    lang = col.lang

    def reject(kind: str, detail: str):
        raise FileRejected(Issue(kind, detail, file_name))

    if len(data) > MAX_BYTES:
        reject("file_too_large", t("ingest_file_too_large", lang, mb=f"{len(data) / 1048576:.1f}",
                                   limit=MAX_BYTES // 1048576))
    if len(data) == 0 or data.strip(b" \t\r\n\x00") in (b"", b"\xef\xbb\xbf"):
        reject("empty_file", t("ingest_empty_file", lang))
    is_zip = data[:4] == b"PK\x03\x04"
    is_ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if ext not in ACCEPTED:
        reject("not_a_spreadsheet", t("ingest_unsupported_ext", lang, ext=ext or t("ingest_no_ext", lang)))
    if is_ole and _ENCRYPTED_OLE in data:
        reject("password_protected", t("ingest_password_help", lang))
    if is_zip:
        if ext in (".xls", ".csv"):
            col.note(t("ingest_note_xlsx_content", lang, ext=ext))
        grids = _read_xlsx(data, col, reject)
    elif is_ole:
        if ext != ".xls":
            col.note(t("ingest_note_xls_content", lang, ext=ext))
        grids = _read_xls(data, col, reject)
    elif ext in (".xlsx", ".xlsm", ".xls"):
        reject("not_a_spreadsheet", t("ingest_not_excel", lang, ext=ext))
    else:
        grids = [_read_csv(data, col, reject)]
    if all(g.is_empty() for g in grids):
        reject("empty_file", t("ingest_no_data", lang))
    return grids


def _too_many(reject, sheet: str | None, n: int, lang: str, exact: bool = True) -> None:
    size = t("ingest_cells_exact" if exact else "ingest_cells_over", lang, n=f"{n:,}")
    reject("too_many_cells", t("ingest_too_many_cells", lang, where=place(sheet, lang), size=size, limit=f"{MAX_CELLS:,}"))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml_root(z: zipfile.ZipFile, name: str):

    try:
        return ET.fromstring(z.read(name))
    except KeyError:
        return None


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the zip (from xl/workbook.xml and its relationships)."""
    wb, rels = _xml_root(z, "xl/workbook.xml"), _xml_root(z, "xl/_rels/workbook.xml.rels")
    if wb is None or rels is None:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for el in wb.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rid, "")
        if target:
            out[el.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def _number_formats(z: zipfile.ZipFile) -> list[str]:
    """Number format of each cell style index (xl/styles.xml cellXfs), 'General' when none."""

    root = _xml_root(z, "xl/styles.xml")
    if root is None:
        return []
    custom = {int(el.get("numFmtId", -1)): el.get("formatCode", "") for el in root.iter() if _local(el.tag) == "numFmt"}
    xfs = next((el for el in root if _local(el.tag) == "cellXfs"), None)
    out = []
    for xf in (xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", 0) or 0)
        out.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
    return out


_CELL_RE = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class _SheetXml:
    """What calamine does not give: formats of value cells, formulas, hidden rows and columns, filters."""

    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    no_value: list[tuple[int, int]] = field(default_factory=list)  # formula cells without a cached value
    external: list[tuple[int, int]] = field(default_factory=list)  # formulas referring to other workbooks
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    autofilter: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _count_value_cells(z: zipfile.ZipFile, part: str, stop: int) -> int:
    """Cells holding a value or a formula (<v>, <is>, <f>) in a sheet part, counted on the raw bytes as
    they are decompressed (no parsing); counting stops a little above ``stop``."""
    n, tail = 0, b""
    pattern = re.compile(rb"<(?:\w+:)?(?:v|is|f)[\s>/]")
    with z.open(part) as f:
        while chunk := f.read(1 << 20):
            buf = tail + chunk
            n += len(pattern.findall(buf))
            tail = buf[-8:]
            n -= len(pattern.findall(tail))  # counted again with the next chunk
            if n > stop:
                return n
    return n + len(pattern.findall(tail))


def _scan_sheet(z: zipfile.ZipFile, part: str, formats: list[str]) -> _SheetXml:
    """One streaming pass over a sheet part; elements are cleared as they end, so memory stays small.
    Only cells that are present in the XML are visited (never the declared dimension)."""
    out = _SheetXml()
    parser = ET.XMLPullParser(events=("start", "end"))
    row_no, col_no = 0, 0
    cell_style, has_value, formula = None, False, None
    with z.open(part) as f:
        while chunk := f.read(1 << 16):
            parser.feed(chunk)
            for event, el in parser.read_events():
                tag = _local(el.tag)
                if event == "start":
                    if tag == "row":
                        row_no = int(el.get("r") or row_no + 1)
                        col_no = 0
                        if el.get("hidden") in ("1", "true"):
                            out.hidden_rows.add(row_no)
                    elif tag == "c":
                        ref = el.get("r")
                        m = _CELL_RE.fullmatch(ref or "")
                        if m:
                            col_no, row_no = column_index_from_string(m[1]), int(m[2])
                        else:
                            col_no += 1
                        cell_style, has_value, formula = el.get("s"), False, None
                    continue
                if tag in ("v", "is"):
                    has_value = has_value or tag == "is" or bool(el.text)
                elif tag == "f":
                    formula = el.text or ""
                elif tag == "c":
                    cell = (row_no, col_no)
                    if formula is not None and not has_value:
                        out.no_value.append(cell)
                    if formula and re.search(r"\[\d+\]", formula):
                        out.external.append(cell)
                    if (has_value or formula is not None) and cell_style and cell_style.isdigit():
                        i = int(cell_style)
                        if i < len(formats) and formats[i] != "General":
                            out.formats[cell] = formats[i]
                elif tag == "col" and el.get("hidden") in ("1", "true"):
                    lo, hi = int(el.get("min", 0)), int(el.get("max", 0))
                    if hi - lo < 16384:
                        out.hidden_cols.update(range(lo, hi + 1))
                elif tag == "autoFilter":
                    out.autofilter = True
                elif tag == "mergeCell" and el.get("ref"):
                    try:
                        c1, r1, c2, r2 = range_boundaries(el.get("ref"))
                    except ValueError:
                        continue
                    out.merged.append((r1, c1, r2, c2))
                if tag in ("c", "row", "col", "mergeCell"):
                    el.clear()
    return out


def _read_xlsx(data: bytes, col: Collector, reject) -> list[Grid]:
    """Values from python-calamine (only cells that hold something); formats, formulas without a cached
    value, hidden rows/columns, filters and external links from one streaming pass over each sheet's XML."""

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = _sheet_parts(z)
        formats = _number_formats(z)
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = wb.sheets_metadata
    except pc.PasswordError:
        reject("password_protected", t("ingest_password_help", col.lang))
    except Exception:  # zipfile, XML and calamine errors: the file is not a readable workbook
        reject("not_a_spreadsheet", t("ingest_xlsx_broken", col.lang))
    grids = []
    for meta in metas:
        part = parts.get(meta.name)
        hidden = str(getattr(meta, "visible", "Visible")).lower().endswith("hidden")
        if part is not None and part in z.namelist():
            n = _count_value_cells(z, part, MAX_CELLS)
            if n > MAX_CELLS and not hidden:
                _too_many(reject, meta.name, n, col.lang, exact=False)
            if n > MAX_CELLS:  # a huge hidden sheet is skipped (parse_grid notes hidden sheets)
                grids.append(Grid(meta.name, [["(隐藏)"]], hidden=True))
                continue
            try:
                xml = _scan_sheet(z, part, formats)
            except Exception:  # malformed XML
                reject("not_a_spreadsheet", t("ingest_sheet_corrupt", col.lang, sheet=meta.name))
        else:
            xml = _SheetXml()
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception:
            reject("not_a_spreadsheet", t("ingest_sheet_unreadable", col.lang, sheet=meta.name))
        values = [[None if (isinstance(v, str) and v == "") else v for v in r] for r in rows]
        for r, c in xml.no_value:
            while len(values) < r:
                values.append([])
            row = values[r - 1]
            row.extend([None] * (c - len(row)))
            row[c - 1] = FORMULA_NO_VALUE
        merged = xml.merged or [(r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                                for (r1, c1), (r2, c2) in (getattr(sheet, "merged_cell_ranges", None) or [])]
        grid = Grid(meta.name, values, xml.formats, merged, hidden=hidden)
        grid.hidden_rows, grid.hidden_cols, grid.autofilter = xml.hidden_rows, xml.hidden_cols, xml.autofilter
        grid.external = set(xml.external)
        grids.append(grid)
    return grids


def _read_xls(data: bytes, col: Collector, reject) -> list[Grid]:
    lang = col.lang
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        reject("password_protected", t("ingest_password_help", lang))
    except Exception:  # calamine raises its own error types for every unreadable file
        reject("not_a_spreadsheet", t("ingest_xls_broken", lang))
    grids = []
    for meta in wb.sheets_metadata:
        try:
            sheet = wb.get_sheet_by_name(meta.name)
        except pc.PasswordError:
            reject("password_protected", t("ingest_password_help", lang))
        except Exception:
            reject("not_a_spreadsheet", t("ingest_sheet_unreadable", lang, sheet=meta.name))
        if sheet.height * sheet.width > MAX_CELLS:
            _too_many(reject, meta.name, sheet.height * sheet.width, lang)
        rows = sheet.to_python(skip_empty_area=False)
        values = [[None if (isinstance(v, str) and v == "") else v for v in r] for r in rows]
        merged = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
        hidden = str(getattr(meta, "visible", "Visible")).lower().endswith("hidden")
        grids.append(Grid(meta.name, values, {}, merged, hidden=hidden))
    return grids


def _decode(data: bytes) -> tuple[str, str, str]:
    """(text, encoding name, how): a BOM, then strict UTF-8, then strict GB18030 (a superset of GBK),
    and only then charset-normalizer's guess — short GBK files are never read as a Korean code page.
    ``how`` is the catalogue key saying whether the encoding was detected or guessed."""

    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "UTF-8 (BOM)", "ingest_encoding_detected"
    for enc, name in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return data.decode(enc), name, "ingest_encoding_detected"
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    if best is None:
        raise UnicodeError
    encoding = best.encoding.lower().replace("-", "_")
    try:
        return data.decode(encoding), encoding.replace("_", "-").upper(), "ingest_encoding_guessed"
    except (UnicodeDecodeError, LookupError):
        raise UnicodeError from None


def _read_csv(data: bytes, col: Collector, reject) -> Grid:
    lang = col.lang
    if b"\x00" in data[:4096]:
        reject("not_a_spreadsheet", t("ingest_csv_binary", lang))
    try:
        text, encoding, how = _decode(data)
    except UnicodeError:
        reject("not_a_spreadsheet", t("ingest_csv_encoding_unknown", lang))
    col.note(t("ingest_note_csv_encoding", lang, encoding=encoding, how=t(how, lang)))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    first = sample.splitlines()[0] if sample.splitlines() else ""
    width = max(1, first.count(delimiter) + 1)
    lines = text.count("\n") + 1
    if lines * width > MAX_CELLS:  # before parsing: the lines times the header's columns
        _too_many(reject, None, lines * width, lang)
    values = []
    for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        values.append([None if c == "" else c for c in r])
        if len(values) * width > MAX_CELLS:
            _too_many(reject, None, len(values) * width, lang, exact=False)
    return Grid(None, values)

