"""填报与审核 → 审核: the submissions waiting for the signed-in reviewer (areas below its scope that
are 已上报, not its own), each value beside last year's with the checks' messages and the 说明, a
per-value comment field, 通过 or 退回 with an overall reason. The figures are a preview marked 待审核:
the dashboard shows them to nobody until they are approved.

The storage functions decide who may review (:func:`reporting.approve`, :func:`reporting.return_`);
this tab only lists what they would accept."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.core.rules import plain_number
from nmgdash.storage import reporting
from nmgdash.storage.accounts import Account, areas_within
from nmgdash.ui import state
from nmgdash.ui.admin.common import flash, status_text
from nmgdash.ui.reporting import shared
from nmgdash.ui.text import plain

_GEN = "_report_review_gen"


def waiting(acc: Account) -> pd.DataFrame:
    """The submissions ``acc`` may review now: rows of :func:`reporting.status_report` (with a
    ``year`` column) of every round, state 已上报, area below ``acc``'s scope, not submitted by
    ``acc``. Empty for a reporter."""
    cols = [*reporting.STATUS_COLUMNS, "year"]
    if acc.role not in ("reviewer", "admin"):
        return pd.DataFrame(columns=cols)
    below = areas_within(acc.scope) - {acc.scope}
    parts = []
    for rnd in reporting.list_rounds():
        st_ = reporting.status_report(rnd.year, state.lang())
        st_ = st_[(st_["state"] == "submitted") & st_["adcode"].isin(below) & (st_["submitted_by"] != acc.name)]
        parts.append(st_.assign(year=rnd.year))
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def _key(year: int, area: str) -> str:
    gen = st.session_state.get(_GEN, 0)
    return f"report_review_{year}_{area}_{gen}"


def reason_key(year: int, area: str) -> str:
    """The widget key of the overall reason of a return."""
    return f"report_return_reason_{year}_{area}"


def _done() -> None:
    st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1


def _approve(year: int, area: str) -> None:
    lg = state.lang()
    acc = shared.writer()
    if acc is None:
        return
    try:
        reporting.approve(acc, year, area)
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_approve_refused", exc)
        return
    _done()
    flash("success", t("report_ui_approved", lg, year=year, area=plain(shared.area_label(area))))


def _return(year: int, area: str, cells: list[tuple[str, str]]) -> None:
    lg = state.lang()
    acc = shared.writer()
    if acc is None:
        return
    edits = (st.session_state.get(_key(year, area)) or {}).get("edited_rows") or {}
    per_value = {cells[int(i)]: str(e.get("return_comment") or "").strip() for i, e in edits.items()
                 if str(e.get("return_comment") or "").strip()}
    try:
        reporting.return_(acc, year, area, st.session_state.get(reason_key(year, area), ""), per_value)
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_return_refused", exc)
        return
    st.session_state.pop(reason_key(year, area), None)
    _done()
    flash("success", t("report_ui_returned_done", lg, year=year, area=plain(shared.area_label(area)),
                       n=len(per_value)))


def _change(value, last) -> str | None:
    if pd.isna(value) or pd.isna(last) or last == 0:
        return None
    return f"{(value / last - 1) * 100:+.0f}%"


def review_frame(year: int, area: str) -> pd.DataFrame:
    """The submitted values of ``area`` for review: indicator, unit, value (or 暂缺 with its reason),
    last year's value and status, change in %, the checks' messages, the 说明, and an empty
    ``return_comment`` column; plus the hidden ``indicator_id`` / ``adcode`` columns."""
    lg = state.lang()
    frame, _ = reporting.draft(year, area)
    frame = frame[frame["adcode"] == area].reset_index(drop=True)
    flags: dict = {}
    for f in reporting.flags(year, area):
        flags.setdefault(f.indicator_id, []).append(f.text_en if lg == "en" else f.text)
    return pd.DataFrame({
        "indicator_id": frame["indicator_id"], "adcode": frame["adcode"],
        "indicator": [shared.indicator_label(i) for i in frame["indicator_id"]],
        "unit": [shared.unit_label(i, u) for i, u in zip(frame["indicator_id"], frame["unit"])],
        "value": [t("report_unavailable_value", lg, reason=u) if shared.has_text(u)
                  else (plain_number(v) if pd.notna(v) else "—") for v, u in zip(frame["value"], frame["unavailable"])],
        "last_year": [plain_number(v) if pd.notna(v) else "—" for v in frame["last_year"]],
        "last_status": [status_text(s) if shared.has_text(s) else "—" for s in frame["last_year_status"]],
        "change": [_change(v, p) for v, p in zip(frame["value"], frame["last_year"])],
        "check": ["⚠ " + " / ".join(flags[i]) if i in flags else None for i in frame["indicator_id"]],
        "explanation": [x if shared.has_text(x) else None for x in frame["explanation"]],
        "return_comment": pd.Series([None] * len(frame), dtype=object),
    })


def review_tab(acc: Account | None) -> None:
    """审核: the submissions waiting for ``acc`` (a reviewer or admin), the chosen one's values
    (待审核 preview) with a comment field each, 通过 and 退回 with a reason."""
    lg = state.lang()
    if acc is None or acc.role not in ("reviewer", "admin"):
        st.info(t("report_ui_reviewers_only", lg), icon="ℹ️")
        return
    todo = waiting(acc)
    if todo.empty:
        st.info(t("report_ui_nothing_waiting", lg), icon="✅")
        return
    st.markdown(f"**{t('report_ui_waiting', lg, n=len(todo))}**")
    st.dataframe(pd.DataFrame({
        t("report_ui_c_year", lg): todo["year"].astype(int),
        t("report_ui_c_area", lg): [shared.area_label(c) for c in todo["adcode"]],
        t("report_ui_c_submitted_by", lg): todo["submitted_by"],
        t("report_ui_c_submitted", lg): [shared.local_time(x) for x in todo["submitted_at"]],
        t("report_ui_c_timeliness", lg): todo["timeliness_text"],
    }), hide_index=True, width="stretch", placeholder="—")
    options = list(zip(todo["year"].astype(int), todo["adcode"]))
    year, area = st.selectbox(t("report_ui_pick_submission", lg), options, key=f"report_review_pick_{lg}",
                              format_func=shared.labeller(options, lambda o: t(
                                  "report_ui_submission_option", lg, year=o[0], area=shared.area_label(o[1]))))
    row = todo[(todo["year"] == year) & (todo["adcode"] == area)].iloc[0]
    st.info(t("report_ui_preview", lg, area=plain(shared.area_label(area)), year=year,
              who=plain(row["submitted_by"]), at=shared.local_time(row["submitted_at"])), icon="ℹ️")
    view = review_frame(year, area)
    config = {
        "indicator": st.column_config.TextColumn(t("report_ui_c_indicator", lg), disabled=True),
        "unit": st.column_config.TextColumn(t("report_ui_c_unit", lg), disabled=True,
                                            width=shared.text_width(view["unit"], t("report_ui_c_unit", lg))),
        "value": st.column_config.TextColumn(t("report_ui_c_value_pending", lg, year=year), disabled=True),
        "last_year": st.column_config.TextColumn(t("report_ui_c_last_year", lg, year=year - 1), disabled=True),
        "last_status": st.column_config.TextColumn(t("report_ui_c_last_status", lg), disabled=True),
        "change": st.column_config.TextColumn(t("report_ui_c_change", lg), disabled=True, width="small"),
        "explanation": st.column_config.TextColumn(t("report_ui_c_explanation", lg), disabled=True),
        "return_comment": st.column_config.TextColumn(t("report_ui_c_return_comment", lg)),
        "check": st.column_config.TextColumn(t("report_ui_c_check", lg), disabled=True, width="large"),
    }
    st.data_editor(view, column_config=config, column_order=list(config), hide_index=True, num_rows="fixed", placeholder="—",
                   key=_key(year, area), width="stretch")
    cells = list(zip(view["indicator_id"], view["adcode"]))
    st.text_input(t("report_ui_return_reason", lg), key=reason_key(year, area))
    c1, c2 = st.columns(2)
    c1.button(t("report_ui_approve", lg), key=f"report_approve_{year}_{area}", type="primary", on_click=_approve,
              args=(year, area), width="stretch")
    c2.button(t("report_ui_return", lg), key=f"report_return_{year}_{area}", on_click=_return,
              args=(year, area, cells), width="stretch")
