"""Every first visit works: on a fresh server, many sessions that open deep links at the same
moment each run app.py (sidebar filters, the app's navigation) and land on the page they asked
for, with no exception. Before the fix, 8 simultaneous first requests showed
``KeyError: st.session_state has no key "year"`` or pages without the sidebar in 8 of 8 trials.

Two levels: the Streamlit protocol (10 websocket sessions at once, no browser) and a real
headless Chromium (8 tabs at once, network blocked except localhost). Each test starts its own
fresh server, because the fault lives in the window before any session has run app.py.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from st_client import run_page

from nmgdash.core import topics
from nmgdash.core.i18n import TEXT
from tests.test_browser import CHROMIUM, Offline

ROOT = Path(__file__).resolve().parents[1]
#: The page registry (data/topics.toml, read by app.py): the navigation every session must get.
REGISTRY = [p.key for p in topics.registry().pages]
#: (the default page is listed at "/" and, hidden, once more at its key: /overview opens it too)
APP_NAV = ["" if key == "overview" else key for key in REGISTRY] + ["overview"]
TITLES = {"": "内蒙古共青团改革数据看板", "funding": "经费保障", "staffing": "队伍建设", "hubs": "青年爱里",
          "leadership": "党建引领与督查", "reforms": "高校与国企改革", "innovations": "典型经验", "about": "数据说明"}
NAV_TITLES = [TEXT[key][0] for key in REGISTRY]
DEEP_LINKS = ["hubs", "leadership", "about", "funding", "staffing", "reforms", "innovations", "hubs", "", "about"]


@contextmanager
def fresh_server(tmp_path):
    """A new streamlit process (nothing has run app.py in it yet) on a free localhost port."""
    env = {**os.environ, "NMGDASH_DB": os.environ["NMGDASH_DB"], "PYTHONUNBUFFERED": "1"}
    with bu.streamlit_server(env, tmp_path / "streamlit.log") as base:
        yield base


def test_simultaneous_first_visits_protocol(con, tmp_path):
    with fresh_server(tmp_path) as base, ThreadPoolExecutor(len(DEEP_LINKS)) as pool:
        runs = list(pool.map(lambda p: run_page(base, p, "year=2018&leagues=兴安盟"), DEEP_LINKS))
    problems = []
    for page, r in zip(DEEP_LINKS, runs):
        where = f"/{page}"
        if not r.finished:
            problems.append(f"{where}: the run did not finish")
        if r.exceptions:
            problems.append(f"{where}: {r.exceptions[0][:200]}")
        if r.nav_pages != APP_NAV:
            problems.append(f"{where}: navigation is {r.nav_pages}, not app.py's")
        if r.sidebar_widgets < 4:
            problems.append(f"{where}: no sidebar filters ({r.sidebar_widgets} sidebar elements)")
        if TITLES[page] not in r.titles:
            problems.append(f"{where}: landed on {r.titles}")
    assert not problems, "\n".join(problems)


def test_simultaneous_first_visits_browser(con, tmp_path):
    bu.need_browser()
    from playwright.sync_api import sync_playwright

    links = DEEP_LINKS[:8]
    with fresh_server(tmp_path) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=bu.CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        offline = Offline()
        tabs = []
        for page in links:  # all requests go out before any page has finished loading
            tab = ctx.new_page()
            tab.route("**/*", offline.route)
            tab.goto(f"{base}/{page}?year=2018", wait_until="commit")
            tabs.append(tab)
        problems = []
        for page, tab in zip(links, tabs):
            try:
                bu.wait_idle(tab, 90_000)
            except Exception as exc:
                problems.append(f"/{page}: never finished with the sidebar: {str(exc).splitlines()[0]}")
                continue
            errs = bu.exceptions(tab)
            title = tab.inner_text("[data-testid=stMain] h1")
            nav = tab.eval_on_selector_all("[data-testid=stSidebarNav] a", "as => as.map(a => a.innerText.trim().split('\\n').pop())")
            if errs:
                problems.append(f"/{page}: {errs[0][:200]}")
            if TITLES[page] not in title:
                problems.append(f"/{page}: landed on {title!r}")
            if nav != NAV_TITLES:
                problems.append(f"/{page}: the navigation is Streamlit's file menu: {nav}")
            if bu.year_value(bu.widgets(tab)) != "2018":
                problems.append(f"/{page}: the link's year was lost: {bu.widgets(tab)}")
        browser.close()
    assert not offline.blocked, offline.blocked
    assert not problems, "\n".join(problems)
