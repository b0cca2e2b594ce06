"""报表签发页 (sign-off sheet) of an approved area of a reporting round, as a print-ready workbook.

The yearly paper report with wet signatures, replaced: for one area whose report was approved,
the round (year, deadline), the area, every figure asked of it (indicator, unit, value or 暂缺 with
its reason, last year's value, the 说明), who reported and who approved it and when (Beijing time),
and a signature line. :func:`signoff` reads it from the store (:mod:`nmgdash.storage.reporting`),
:func:`signoff_xlsx` lays it out on one A4 portrait page width (openpyxl: title, print titles,
fit to width, page numbers in the footer) and :func:`signoff_pdf` renders the same sheet as an A4
PDF with fpdf2 in the system's Noto Sans CJK (offline; :func:`pdf_available`).

Cell layout of the sheet (tests/test_progress_page.py checks it cell by cell):

====  =======================================================================
row   content
====  =======================================================================
1     title (merged A:F): "2020年度 兴安盟 报表签发页"
2     round: "填报任务：2020年度 · 截止日期 2021-03-31"
3     area: "地区：兴安盟（152200） · 状态：已审核"
5     header: 序号 · 指标 · 单位 · 数值 · 上年数值 · 说明  (repeated on every printed page)
6…    one row per figure (value and last year as numbers; 暂缺 as "暂缺：reason")
+1    blank, then 填报人 / 上报时间, 审核人 / 审核时间, blank, the signature line
====  =======================================================================
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins

from nmgdash.core.fmt import is_missing
from nmgdash.core.i18n import t
from nmgdash.core.settings import file_stamp
from nmgdash.reports.exports import escape_cell
from nmgdash.storage import reporting
from nmgdash.storage.accounts import area_name, resolve_area

#: Columns of :attr:`SignOff.figures`.
FIGURE_COLUMNS = ["indicator_id", "indicator", "unit", "value", "unavailable", "last_year", "explanation"]
#: The first row of the figures' table (the header row is the one above it).
HEADER_ROW = 5


class NotApproved(ValueError):
    """The area's report of that round is not approved: no sign-off sheet. ``str()`` is Chinese;
    ``text_en`` the English message."""

    def __init__(self, zh: str, en: str) -> None:
        self.text_en = en
        super().__init__(zh)


@dataclass(frozen=True)
class SignOff:
    """What a sign-off sheet shows. Times are Beijing time "YYYY-MM-DD HH:MM"; ``figures`` has
    :data:`FIGURE_COLUMNS` (value, last_year float or NaN; unavailable / explanation text or None),
    one row per indicator asked of the area, in the round's order."""

    year: int
    deadline: str
    adcode: str
    area: str
    state_text: str
    reporter: str
    submitted_at: str
    reviewer: str
    approved_at: str
    figures: pd.DataFrame


def signoff(year: int, area: str, lang: str = "zh") -> SignOff:
    """The sign-off sheet of ``area`` (adcode or name) in the round of ``year``, read from the store.
    Raises NotApproved when the area is not approved, ReportingError when there is no round."""
    code = resolve_area(area)
    rnd = reporting.get_round(int(year))
    if rnd is None:
        raise reporting.ReportingError([t("sign_no_round", "zh", year=int(year))], [t("sign_no_round", "en", year=int(year))])
    status = reporting.status_report(int(year), lang).set_index("adcode")
    if code not in status.index or status.at[code, "state"] != "approved":
        name = area_name(code)
        raise NotApproved(t("sign_not_approved", "zh", year=int(year), area=name),
                          t("sign_not_approved", "en", year=int(year), area=name))
    row = status.loc[code]
    frame, _ = reporting.draft(int(year), code)
    own = frame[frame["adcode"] == code]
    figures = pd.DataFrame({
        "indicator_id": own["indicator_id"], "indicator": own["indicator_name"], "unit": own["unit"],
        "value": own["value"], "unavailable": own["unavailable"], "last_year": own["last_year"],
        "explanation": own["explanation"]}, columns=FIGURE_COLUMNS).reset_index(drop=True)
    return SignOff(year=int(year), deadline=rnd.deadline.isoformat(), adcode=code, area=area_name(code),
                   state_text=str(row["state_text"]), reporter=str(row["submitted_by"] or ""),
                   submitted_at=reporting.local_time(row["submitted_at"]), reviewer=str(row["approved_by"] or ""),
                   approved_at=reporting.local_time(row["approved_at"]), figures=figures)


def file_name(sheet: SignOff, lang: str = "zh", ext: str = "xlsx") -> str:
    """"2020年度报表签发页_兴安盟.xlsx" (en: "signoff_2020_兴安盟.xlsx")."""
    return t("sign_file_name", lang, year=sheet.year, area=sheet.area, ext=ext)


def _cell_value(v: object) -> object:
    return None if v is None or (isinstance(v, str) and not v) or is_missing(v) else v


def signoff_xlsx(sheet: SignOff, lang: str = "zh") -> bytes:
    """The print-ready workbook of ``sheet`` (layout in the module docstring): A4 portrait, fitted
    to one page width, header row repeated on every page, page numbers in the footer; user-typed
    text (说明, names) escaped against formula injection and never a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = t("sign_sheet", lang)
    bold, thin = Font(bold=True), Side(style="thin", color="666666")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws["A1"] = t("sign_title", lang, year=sheet.year, area=sheet.area)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A1:F1")
    ws["A2"] = t("sign_round", lang, year=sheet.year, deadline=sheet.deadline)
    ws["A3"] = t("sign_area", lang, area=sheet.area, adcode=sheet.adcode, state=sheet.state_text)
    heads = [t(k, lang) for k in ("sign_col_no", "sign_col_indicator", "sign_col_unit", "sign_col_value",
                                   "sign_col_last_year", "sign_col_explanation")]
    for c, h in enumerate(heads, start=1):
        cell = ws.cell(HEADER_ROW, c, h)
        cell.font, cell.border, cell.alignment = bold, box, Alignment(horizontal="center", vertical="center")
    r = HEADER_ROW
    for i, f in enumerate(sheet.figures.to_dict("records"), start=1):
        r = HEADER_ROW + i
        value = _cell_value(f["value"])
        if value is None and _cell_value(f["unavailable"]) is not None:
            value = escape_cell(t("sign_unavailable", lang, reason=f["unavailable"]))
        cells = [i, escape_cell(str(f["indicator"])), escape_cell(str(f["unit"])), value,
                 _cell_value(f["last_year"]), escape_cell(_cell_value(f["explanation"]))]
        for c, v in enumerate(cells, start=1):
            cell = ws.cell(r, c, v)
            cell.border, cell.alignment = box, wrap
            if c in (4, 5) and isinstance(v, float):
                cell.number_format = "#,##0.##" if v != int(v) else "#,##0"
    r += 2
    ws.cell(r, 1, t("sign_reporter", lang, name=escape_cell(sheet.reporter), at=sheet.submitted_at))
    ws.cell(r + 1, 1, t("sign_reviewer", lang, name=escape_cell(sheet.reviewer), at=sheet.approved_at))
    ws.cell(r + 3, 1, t("sign_signatures", lang))
    for row in (r, r + 1, r + 3):
        ws.cell(row, 1).font = bold
    for col, width in zip("ABCDEF", (6, 30, 10, 12, 12, 40)):
        ws.column_dimensions[col].width = width
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:F{r + 3}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.6, right=0.6, top=0.8, bottom=0.8)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = t("sign_footer", lang)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- PDF -------------------------------------------------------------------------------------------

#: The CJK fonts of the PDF (Debian's fonts-noto-cjk): style → (font collection, face name in it).
CJK_FONTS = {"": (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), "Noto Sans CJK SC"),
             "B": (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), "Noto Sans CJK SC Bold")}
#: Column widths of the PDF's table in mm (A4 portrait, 15 mm margins: 180 mm).
PDF_WIDTHS = (10, 50, 18, 25, 25, 52)


class PdfUnavailable(RuntimeError):
    """The server has no Noto Sans CJK font (package fonts-noto-cjk): no PDF, the workbook only."""


def pdf_available() -> bool:
    """True when the CJK fonts of the PDF are on this server."""
    return all(path.is_file() for path, _ in CJK_FONTS.values())


def _font_file(style: str) -> Path:
    """The Simplified Chinese face of the Noto CJK collection as a single OpenType file (fpdf2 does
    not read collections), extracted once per font version into the temp folder."""
    from fontTools.ttLib import TTCollection  # noqa: PLC0415 (only for a PDF; fpdf2 depends on it)

    path, face = CJK_FONTS[style]
    if not path.is_file():
        raise PdfUnavailable(str(path.name))
    mtime, size = file_stamp(path)
    out = Path(tempfile.gettempdir()) / "nmgdash-fonts" / f"{path.stem}-sc-{mtime}-{size}.otf"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        fonts = TTCollection(str(path)).fonts
        font = next((f for f in fonts if f["name"].getDebugName(4) == face), fonts[0])
        tmp = out.with_suffix(f".{id(out)}.tmp")
        font.save(str(tmp))
        tmp.replace(out)  # atomic: a concurrent export never reads half a file
    return out


def number_text(v: object) -> str:
    """A figure as the sign-off sheet writes it: 1,234 / 12.5 ("" for None or NaN)."""
    if v is None or is_missing(v):
        return ""
    f = float(v)
    return f"{int(f):,}" if f == int(f) else f"{f:,.4f}".rstrip("0").rstrip(".")


def signoff_pdf(sheet: SignOff, lang: str = "zh") -> bytes:
    """``sheet`` as a one-or-more-page A4 portrait PDF (fpdf2, Noto Sans CJK SC embedded as a
    subset): the title, round and area lines, the figures' table (header repeated on each page),
    填报人 / 审核人 with their times, the signature line and "第 n 页，共 m 页" at the foot of each page.
    Raises :class:`PdfUnavailable` without the CJK fonts."""
    from fpdf import FPDF  # noqa: PLC0415 (loaded on the first PDF export only)
    from fpdf.fonts import FontFace  # noqa: PLC0415

    class _Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=9)
            self.cell(0, 6, t("sign_footer_pdf", lang, page=self.page_no(), pages="{nb}"), align="C")

    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    for style in CJK_FONTS:
        pdf.add_font("cjk", style, str(_font_file(style)))
    pdf.set_title(t("sign_title", lang, year=sheet.year, area=sheet.area))
    pdf.set_creator("nmgdash")
    pdf.add_page()
    pdf.set_font("cjk", "B", 16)
    pdf.cell(0, 10, t("sign_title", lang, year=sheet.year, area=sheet.area), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, t("sign_round", lang, year=sheet.year, deadline=sheet.deadline), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, t("sign_area", lang, area=sheet.area, adcode=sheet.adcode, state=sheet.state_text),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    heads = [t(k, lang) for k in ("sign_col_no", "sign_col_indicator", "sign_col_unit", "sign_col_value",
                                   "sign_col_last_year", "sign_col_explanation")]
    pdf.set_font("cjk", size=10)
    with pdf.table(col_widths=PDF_WIDTHS, text_align=("CENTER", "LEFT", "CENTER", "RIGHT", "RIGHT", "LEFT"),
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)), repeat_headings=1,
                   line_height=6) as table:
        table.row(heads)
        for i, f in enumerate(sheet.figures.to_dict("records"), start=1):
            value = number_text(f["value"])
            if not value and _cell_value(f["unavailable"]) is not None:
                value = t("sign_unavailable", lang, reason=f["unavailable"])
            table.row([str(i), str(f["indicator"]), str(f["unit"]), value, number_text(f["last_year"]),
                       str(_cell_value(f["explanation"]) or "")])
    pdf.ln(6)
    pdf.set_font("cjk", "B", 11)
    for line in (t("sign_reporter", lang, name=sheet.reporter, at=sheet.submitted_at),
                 t("sign_reviewer", lang, name=sheet.reviewer, at=sheet.approved_at)):
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.multi_cell(0, 8, t("sign_signatures", lang), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
