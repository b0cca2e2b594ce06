"""Table exports (CSV and .xlsx) that any reader takes in as a plain table.

Scheme (the same for every export):

- **CSV**: UTF-8 with BOM; the first line is the header, every further line a row. No notice
  line: ``pandas.read_csv`` and Excel's import read the columns as they are.
- **Excel**: the data sheet comes first (header in row 1, the status column among the columns).
  A sample export names it ``数据（示例数据）`` / ``data (SAMPLE)``; the notes sheet ``说明`` /
  ``notes`` comes second and holds the notice. ``pandas.read_excel`` reads sheet 0 unchanged.
- **Sample labelling** travels in the rows themselves (status column 示例, source column
  “示例数据（生成，非实报）…”), in the Excel sheet name and in the file name (:func:`download_name`,
  the same rule for CSV, Excel, PNG and PPTX downloads).
- **Formula injection** (OWASP “CSV Injection”): a text cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return — or their full-width forms ＝＋－＠, which spreadsheet
  programs in CJK locales also take as formula starts — gets a leading single quote, so a
  spreadsheet shows it as text instead of evaluating it. Only text cells are touched: numbers,
  negative numbers included, stay numbers.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pandas as pd
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from nmgdash.core.i18n import t

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV Injection),
#: plus their full-width forms.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def escape_cell(value: object) -> object:
    """OWASP CSV-injection escape of one cell: text starting with a formula character gets a
    leading ``'``; anything that is not text (numbers, None, NaN) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    """Whole-number float columns become nullable integers (100 is written as 100, not 100.0);
    text cells are escaped against formula injection (:func:`escape_cell`); column names too."""
    out = table.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
            out[col] = s.astype("Int64")
        elif pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(escape_cell, na_action="ignore")
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def download_name(stem: str, ext: str, *, sample: bool, lang: str = "zh", today: date | None = None) -> str:
    """The file name of every download (CSV, Excel, PNG, PPTX): ``<stem>[_示例数据]_<YYYYMMDD>.<ext>``.
    A file holding sample values says so in its name (``_示例数据`` / ``_SAMPLE``, i18n
    ``admin_export_stem_sample``), whatever its kind; ``today`` defaults to the current date.
    Example: ``download_name("汇报材料_2019", "pptx", sample=True, today=date(2026, 12, 3))`` →
    ``汇报材料_2019_示例数据_20261203.pptx``."""
    tag = t("admin_export_stem_sample", lang) if sample else ""
    return f"{stem}{tag}_{(today or date.today()):%Y%m%d}.{ext}"


def shows_sample(*frames: pd.DataFrame | None) -> bool:
    """The one rule for marking a download as sample (:func:`download_name`'s ``sample``): True when
    any of ``frames`` (the rows a figure or table shows: long frames with a ``status`` column of
    status codes) holds a row with status ``"sample"``. A frame without a ``status`` column (census
    figures, the bulletin's innovations) or None holds no sample values."""
    return any(f is not None and "status" in f.columns and bool((f["status"] == "sample").any()) for f in frames)


def data_sheet_name(sample: bool, lang: str = "zh") -> str:
    """Name of the data sheet: 数据 / data, with the sample notice in it for sample exports."""
    return t("export_data_sheet_sample" if sample else "export_data_sheet", lang)


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as CSV (RFC 4180, CRLF): UTF-8 with BOM (Excel opens it with the right encoding), header first,
    no index, missing values as empty cells, text cells escaped against formula injection.

    ``pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")`` gives back ``table`` (whole-number
    floats as integers)."""
    # CRLF line ends (RFC 4180): the writer then also quotes a field holding a lone CR or LF
    return _tidy(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(table: pd.DataFrame, note: str = "", lang: str = "zh", sample: bool = False) -> bytes:
    """An .xlsx with the table on the first sheet (see :func:`data_sheet_name`; columns sized to
    their text, header row frozen) and ``note`` on the second sheet 说明/notes (default: where the
    sources are). Text cells are escaped against formula injection and written as text, never as
    formulas. ``pd.read_excel(data)`` reads the first sheet back as ``table``."""
    data_sheet = data_sheet_name(sample, lang)
    note_sheet = t("export_note_sheet", lang)
    note = note or t("export_note", lang)
    tidy = _tidy(table)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        tidy.to_excel(xl, index=False, sheet_name=data_sheet)
        pd.DataFrame({note_sheet: [note]}).to_excel(xl, index=False, sheet_name=note_sheet)
        sheet = xl.sheets[data_sheet]
        sheet.freeze_panes = "A2"
        for row in sheet.iter_rows():
            for cell in row:  # belt and braces: no cell of an export is ever a formula
                if cell.data_type == "f":
                    cell.data_type = "s"
        for i, col in enumerate(tidy.columns, 1):
            longest = max([len(str(col))] + [len(str(v)) for v in tidy[col].dropna()])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, 2 + 1.6 * longest)
        xl.sheets[note_sheet].column_dimensions["A"].width = 100
    return buf.getvalue()


# --- whole-database export and the completeness matrix (数据管理, nmgdash.ui.admin) -------------------

#: Characters Excel does not allow in a sheet name.
_SHEET_BAD = str.maketrans({c: "·" for c in "[]:*?/\\"})


def sheet_name(text: str, taken: set[str] | None = None) -> str:
    """An Excel-safe sheet name for ``text``: ``[]:*?/\\`` become ``·`` (阵地建设/青年爱里 →
    阵地建设·青年爱里), at most 31 characters, unique among ``taken`` (which it updates)."""
    base = str(text).translate(_SHEET_BAD).strip("'") or "sheet"
    name, n = base[:31], 2
    while taken is not None and name in taken:
        suffix = f"({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    if taken is not None:
        taken.add(name)
    return name


def _write_sheet(xl: pd.ExcelWriter, name: str, table: pd.DataFrame,
                 fills: pd.DataFrame | None = None) -> None:
    """One sheet of a workbook: the table escaped (:func:`_tidy`), header frozen, columns sized,
    no cell a formula; ``fills`` (same shape as ``table``, hex colours or None) colours cells."""

    tidy = _tidy(table)
    tidy.to_excel(xl, index=False, sheet_name=name)
    sheet = xl.sheets[name]
    sheet.freeze_panes = "A2"
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    for i, col in enumerate(tidy.columns, 1):
        longest = max([len(str(col))] + [len(str(v)) for v in tidy[col].dropna().head(2000)])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, 2 + 1.6 * longest)
    if fills is not None:
        for r, row in enumerate(fills.itertuples(index=False), start=2):
            for c, colour in enumerate(row, start=1):
                if isinstance(colour, str) and colour:
                    sheet.cell(r, c).fill = PatternFill("solid", fgColor=colour.lstrip("#").upper())


def workbook_bytes(sheets: dict[str, pd.DataFrame], fills: dict[str, pd.DataFrame] | None = None) -> bytes:
    """An .xlsx with one sheet per entry of ``sheets`` (in order; names made Excel-safe with
    :func:`sheet_name`). Every sheet is written as :func:`to_xlsx_bytes` writes its data sheet:
    header in row 1, text escaped against formula injection, never a formula. ``fills`` maps a
    sheet's key to a frame of cell colours (see :func:`_write_sheet`)."""
    buf = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for key, table in sheets.items():
            _write_sheet(xl, sheet_name(key, taken), table, (fills or {}).get(key))
    return buf.getvalue()


def csv_zip_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """A .zip with one CSV per entry (``<key>.csv``, written by :func:`to_csv_bytes`: UTF-8 with
    BOM, header first, text escaped). File names use :func:`sheet_name`'s safe characters but are
    not cut to 31 characters."""

    buf = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, table in tables.items():
            name = str(key).translate(_SHEET_BAD) or "table"
            stem, n = name, 2
            while name in used:
                name, n = f"{stem}({n})", n + 1
            used.add(name)
            zf.writestr(f"{name}.csv", to_csv_bytes(table))
    return buf.getvalue()
