"""The Excel template for league reports, generated from the indicator catalogue (openpyxl).

Sheets: “盟市数据” (one row per league, one column per league-level indicator, unit in the header),
“旗县数据” (one row per county-level unit for the county-level indicators), “说明” (instructions and
the indicator list). Each data sheet has the year in a labelled cell (B2, drop-down list) and Excel
data validation: whole numbers ≥ 0 for counts, decimals ≥ 0 for money, decimals 0–100 for %.
A filled-in template imports with no warnings and no errors (tests/test_ingest_template.py).

Every text in it comes from the string catalogues (``template_…`` keys). The template is issued in
Chinese only: its sheet names, headers and year label are the layout the reader recognises
(nmgdash/ingest/read.py) and the one league staff know.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nmgdash.core.i18n import t
from nmgdash.core.settings import BASELINE_YEAR
from nmgdash.ingest.catalogue import Catalogue, load

#: The language of the template's cells (see the module docstring).
TEMPLATE_LANG = "zh"


def _t(key: str) -> str:
    """A template text from the catalogues, in :data:`TEMPLATE_LANG`."""
    return t(key, TEMPLATE_LANG)


TEMPLATE_FILE_NAME = _t("template_file_name")
LEAGUE_SHEET, COUNTY_SHEET, HELP_SHEET = _t("template_sheet_league"), _t("template_sheet_county"), _t("template_sheet_help")
YEAR_CELL = "B2"
HEADER_ROW = 4
FIRST_YEAR = BASELINE_YEAR


def template_file_name(year: int | None = None) -> str:
    """The template's download name: :data:`TEMPLATE_FILE_NAME`, or with the year it is for
    ("内蒙古共青团改革数据填报模板_2019年.xlsx")."""
    return TEMPLATE_FILE_NAME if year is None else _t("template_file_name_year").format(year=year)

_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _validation(unit_measure: str) -> DataValidation:
    common = {"allow_blank": True, "showErrorMessage": True, "errorStyle": "stop", "showInputMessage": True}
    if unit_measure == "count":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              errorTitle=_t("template_count_error_title"), error=_t("template_count_error"),
                              promptTitle=_t("template_count_prompt_title"), prompt=_t("template_count_prompt"), **common)
    if unit_measure == "percent":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                              errorTitle=_t("template_percent_error_title"), error=_t("template_percent_error"),
                              promptTitle=_t("template_percent_prompt_title"), prompt=_t("template_percent_prompt"),
                              **common)
    return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                          errorTitle=_t("template_value_error_title"), error=_t("template_value_error"),
                          promptTitle=_t("template_value_prompt_title"), prompt=_t("template_value_prompt"), **common)


def _year_cell(ws, year: int | None, years: list[int]) -> None:
    ws["A2"] = _t("template_year_label")
    ws["A2"].font = Font(bold=True)
    ws[YEAR_CELL] = year
    ws[YEAR_CELL].fill = _INPUT_FILL
    ws[YEAR_CELL].border = _BORDER
    ws["C2"] = _t("template_year_hint")
    ws["C2"].font = Font(color="7F7F7F")
    dv = DataValidation(type="list", formula1='"' + ",".join(map(str, years)) + '"', allow_blank=False,
                        showErrorMessage=True, errorTitle=_t("template_year_label"), error=_t("template_year_error"))
    ws.add_data_validation(dv)
    dv.add(YEAR_CELL)


def _data_sheet(ws, cat: Catalogue, title: str, key_headers: list[str], rows: list[list[str]], indicators: list[str],
                year: int | None, years: list[int]) -> None:
    ncols = len(key_headers) + len(indicators)
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(ncols, 3))
    _year_cell(ws, year, years)
    headers = key_headers + [cat.template_header(i) for i in indicators]
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, c, text)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = 14 if c <= len(key_headers) else 16
    ws.row_dimensions[HEADER_ROW].height = 48
    first, last = HEADER_ROW + 1, HEADER_ROW + len(rows)
    for r, keys in enumerate(rows, start=first):
        for c, v in enumerate(keys, start=1):
            ws.cell(r, c, v).border = _BORDER
        for c in range(len(key_headers) + 1, ncols + 1):
            cell = ws.cell(r, c)
            cell.fill = _INPUT_FILL
            cell.border = _BORDER
    for j, ind in enumerate(indicators, start=len(key_headers) + 1):
        measure = cat.measure(ind)
        dv = _validation(measure)
        ws.add_data_validation(dv)
        letter = get_column_letter(j)
        dv.add(f"{letter}{first}:{letter}{last}")
        fmt = "0" if measure == "count" else "0.0#"
        for r in range(first, last + 1):
            ws.cell(r, j).number_format = fmt
    ws.freeze_panes = ws.cell(first, len(key_headers) + 1)


def _help_sheet(ws, cat: Catalogue, league_inds: list[str], county_inds: list[str]) -> None:
    lines = [_t("template_help_title"), "", *(_t(f"template_help_{i}") for i in range(1, 10)), "",
             _t("template_indicator_list")]
    for r, text in enumerate(lines, start=1):
        ws.cell(r, 1, text)
    ws["A1"].font = Font(bold=True, size=14)
    ws.cell(len(lines), 1).font = Font(bold=True)
    head = [_t(f"template_list_{k}") for k in ("name", "unit", "sheet", "definition", "id")]
    r0 = len(lines) + 1
    for c, text in enumerate(head, start=1):
        cell = ws.cell(r0, c, text)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
    r = r0 + 1
    for ind in league_inds:
        where = _t("template_list_both_sheets") if ind in county_inds else LEAGUE_SHEET
        row = cat.indicators.loc[ind]
        for c, v in enumerate([cat.template_header(ind), row["unit"], where, row["definition"], ind], start=1):
            ws.cell(r, c, v).alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    for letter, width in zip("ABCDE", (30, 10, 18, 60, 26)):
        ws.column_dimensions[letter].width = width


def build_template(year: int | None = None, today: dt.date | None = None) -> bytes:
    """The .xlsx template as bytes (for st.download_button / the CLI ``template`` command).

    ``year`` pre-selects the year cell (None leaves it empty for staff to choose). The year
    drop-down offers 2017 (the pre-reform baseline) to next year."""
    return _workbook(year, today)


def _workbook(year: int | None, today: dt.date | None) -> bytes:
    cat = load()
    today = today or dt.date.today()
    years = sorted({*range(FIRST_YEAR, today.year + 2), *([year] if year else [])})
    league_inds, county_inds = cat.importable("league"), cat.importable("county")
    leagues = cat.leagues().sort_values("adcode")
    counties = cat.counties().sort_values(["parent_adcode", "adcode"])
    wb = Workbook()
    ws = wb.active
    sheets = []
    if len(leagues) and league_inds:
        ws.title = LEAGUE_SHEET
        _data_sheet(ws, cat, _t("template_title_league"), [_t("template_head_league"), _t("template_head_code")],
                    [[a.name_zh, a.adcode] for a in leagues.itertuples()], league_inds, year, years)
        sheets.append(ws)
    if len(counties) and county_inds:
        ws2 = wb.create_sheet(COUNTY_SHEET) if sheets else ws
        ws2.title = COUNTY_SHEET
        _data_sheet(ws2, cat, _t("template_title_county"),
                    [_t("template_head_league"), _t("template_head_county"), _t("template_head_code")],
                    [[cat.area_name(a.parent_adcode), a.name_zh, a.adcode] for a in counties.itertuples()],
                    county_inds, year, years)
        sheets.append(ws2)
    _help_sheet(wb.create_sheet(HELP_SHEET), cat, league_inds, county_inds)
    for sheet in sheets:  # adcodes are text: keep Excel from turning them into numbers
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.isdigit():
                    cell.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
