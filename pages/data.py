"""数据管理 (data management, URL /data): import the leagues' reports, the import log with undo,
数据覆盖 (which figures the imports cover; the yearly round's 填报进度 is pages/progress.py), the whole-database export and, for admins, 账号 (accounts). Layout only: see nmgdash/ui/admin/.

The file is named after its URL path like every page (see app.py), so that /data opened as a
fresh server's very first request is routed through app.py (nmgdash/ui/router.py)."""

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import admin, router, state


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lg = state.lang()
    st.title(t("data", lg))
    st.caption(t("admin_intro", lg))
    user = admin.sign_in_panel()
    with st.container():  # always drawn, so the tabs below keep their place and the open tab
        admin.show_flash()
    labels = [t("admin_tab_import", lg), t("admin_tab_log", lg), t("admin_tab_progress", lg), t("admin_tab_export", lg)]
    is_admin = bool(user and user.is_admin)
    tabs = st.tabs(labels + ([t("admin_tab_accounts", lg)] if is_admin else []), key="admin_tabs")
    imp, log, progress, export = tabs[:4]
    with imp:
        admin.import_tab(user)
    with log:
        admin.log_tab(user)
    with progress:  # 数据覆盖: what the imports cover; the reporting round's progress is its own page
        st.caption(t("prog_data_link", lg))
        st.page_link("pages/progress.py", label=t("progress", lg))
        admin.completeness_tab()
    with export:
        admin.export_tab()
    if is_admin:  # 账号: admins only (the storage functions check the acting account again)
        with tabs[4]:
            admin.accounts_tab(user)


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
