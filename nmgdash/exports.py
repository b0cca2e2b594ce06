"""Table exports. Sample data is never silent: a sample export's CSV starts with the notice line
and its workbook has the notice on a second sheet (the file name is marked by the caller)."""

from __future__ import annotations

import io

import pandas as pd


def to_csv_bytes(table: pd.DataFrame, note: str = "") -> bytes:
    """UTF-8 with BOM (Excel opens it with the right encoding); ``note`` becomes a first ``# `` line."""
    return ((f"# {note}\n" if note else "") + table.to_csv(index=False)).encode("utf-8-sig")


def to_xlsx_bytes(table: pd.DataFrame, note: str = "", lang: str = "zh") -> bytes:
    """An .xlsx with the table on sheet 数据/data and ``note`` on sheet 说明/notes."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        table.to_excel(xl, index=False, sheet_name="数据" if lang == "zh" else "data")
        pd.DataFrame({"说明" if lang == "zh" else "note": [note or "—"]}).to_excel(
            xl, index=False, sheet_name="说明" if lang == "zh" else "notes")
    return buf.getvalue()
