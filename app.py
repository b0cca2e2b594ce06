"""内蒙古共青团改革数据看板 — entry point (``streamlit run app.py``).

Only routes: draws the shared sidebar filters, builds the pages from the registry below and runs
the chosen one. Each page is a file in ``pages/``; its URL path is its file name (``/hubs``).
See nmgdash/router.py for why a page file may run this file.
"""

import streamlit as st

from nmgdash import router, state, widgets
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
    ("about", ":material/menu_book:", False),
]

widgets.style()
widgets.sidebar()
lang = state.lang()
page = st.navigation([
    st.Page(f"pages/{key}.py", title=t(key, lang), icon=icon, url_path=key, default=default)
    for key, icon, default in PAGES
])
with router.routing():
    page.run()
widgets.finish()
