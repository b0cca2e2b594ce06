"""内蒙古共青团改革数据看板 — entry point (``streamlit run app.py``).

Only routes: draws the shared sidebar filters, builds the pages from the registry below and runs
the chosen one. Each page is a file in ``pages/``; its URL path is its file name (``/hubs``).
See nmgdash/router.py for why a page file may run this file.
"""

import streamlit as st

from nmgdash.core import topics
from nmgdash.core.i18n import t
from nmgdash.ui import data, router, state, widgets

# An emoji favicon is inlined as a data: URL. A ":material/…" icon (here or on st.Page, which then
# becomes the favicon) makes the browser fetch an SVG from fonts.gstatic.com: never offline-safe.
st.set_page_config(page_title="内蒙古共青团改革数据看板", page_icon="📊", layout="wide")

#: The pages, in order, from the topic registry (data/topics.toml): url path = title key in the
#: string catalogues; a page with its own layout is pages/<key>.py, a standard topic page needs no file.
PAGES = topics.registry().pages

state.begin_run()
with widgets.fault_guard():
    widgets.sidebar()
    lang = state.lang()
    widgets.style(lang)  # after the language switch: the CSS of this run's language
    pages = [
        st.Page(router.page_target(p.key), title=t(p.key, lang), icon=p.icon, url_path="" if p.default else p.key,
                default=p.default)
        for p in PAGES
    ]
    # The default page opens at "/" and also at its own key (/overview: bookmarks, links in slides):
    # a hidden page at that path runs the same page (Streamlit would answer /overview "Page not found").
    pages += [st.Page(router.page_target(p.key), title=t(p.key, lang), icon=p.icon, url_path=p.key,
                      visibility="hidden") for p in PAGES if p.default]
    # An unknown URL path would open Streamlit's English "Page not found" dialog (not translatable,
    # no supported hook). A hidden page at that very path shows our own notice instead.
    unknown = router.unknown_path({p.key for p in PAGES})
    if unknown:
        pages.append(st.Page(router.not_found, title=t("not_found_title", lang), url_path=unknown,
                             visibility="hidden"))
    page = st.navigation(pages)
    with router.routing():
        page.run()
    state.visited(page.url_path)
    state.drop_foreign_params()
data.freeze_startup_heap()  # once per process: cheap garbage collection after each run (nmgdash/data.py)
