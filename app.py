"""内蒙古共青团改革数据看板 — entry point (``streamlit run app.py``).

Only routes: draws the shared sidebar filters, builds the pages from the registry below and runs
the chosen one. Each page is a file in ``pages/``; its URL path is its file name (``/hubs``).
See nmgdash/router.py for why a page file may run this file.
"""

import streamlit as st

from nmgdash import data, router, state, widgets
from nmgdash.i18n import t

# An emoji favicon is inlined as a data: URL. A ":material/…" icon (here or on st.Page, which then
# becomes the favicon) makes the browser fetch an SVG from fonts.gstatic.com: never offline-safe.
st.set_page_config(page_title="内蒙古共青团改革数据看板", page_icon="📊", layout="wide")

#: url path (= file in pages/ = title key in nmgdash.i18n), icon, default page?
PAGES = [
    ("overview", ":material/dashboard:", True),
    ("funding", ":material/payments:", False),
    ("staffing", ":material/groups:", False),
    ("hubs", ":material/home_work:", False),
    ("leadership", ":material/account_balance:", False),
    ("reforms", ":material/school:", False),
    ("innovations", ":material/location_on:", False),
    ("data", ":material/upload_file:", False),
    ("about", ":material/menu_book:", False),
    ("present", ":material/slideshow:", False),
]

widgets.style()
state.begin_run()
with widgets.fault_guard():
    widgets.sidebar()
    lang = state.lang()
    pages = [
        st.Page(f"pages/{key}.py", title=t(key, lang), icon=icon, url_path=key, default=default)
        for key, icon, default in PAGES
    ]
    # An unknown URL path would open Streamlit's English "Page not found" dialog (not translatable,
    # no supported hook). A hidden page at that very path shows our own notice instead.
    unknown = router.unknown_path({key for key, _, _ in PAGES})
    if unknown:
        pages.append(st.Page(router.not_found, title=t("not_found_title", lang), url_path=unknown,
                             visibility="hidden"))
    page = st.navigation(pages)
    with router.routing():
        page.run()
    state.visited(page.url_path)
    state.drop_foreign_params()
data.freeze_startup_heap()  # once per process: cheap garbage collection after each run (nmgdash/data.py)
