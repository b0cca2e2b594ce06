"""The Excel template for league reports, generated from the indicator catalogue (openpyxl).

Sheets: “盟市数据” (one row per league, one column per league-level indicator, unit in the header),
“旗县数据” (one row per county-level unit for the county-level indicators), “说明” (instructions and
the indicator list). Each data sheet has the year in a labelled cell (B2, drop-down list) and Excel
data validation: whole numbers ≥ 0 for counts, decimals ≥ 0 for money, decimals 0–100 for %.
A filled-in template imports with no warnings and no errors (tests/test_ingest_template.py).
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nmgdash.core.settings import BASELINE_YEAR
from nmgdash.ingest.catalogue import Catalogue, load

TEMPLATE_FILE_NAME = "内蒙古共青团改革数据填报模板.xlsx"
LEAGUE_SHEET, COUNTY_SHEET, HELP_SHEET = "盟市数据", "旗县数据", "说明"
YEAR_CELL = "B2"
HEADER_ROW = 4
FIRST_YEAR = BASELINE_YEAR

_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _validation(unit_measure: str) -> DataValidation:
    common = {"allow_blank": True, "showErrorMessage": True, "errorStyle": "stop", "showInputMessage": True}
    if unit_measure == "count":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", errorTitle="请填写整数",
                              error="这一列是数量：请填写不小于 0 的整数；没有数据请留空（不要填 0）。",
                              promptTitle="数量", prompt="不小于0的整数；缺失留空", **common)
    if unit_measure == "percent":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="100", errorTitle="请填写0–100",
                              error="这一列是百分比：请填写 0 到 100 之间的数（97.5 表示 97.5%）；缺失留空。",
                              promptTitle="百分比", prompt="0–100 之间的数，如 97.5", **common)
    return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", errorTitle="请填写数值",
                          error="请填写不小于 0 的数值（单位见表头）；缺失留空。", promptTitle="数值",
                          prompt="不小于0的数；单位见表头", **common)


def _year_cell(ws, year: int | None, years: list[int]) -> None:
    ws["A2"] = "年份"
    ws["A2"].font = Font(bold=True)
    ws[YEAR_CELL] = year
    ws[YEAR_CELL].fill = _INPUT_FILL
    ws[YEAR_CELL].border = _BORDER
    ws["C2"] = "← 从下拉列表选择本表数据所属年份（每张表填一个年份）"
    ws["C2"].font = Font(color="7F7F7F")
    dv = DataValidation(type="list", formula1='"' + ",".join(map(str, years)) + '"', allow_blank=False,
                        showErrorMessage=True, errorTitle="年份", error="请从下拉列表中选择年份")
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
    lines = [
        "内蒙古共青团改革数据填报模板 · 填写说明",
        "",
        "1. “盟市数据”表每行一个盟市，“旗县数据”表每行一个旗县（市、区）；请不要改动表头、盟市和旗县名称、区划代码。",
        "2. 在 B2 单元格的下拉列表中选择数据所属年份；两张表各填一个年份。一个年份填一份文件，其他年份另存一份。",
        "3. 单位以表头括号内为准：数量填整数（个、人、次……），经费以“万元”为单位，百分比填 0–100 之间的数（97.5 表示 97.5%）。",
        "4. 没有数据的单元格请留空，或填“—”“/”“无”“未填报”；不要填 0，0 表示确实为零。",
        "5. 请直接填数字，不要用公式；如有公式，请在 Excel 中计算并保存后再上传。",
        "6. 可以在盟市表最后加一行“合计”，系统会核对它是否等于各盟市之和（合计行不导入）。",
        "7. 旗县表中各旗县之和应等于盟市表中该盟市的数；不一致时导入前会提示确认。",
        "8. 保存为 .xlsx（也接受 .xls 和 .csv），在“数据管理”页上传，或由管理员执行 python -m nmgdash import 文件名。",
        "9. 导入前会显示预览（新增/修改/不变）、所有自动规范化处理、警告和错误；有错误的文件不会导入任何数据。",
        "",
        "指标一览",
    ]
    for r, text in enumerate(lines, start=1):
        ws.cell(r, 1, text)
    ws["A1"].font = Font(bold=True, size=14)
    ws.cell(len(lines), 1).font = Font(bold=True)
    head = ["指标名称", "计量单位", "填报表", "口径说明", "指标代码"]
    r0 = len(lines) + 1
    for c, text in enumerate(head, start=1):
        cell = ws.cell(r0, c, text)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
    r = r0 + 1
    for ind in league_inds:
        where = "盟市数据、旗县数据" if ind in county_inds else "盟市数据"
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
    cat = load()
    today = today or dt.date.today()
    years = list(range(FIRST_YEAR, today.year + 2))
    league_inds, county_inds = cat.importable("league"), cat.importable("county")
    wb = Workbook()
    ws = wb.active
    ws.title = LEAGUE_SHEET
    leagues = cat.leagues().sort_values("adcode")
    _data_sheet(ws, cat, "内蒙古共青团改革数据填报表（盟市）", ["盟市", "区划代码"],
                [[a.name_zh, a.adcode] for a in leagues.itertuples()], league_inds, year, years)
    ws2 = wb.create_sheet(COUNTY_SHEET)
    counties = cat.counties().sort_values(["parent_adcode", "adcode"])
    _data_sheet(ws2, cat, "内蒙古共青团改革数据填报表（旗县）", ["盟市", "旗县（市、区）", "区划代码"],
                [[cat.area_name(a.parent_adcode), a.name_zh, a.adcode] for a in counties.itertuples()],
                county_inds, year, years)
    _help_sheet(wb.create_sheet(HELP_SHEET), cat, league_inds, county_inds)
    for sheet in (ws, ws2):  # adcodes are text: keep Excel from turning them into numbers
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.isdigit():
                    cell.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
