"""History of one value of a reporting round (DHIS2's per-cell audit): every save (old → new),
说明, reviewer's comment, submission, return and approval, with who and when (Beijing time).

:func:`history_panel` draws it for a given (year, indicator, area) and can be called by any page;
:func:`history_picker` adds the area and indicator pickers (the 填报进度 page). Values before
approval are not public: the history is shown only to a signed-in account whose scope holds the
area (its reporters, the reviewers above it, admins).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.storage import reporting
from nmgdash.storage.accounts import Account, area_name, areas_within
from nmgdash.storage.store.engine import StoreUnavailable
from nmgdash.ui import auth, data, state
from nmgdash.ui.reporting.progress import area_names
from nmgdash.ui.text import plain


def history_lines(history: pd.DataFrame, lang: str) -> list[str]:
    """One plain-text line per row of a ``value_history`` frame, oldest first:
    "2026-12-03 09:15 · 科右前旗填报员 · 保存：10 → 18", "… · 填写说明：新建 8 个", "… · 上报"."""
    out = []
    for r in history.to_dict("records"):
        line = t("prog_history_line", lang, at=reporting.local_time(r["at"]), actor=r["actor"], action=r["action_text"])
        if r["action"] == "save":
            none = t("prog_history_none", lang)
            line += t("prog_history_change", lang, old=r["old"] or none, new=r["new"] or none)
        elif r["text"]:
            line += t("prog_history_text", lang, text=r["text"])
        out.append(line)
    return out


def may_see(acc: Account | None, adcode: str) -> bool:
    """True when ``acc`` may read the unapproved history of ``adcode``: a signed-in, enabled
    account whose scope holds it."""
    return acc is not None and not acc.disabled and (acc.is_admin or adcode in areas_within(acc.scope))


def history_panel(year: int, indicator_id: str, adcode: str) -> list[str]:
    """Draw the history of one value (``reporting.value_history``) as text lines, inside a
    container keyed "prog_history_lines", for a signed-in account whose scope holds ``adcode``
    (:func:`may_see`; otherwise how to sign in). Returns the lines drawn ([] when there is nothing
    or the account may not see them). Raises StoreUnavailable."""
    lg = state.lang()
    if not may_see(auth.account(), adcode):
        st.info(t("prog_history_sign_in", lg))
        return []
    hist = reporting.value_history(int(year), indicator_id, adcode, lg)
    lines = history_lines(hist, lg)
    with st.container(key="prog_history_lines"):
        if not lines:
            name = data_name(indicator_id)
            st.info(t("prog_history_empty", lg, area=area_names().get(adcode) or area_name(adcode), indicator=name, year=int(year)))
        for line in lines:
            st.markdown(f"- {plain(line)}")
    return lines


def data_name(indicator_id: str) -> str:
    """The indicator's name in the current language (the catalogue of the database build)."""
    cat = data.catalogue()
    return str(cat.at[indicator_id, state.name_col()]) if indicator_id in cat.index else indicator_id


def history_picker(rnd: reporting.Round) -> list[str] | None:
    """The history section of the 填报进度 page: area and indicator pickers (areas of the round
    within the signed-in account's scope; the indicators asked of that area) and
    :func:`history_panel`. Without a suitable account: how to sign in. Returns the lines or None."""
    lg = state.lang()
    st.subheader(t("prog_history", lg))
    st.caption(t("prog_history_intro", lg))
    try:
        acc = auth.account()
    except StoreUnavailable as exc:
        st.error(auth.store_message(exc), icon="🛑")
        return None
    areas = [a for a in reporting.areas_asked(rnd) if may_see(acc, a)]
    if not areas:
        st.info(t("prog_history_sign_in", lg))
        st.page_link("pages/data.py", label=t("data", lg))
        return None
    c1, c2 = st.columns(2)
    names = area_names()
    area = c1.selectbox(t("prog_history_area", lg), areas, format_func=lambda a: names.get(a, a), key="prog_history_area")
    asked = reporting.asked(rnd, area)
    ind = c2.selectbox(t("prog_history_indicator", lg), asked, format_func=data_name, key="prog_history_indicator")
    return history_panel(rnd.year, ind, area)
