"""内蒙古共青团改革数据看板 — entry point (``streamlit run app.py``).

Draws the shared sidebar filters, routes to the pages with ``st.navigation`` and mirrors
the view state into the URL.
"""

import streamlit as st

from nmgdash import ui
from nmgdash.i18n import t

st.set_page_config(page_title="内蒙古共青团改革数据看板", page_icon="📊", layout="wide")

ui.sidebar()
lang = ui.lang()
PAGES = [
    ("pages/overview.py", "overview", "📊", True),
    ("pages/funding.py", "funding", "💰", False),
    ("pages/staffing.py", "staffing", "👥", False),
    ("pages/hubs.py", "hubs", "🏠", False),
    ("pages/leadership.py", "leadership", "🏛️", False),
    ("pages/reforms.py", "reforms", "🎓", False),
    ("pages/innovations.py", "innovations", "📍", False),
    ("pages/about.py", "about", "📖", False),
]
page = st.navigation(
    [st.Page(path, title=t(key, lang), icon=icon, url_path=key, default=default) for path, key, icon, default in PAGES]
)
page.run()
ui.finish()
