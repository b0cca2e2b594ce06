"""Issue 17's leftovers that only a server or a browser shows, on one server and one browser.

- /overview opens the overview (bookmarks, links): no "Page not found", and "/" still does.
- English headline cards at 1024 px wrap between words, never inside one ("Fundi-ng").
- A league's county map at 1024 px: the colour bar stays clear of every county.
Every request to a host other than localhost is blocked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from st_client import run_page
from test_browser import CHROMIUM, Offline, _need_browser
from test_words_browser import READY

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("leftovers")
    env = {**os.environ, "NMGDASH_DB": str(tmp / "reform.duckdb"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "nmgdash", "db"], cwd=ROOT, env=env, check=True, timeout=120,
                   capture_output=True)
    try:
        with bu.streamlit_server(env, tmp / "streamlit.log") as base:
            yield base
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def page(server):
    _need_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=bu.CHROMIUM_ARGS)
        ctx = b.new_context(viewport={"width": 1024, "height": 1400}, device_scale_factor=1)
        ctx.set_default_timeout(45_000)
        p = ctx.new_page()
        off = Offline()
        p.route("**/*", off.route)
        yield p
        assert off.blocked == []
        b.close()


def _open(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(READY)
    assert not bu.exceptions(page)


@pytest.mark.parametrize("path", ["overview", ""])
def test_overview_opens_at_its_own_path_and_at_root(server, path):
    """/overview (a bookmark, a link from the slides) is the overview, as "/" is; before: Streamlit
    answered /overview with its English "Page not found" and fell back to "/"."""
    run = run_page(server, path)
    assert run.finished and not run.exceptions, run.exceptions
    assert not run.page_not_found
    assert run.titles == ["内蒙古共青团改革数据看板"]
    assert "青年爱里 1042个" in run.texts, run.texts[:20]  # a headline card


def test_overview_path_in_the_browser(server, page):
    _open(page, server + "/overview?year=2018")
    text = page.evaluate("() => document.body.innerText")
    assert "Page not found" not in text and not page.locator("[role=dialog]").count(), text[:300]
    assert page.locator("[data-testid=stMain] h1").first.inner_text() == "内蒙古共青团改革数据看板"
    assert "/overview" in page.url and bu.query(page).get("year") == "2018"
