"""填报与审核 → 填报任务 (admins): the rounds, opening one (year, indicators — by default
:func:`reporting.default_indicators` of that year —, deadline, note), closing one, reopening one
area with a reason. The storage functions check again that the account is an admin."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.storage import reporting
from nmgdash.storage.accounts import Account
from nmgdash.ui import data, state
from nmgdash.ui.admin.common import flash
from nmgdash.ui.reporting import shared
from nmgdash.ui.text import plain

YEAR_KEY = "report_new_year"
DEADLINE_KEY, NOTE_KEY = "report_new_deadline", "report_new_note"
REOPEN_REASON_KEY = "report_reopen_reason"


def askable() -> list[str]:
    """Every indicator a round may ask (league or county level), in catalogue order."""
    return [i for i in data.catalogue().index if reporting.askable_levels(i)]


def inds_key() -> str:
    """The key of the indicators' multiselect: it names the language (the options' labels change with it)."""
    return f"report_new_inds_{state.lang()}"


def _year_changed() -> None:
    st.session_state[inds_key()] = reporting.default_indicators(int(st.session_state[YEAR_KEY]))


def _open() -> None:
    lg = state.lang()
    acc = shared.writer()
    if acc is None:
        return
    year = int(st.session_state[YEAR_KEY])
    try:
        rnd = reporting.open_round(acc, year, st.session_state[DEADLINE_KEY], st.session_state.get(inds_key()) or [],
                                   st.session_state.get(NOTE_KEY, ""))
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_open_refused", exc)
        return
    flash("success", t("report_ui_opened", lg, year=rnd.year, n=len(rnd.indicators), date=rnd.deadline.isoformat()))


def _close(year: int) -> None:
    acc = shared.writer()
    if acc is None:
        return
    try:
        reporting.close_round(acc, year)
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_close_refused", exc)
        return
    flash("success", t("report_ui_closed", state.lang(), year=year))


def _reopen(year: int) -> None:
    acc = shared.writer()
    if acc is None:
        return
    area = st.session_state.get(f"report_reopen_area_{year}_{state.lang()}")
    try:
        reporting.reopen_area(acc, year, area, st.session_state.get(REOPEN_REASON_KEY, ""))
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_reopen_refused", exc)
        return
    st.session_state.pop(REOPEN_REASON_KEY, None)
    flash("success", t("report_ui_reopened", state.lang(), year=year, area=plain(shared.area_label(area))))


def rounds_frame() -> pd.DataFrame:
    """Every round as shown: year, deadline, number of indicators, state, opened by / at, note."""
    lg = state.lang()
    rounds = reporting.list_rounds()
    return pd.DataFrame({
        t("report_ui_c_year", lg): [r.year for r in rounds],
        t("report_ui_c_deadline", lg): [r.deadline.isoformat() for r in rounds],
        t("report_ui_c_indicators", lg): [len(r.indicators) for r in rounds],
        t("report_ui_c_round_state", lg): [t(f"report_ui_round_{r.state}", lg) for r in rounds],
        t("report_ui_c_progress", lg): [reporting.progress(r.year, lg)["text"] for r in rounds],
        t("report_ui_c_opened", lg): [f"{r.opened_by} {shared.local_time(r.opened_at)}" for r in rounds],
        t("report_ui_c_note", lg): [r.note for r in rounds],
    })


def rounds_tab(acc: Account | None) -> None:
    """填报任务 (admins): the rounds table and the forms to open a round, close one and reopen an area."""
    lg = state.lang()
    if acc is None or not acc.is_admin:
        st.info(t("report_ui_admins_only", lg), icon="ℹ️")
        return
    rounds = reporting.list_rounds()
    if rounds:
        st.dataframe(rounds_frame(), hide_index=True, width="stretch", placeholder="—")
    else:
        st.info(t("report_ui_no_rounds", lg), icon="ℹ️")
    with st.container(border=True):
        st.markdown(f"**{t('report_ui_open_heading', lg)}**")
        if YEAR_KEY not in st.session_state:
            st.session_state[YEAR_KEY] = shared.today_beijing().year - 1
        if inds_key() not in st.session_state:
            _year_changed()
        c1, c2 = st.columns(2)
        c1.number_input(t("report_ui_year", lg), min_value=2000, max_value=shared.today_beijing().year + 1, step=1,
                        key=YEAR_KEY, on_change=_year_changed)
        c2.date_input(t("report_ui_deadline", lg), value=shared.today_beijing() + dt.timedelta(days=30),
                      key=DEADLINE_KEY, format="YYYY-MM-DD")
        st.multiselect(t("report_ui_indicators", lg), askable(), key=inds_key(),
                       format_func=shared.labeller(askable(), shared.indicator_label),
                       help=t("report_ui_indicators_help", lg))
        st.text_area(t("report_ui_note_label", lg), key=NOTE_KEY, height=68)
        st.button(t("report_ui_open", lg), key="report_open", type="primary", on_click=_open)
    if not rounds:
        return
    with st.container(border=True):
        st.markdown(f"**{t('report_ui_manage_heading', lg)}**")
        by_year = {r.year: r for r in rounds}
        rnd = by_year[st.selectbox(t("report_ui_pick_round", lg), list(by_year), key=f"report_manage_round_{lg}",
                                   format_func=shared.labeller(by_year, lambda y: shared.round_label(by_year[y])))]
        if rnd.state == "open":
            st.button(t("report_ui_close", lg, year=rnd.year), key=f"report_close_{rnd.year}", on_click=_close,
                      args=(rnd.year,))
        c1, c2 = st.columns(2)
        asked = reporting.areas_asked(rnd)
        c1.selectbox(t("report_ui_reopen_area", lg), asked, format_func=shared.labeller(asked, shared.area_label),
                     key=f"report_reopen_area_{rnd.year}_{lg}")
        c2.text_input(t("report_ui_reopen_reason", lg), key=REOPEN_REASON_KEY)
        st.button(t("report_ui_reopen", lg), key=f"report_reopen_{rnd.year}", on_click=_reopen, args=(rnd.year,))
