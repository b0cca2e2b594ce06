"""填报与审核 (URL /report): 我的填报, 审核 and (admins) 填报任务 of the yearly reporting cycle.
Layout only: see nmgdash/ui/reporting/."""

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import admin, reporting, router, state


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lg = state.lang()
    st.title(t("report", lg))
    st.caption(t("report_ui_intro", lg))
    user = admin.sign_in_panel("report")
    with st.container():  # always drawn, so the tabs below keep their place
        admin.show_flash()
    labels = [t("report_ui_tab_entry", lg)]
    reviewer = bool(user and user.role in ("reviewer", "admin"))
    if reviewer:
        labels.append(t("report_ui_tab_review", lg))
    if user and user.is_admin:
        labels.append(t("report_ui_tab_rounds", lg))
    tabs = st.tabs(labels, key="report_tabs", on_change="rerun")  # a tab shows what is waiting now
    with tabs[0]:
        reporting.entry_tab(user)
    if reviewer:
        with tabs[1]:
            reporting.review_tab(user)
    if user and user.is_admin:
        with tabs[2]:
            reporting.rounds_tab(user)


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
