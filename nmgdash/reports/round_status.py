"""填报进度 of a reporting round as a table and a workbook: every area's state, the date of each
step (Beijing time), who did it, and whether it was on time.

Pure builders for the page 填报进度 (:mod:`nmgdash.ui.reporting.progress`): they take the frame of
:func:`nmgdash.storage.reporting.status_report` (columns ``STATUS_COLUMNS``: state keys, UTC ISO
times, account names) and return frames or .xlsx bytes in the given language ('zh' or 'en').
Nothing here reads the store or draws.
"""

from __future__ import annotations

import pandas as pd

from nmgdash.core.fmt import is_missing
from nmgdash.core.i18n import t
from nmgdash.reports import exports
from nmgdash.storage import reporting

#: Map and table colour of each state of an area (the keys of ``reporting.STATES``).
STATE_COLOURS = {"not_started": "#e5e7eb", "draft": "#fde68a", "submitted": "#93c5fd",
                 "returned": "#fca5a5", "approved": "#4ade80"}
#: Table colour of the timeliness cell (late and overdue in red).
TIMELINESS_COLOURS = {"late": "#fecaca", "overdue": "#fecaca"}


def beijing(at: object) -> str:
    """A stored UTC ISO time as Beijing time ``YYYY-MM-DD HH:MM`` ("" for None/NaN/empty;
    :func:`nmgdash.storage.reporting.local_time`)."""
    return "" if at is None or is_missing(at) else reporting.local_time(str(at))


def _text(v: object) -> str:
    return "" if v is None or is_missing(v) else str(v)


def status_table(status: pd.DataFrame, lang: str = "zh", names: dict[str, str] | None = None) -> pd.DataFrame:
    """The 填报进度 table of ``status`` (a ``status_report`` frame, leagues each followed by their
    counties): one row per area, all text, columns in ``lang`` — 区划代码, 地区 (counties prefixed
    "　└ "), 级别 (盟市/旗县), 状态, 最后保存, 保存时间, 上报人, 上报时间, 退回人, 退回时间, 退回原因,
    审核人, 审核时间, 及时性. Times are Beijing time "YYYY-MM-DD HH:MM"; a step not done is "".
    ``names``: adcode → area name in ``lang`` (default: the frame's Chinese ``area_name``)."""
    rows = []
    for r in status.to_dict("records"):
        county = r["level"] == "county"
        rows.append({
            t("prog_col_adcode", lang): r["adcode"],
            t("prog_col_area", lang): ("　└ " if county else "") + (names or {}).get(r["adcode"], _text(r["area_name"])),
            t("prog_col_level", lang): t(f"level_{r['level']}", lang),
            t("prog_col_state", lang): _text(r["state_text"]),
            t("prog_col_saved_by", lang): _text(r["saved_by"]),
            t("prog_col_saved_at", lang): beijing(r["saved_at"]),
            t("prog_col_submitted_by", lang): _text(r["submitted_by"]),
            t("prog_col_submitted_at", lang): beijing(r["submitted_at"]),
            t("prog_col_returned_by", lang): _text(r["returned_by"]),
            t("prog_col_returned_at", lang): beijing(r["returned_at"]),
            t("prog_col_return_reason", lang): _text(r["return_reason"]),
            t("prog_col_approved_by", lang): _text(r["approved_by"]),
            t("prog_col_approved_at", lang): beijing(r["approved_at"]),
            t("prog_col_timeliness", lang): _text(r["timeliness_text"]),
        })
    columns = [t(k, lang) for k in ("prog_col_adcode", "prog_col_area", "prog_col_level", "prog_col_state",
                                    "prog_col_saved_by", "prog_col_saved_at", "prog_col_submitted_by",
                                    "prog_col_submitted_at", "prog_col_returned_by", "prog_col_returned_at",
                                    "prog_col_return_reason", "prog_col_approved_by", "prog_col_approved_at",
                                    "prog_col_timeliness")]
    return pd.DataFrame(rows, columns=columns)


def status_colours(status: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Cell colours for :func:`status_table` (same shape): the 状态 cell by state
    (:data:`STATE_COLOURS`), the 及时性 cell red when late or overdue, else None."""
    fills = pd.DataFrame(None, index=range(len(table)), columns=table.columns, dtype=object)
    state_col, time_col = table.columns[3], table.columns[-1]
    for i, (s, tl) in enumerate(zip(status["state"], status["timeliness"])):
        fills.at[i, state_col] = STATE_COLOURS.get(s)
        fills.at[i, time_col] = TIMELINESS_COLOURS.get(tl)
    return fills


def status_file_name(year: int, lang: str = "zh") -> str:
    """The workbook's file name: "2020年度填报进度.xlsx" (en: "reporting_progress_2020.xlsx")."""
    return t("prog_file_name", lang, year=int(year))


def status_xlsx(year: int, status: pd.DataFrame, totals: str, lang: str = "zh",
                names: dict[str, str] | None = None) -> bytes:
    """The 填报进度 workbook of round ``year``: sheet “2020年度填报进度” (the :func:`status_table`,
    state and late cells coloured) and “说明” (the totals line ``totals`` — the text of
    ``reporting.progress`` — and that times are Beijing time). Text cells are escaped against
    formula injection (:func:`nmgdash.reports.exports.workbook_bytes`)."""
    table = status_table(status, lang, names)
    title = t("prog_sheet", lang, year=int(year))
    notes = pd.DataFrame({t("prog_notes_col", lang): [totals, t("prog_times_note", lang)]})
    return exports.workbook_bytes({title: table, t("prog_notes_sheet", lang): notes},
                                  fills={title: status_colours(status, table)})
