"""Table exports. Sample data is never silent: a sample export's CSV starts with the notice line
and its workbook has the notice on a second sheet (the file name is marked by the caller)."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl.utils import get_column_letter


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    """Whole-number float columns become nullable integers, so 100 is written as 100, not 100.0."""
    out = table.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
            out[col] = s.astype("Int64")
    return out


def to_csv_bytes(table: pd.DataFrame, note: str = "") -> bytes:
    """UTF-8 with BOM (Excel opens it with the right encoding); ``note`` becomes a first ``# `` line."""
    return ((f"# {note}\n" if note else "") + _tidy(table).to_csv(index=False)).encode("utf-8-sig")


def to_xlsx_bytes(table: pd.DataFrame, note: str = "", lang: str = "zh") -> bytes:
    """An .xlsx with the table on sheet 数据/data (columns sized to their text) and ``note`` on
    sheet 说明/notes (default: where the sources are)."""
    data_sheet, note_sheet = ("数据", "说明") if lang == "zh" else ("data", "notes")
    note = note or ("每行的数据来源与状态见“来源”“状态”列。" if lang == "zh" else "Each row's source and status are in its columns.")
    tidy = _tidy(table)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        tidy.to_excel(xl, index=False, sheet_name=data_sheet)
        pd.DataFrame({note_sheet: [note]}).to_excel(xl, index=False, sheet_name=note_sheet)
        sheet = xl.sheets[data_sheet]
        for i, col in enumerate(tidy.columns, 1):
            longest = max([len(str(col))] + [len(str(v)) for v in tidy[col].dropna()])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, 2 + 1.6 * longest)
        xl.sheets[note_sheet].column_dimensions["A"].width = 100
    return buf.getvalue()
