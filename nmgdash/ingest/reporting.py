"""Filling a yearly reporting draft from a file (年度填报与审核; the store side is
:mod:`nmgdash.storage.reporting`): the importer's parser and messages, then
:func:`nmgdash.storage.reporting.save_draft`."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.datavalidation import DataValidation

from nmgdash.core.i18n import t
from nmgdash.ingest import catalogue
from nmgdash.ingest.messages import where
from nmgdash.ingest.plan import load_file
from nmgdash.storage import reporting
from nmgdash.storage.accounts import Account, NotPermitted, area_name, resolve_area


def save_file(actor: Account | str, year: int, data: bytes, name: str) -> reporting.Saved:
    """Fill the draft of the round of ``year`` from the file ``data`` named ``name`` (xlsx/xls/csv,
    e.g. the import template): read, normalised and checked by the importer (:func:`load_file`, same
    messages), then saved with :func:`reporting.save_draft` in the actor's scope, over whatever the
    draft holds (no version check). Every value must be for ``year``. A value cell holding a missing
    marker (暂缺, 无, —, / …: ``plan.markers``) marks that figure 暂缺, with the reason written in the
    row's 说明 / 备注 / 原因 column (required: else the file is refused, naming the cell); an empty cell
    changes nothing. Returns the draft's new version (:class:`reporting.Saved`: also says when late).

    Raises :class:`reporting.DraftRejected` (the file's errors, with file, sheet and cell; values of
    another year; 暂缺 without a reason; the rules of save_draft), NotPermitted (rows of areas outside
    the actor's scope, one line per row: “「f.xlsx」工作表“填报表”第6行：包头市不在您的填报范围（兴安盟）内”),
    ReportingError, StoreUnavailable. Nothing is saved unless everything is accepted."""
    plan = load_file(data, name)
    # a file whose only figures are 暂缺 markers has “no values” for the importer, but is a draft's
    # entry: its markers are checked below (each needs a reason)
    errors = [e for e in plan.errors if not (e.kind == "no_values" and len(plan.markers))]
    if errors:
        raise reporting.DraftRejected([e.text for e in errors], [e.text_in("en") for e in errors])
    rows, markers = plan.rows, plan.markers
    if isinstance(actor, Account):
        denied = [t("report_file_out_of_scope", "zh", where=_where(name, r.sheet, r.cell, "zh", row_only=True),
                    area=area_name(r.adcode), scope=actor.scope_name)
                  for frame in (rows, markers) for r in frame.itertuples() if not actor.may_write(r.adcode)]
        denied = list(dict.fromkeys(denied))  # a row of a wide file holds several values: name it once
        if denied:
            raise NotPermitted("\n".join(denied), denied)
    lines = []
    lines += [tuple(t("report_file_other_year", lang, where=_where(name, r.sheet, r.cell, lang), year=int(r.year),
                      round=int(year)) for lang in ("zh", "en"))
              for frame in (rows, markers) for r in frame[frame["year"] != int(year)].itertuples()]
    lines += [tuple(t("report_file_unavailable_reason", lang, where=_where(name, r.sheet, r.cell, lang), marker=r.marker,
                      name=reporting.indicator_name(r.indicator_id, lang)) for lang in ("zh", "en"))
              for r in markers.itertuples() if not str(r.note or "").strip() and int(r.year) == int(year)]
    if lines:
        raise reporting.DraftRejected([z for z, _ in lines], [e for _, e in lines])
    values = {(r.indicator_id, r.adcode): float(r.value) for r in rows.itertuples()}
    unavailable = {(r.indicator_id, r.adcode): str(r.note).strip() for r in markers.itertuples()}
    scope = actor.scope if isinstance(actor, Account) else "150000"
    return reporting.save_draft(actor, year, scope, values, unavailable)


def _where(file: str, sheet, cell: str, lang: str, *, row_only: bool = False) -> str:
    """「f.xlsx」工作表“填报表”第5行C列（C5） for a value cell of an uploaded file (the row only with ``row_only``)."""
    col, row = coordinate_from_string(str(cell))
    sheet = sheet if isinstance(sheet, str) and sheet else None
    return where(file, sheet, row, None if row_only else column_index_from_string(col), lang)


#: The marker a reporting template writes (and a reporter types) for a figure that is 暂缺: a cell word
#: the reader recognises (nmgdash.ingest.normalize.MISSING_MARKERS), the same in both languages.
UNAVAILABLE_MARKER = t("report_unavailable_marker", "zh")


def template_file_name(year: int, area: str) -> str:
    """The reporting template's download name, e.g. “2020年度填报_科尔沁右翼前旗.xlsx”."""
    return t("report_template_file_name", "zh", year=int(year), area=area_name(resolve_area(area)))


def build_template(year: int, area: str) -> bytes:
    """The Excel template (xlsx bytes) for the draft of ``area`` (adcode or name) in the round of
    ``year``: one sheet, a title and a hint, then the header row 地区 | 年份 | one column per indicator
    the round asks (name with unit, as the importer reads it) | 说明, and one row per area of the
    draft (the area, then the areas below it that the round asks), prefilled with the draft: the
    value, or 暂缺 with its reason(s) in 说明. Cells an area is not asked are grey and must stay
    empty. Number cells accept a non-negative number (0–100 for %) or the word 暂缺 (Excel data
    validation). Uploading it (:func:`save_file`) saves exactly what it holds; empty cells change
    nothing. Chinese only, like the import template. Raises ReportingError (no round)."""
    area = resolve_area(area)
    rnd = reporting.get_round(year)
    if rnd is None:
        raise reporting.ReportingError([t("report_no_round", "zh", year=year)], [t("report_no_round", "en", year=year)])
    frame, _ = reporting.draft(rnd.year, area)
    cat = catalogue.load()
    inds = [i for i in rnd.indicators if i in set(frame["indicator_id"])]
    codes = list(dict.fromkeys(frame["adcode"]))
    wb = Workbook()
    ws = wb.active
    ws.title = t("report_template_sheet", "zh")
    ws["A1"] = t("report_template_title", "zh", year=rnd.year, area=area_name(area))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = t("report_template_hint", "zh", marker=UNAVAILABLE_MARKER, deadline=rnd.deadline.isoformat())
    head = 4
    headers = [t("report_template_head_area", "zh"), t("template_year_label", "zh"),
               *[cat.template_header(i) for i in inds], t("report_template_head_reason", "zh")]
    for c, text in enumerate(headers, start=1):
        ws.cell(head, c, text).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = 16
    grey = PatternFill("solid", fgColor="E0E0E0")
    cells = frame.set_index(["adcode", "indicator_id"])
    for r, code in enumerate(codes, start=head + 1):
        ws.cell(r, 1, area_name(code))
        ws.cell(r, 2, rnd.year)
        reasons = []
        for c, ind in enumerate(inds, start=3):
            cell = ws.cell(r, c)
            if (code, ind) not in cells.index:
                cell.fill = grey
                continue
            row = cells.loc[(code, ind)]
            if row["unavailable"]:
                cell.value = UNAVAILABLE_MARKER
                reasons.append(row["unavailable"])
            elif not pd.isna(row["value"]):
                cell.value = float(row["value"])
        ws.cell(r, len(inds) + 3, t("list_sep", "zh").join(dict.fromkeys(reasons)) or None)
    last = head + len(codes)
    for c, ind in enumerate(inds, start=3):
        col = get_column_letter(c)
        top = f"{col}{head + 1}"
        upper = "100" if cat.unit(ind) == "%" else "1E+15"
        whole = f"INT({top})={top}" if cat.measure(ind) == "count" else "TRUE"
        dv = DataValidation(type="custom", allow_blank=True, showErrorMessage=True,
                            formula1=f'OR({top}="{UNAVAILABLE_MARKER}",AND(ISNUMBER({top}),{top}>=0,{top}<={upper},{whole}))',
                            error=t("report_template_cell_error", "zh", marker=UNAVAILABLE_MARKER))
        ws.add_data_validation(dv)
        dv.add(f"{col}{head + 1}:{col}{last}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
