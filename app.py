"""内蒙古共青团改革数据看板 — entry point (``streamlit run app.py``).

Draws the shared sidebar filters, routes to the pages with ``st.navigation`` and mirrors
the view state into the URL.
"""

import streamlit as st

from nmgdash import ui
from nmgdash.i18n import t

# An emoji favicon is inlined as a data: URL. A ":material/…" icon (here or on st.Page, which then
# becomes the favicon) makes the browser fetch an SVG from fonts.gstatic.com: never offline-safe.
st.set_page_config(page_title="内蒙古共青团改革数据看板", page_icon="📊", layout="wide")

ui.style()
ui.sidebar()
lang = ui.lang()
PAGES = [
    ("pages/overview.py", "overview", ":material/dashboard:", True),
    ("pages/funding.py", "funding", ":material/payments:", False),
    ("pages/staffing.py", "staffing", ":material/groups:", False),
    ("pages/hubs.py", "hubs", ":material/home_work:", False),
    ("pages/leadership.py", "leadership", ":material/account_balance:", False),
    ("pages/reforms.py", "reforms", ":material/school:", False),
    ("pages/innovations.py", "innovations", ":material/location_on:", False),
    ("pages/about.py", "about", ":material/menu_book:", False),
]
page = st.navigation(
    [st.Page(path, title=t(key, lang), icon=icon, url_path=key, default=default) for path, key, icon, default in PAGES]
)
page.run()
ui.finish()
