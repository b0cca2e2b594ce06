"""Words as the browser shows them (issue 17, "Words"): what only a browser shows, on one server.

- The language switch with leagues chosen: the sidebar chips, the indicator picker, the mode radio
  and the URL follow the language (before, the browser kept showing 兴安盟 and 旗县挂兼职团干部（个） in
  English, because it keeps a widget's selection as the labels it last showed).
- The visible text of the map pages, 数据说明 and 汇报模式 in English has no CJK and no full-width punctuation outside quotations
  (“…”), except the language switch; in Chinese no English word outside the allowlist of
  tests/test_words.py.
- The overview's colour-bar ticks in English stand upright (before: 1,000,000 … rotated by plotly).
Screenshots in artifacts/words-*.png. Every request to a host other than localhost is blocked.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from test_browser import CHROMIUM, Offline
from test_words import CJK, QUOTE, SWITCH, chinese_problems

ROOT = Path(__file__).resolve().parents[1]
#: Pages scanned in the browser (every page is scanned element by element in tests/test_words.py):
#: the map pages, the page of tables and the presenter's page, whose own CSS hides the sidebar.
BROWSER_PAGES = ["overview", "staffing", "about", "present"]
ARTIFACTS = ROOT / "artifacts"

#: Ready: the script run is over, the title is drawn, nothing is loading (any language).
READY = """() => { const app = document.querySelector('[data-testid=stApp]');
   return app && app.dataset.testScriptState === 'notRunning' && app.dataset.testConnectionState === 'CONNECTED'
     && document.querySelector('[data-testid=stMain] h1') && !document.querySelector('[data-testid=stSkeleton]'); }"""
#: The visible text of sidebar and main, one line per element text; the language switch left out.
TEXT_JS = """() => {
  const out = [];
  for (const root of document.querySelectorAll('[data-testid=stSidebar], [data-testid=stMain]')) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement, text = n.textContent.trim();
      if (!text || !el || !el.checkVisibility()) continue;
      if (el.closest('[data-testid=stIconMaterial], code, style, script')) continue;  // icon names, code
      out.push(text);
    }
  }
  return out;
}"""
CHIPS_JS = """() => [...document.querySelectorAll('[data-testid=stSidebar] [data-testid=stMultiSelect] [data-tag]')]
    .map(e => e.innerText.trim())"""
PICKER_JS = """() => [...document.querySelectorAll('[data-testid=stSelectbox]')]
    .map(e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value || i.getAttribute('aria-label') || '').join(' '))
    .join('\\n')"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    bu.need_browser()
    with bu.app_server(tmp_path_factory.mktemp("words")) as base:
        yield base


@contextmanager
def offline_page(width: int, height: int) -> Iterator:
    """A Chromium page (``width`` × ``height``, no network beyond localhost); afterwards, asserts that
    it asked no other host."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=bu.CHROMIUM_ARGS)
        ctx = b.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        ctx.set_default_timeout(45_000)
        p = ctx.new_page()
        off = Offline()
        p.route("**/*", off.route)
        yield p
        assert off.blocked == []
        b.close()


@pytest.fixture(scope="module")
def page(server):
    with offline_page(1440, 1800) as p:
        p.goto(server + "/", wait_until="domcontentloaded")  # the server's first request
        p.wait_for_function(READY)
        yield p


def open_ready(page, url: str) -> None:
    """Open ``url`` and wait until the app is idle with its content drawn (:data:`READY`); no exception shown."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(READY)
    assert not bu.exceptions(page)


def _settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(READY)


def test_language_switch_relabels_chips_picker_and_url(server, page):
    open_ready(page, server + "/staffing?leagues=兴安盟&leagues=通辽市")
    assert page.evaluate(CHIPS_JS) == ["兴安盟", "通辽市"]
    page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    _settle(page)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stSidebar] [data-tag]')]"
                           ".some(e => e.innerText.includes('Hinggan'))")
    assert page.evaluate(CHIPS_JS) == ["Hinggan League", "Tongliao"]
    assert "Seconded and part-time cadres at county level (persons)" in page.evaluate(PICKER_JS)
    assert page.locator("[data-testid=stMain] [data-testid=stRadio] input:checked").count() == 1  # a mode is shown
    page.wait_for_function("() => location.search.includes('Hinggan')")
    q = bu.query_all(page)
    assert q["lang"] == ["English"] and q["leagues"] == ["Hinggan League", "Tongliao"]
    page.screenshot(path=str(ARTIFACTS / "words-switch-en.png"))
    page.locator("[data-testid=stSidebar]").get_by_text("中文", exact=True).click()
    _settle(page)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stSidebar] [data-tag]')]"
                           ".some(e => e.innerText.includes('兴安盟'))")
    assert page.evaluate(CHIPS_JS) == ["兴安盟", "通辽市"]
    assert "旗县挂兼职团干部（个）" in page.evaluate(PICKER_JS)


@pytest.mark.parametrize("key", BROWSER_PAGES)
def test_english_page_shows_no_chinese(server, page, key):
    open_ready(page, f"{server}/{'' if key == 'overview' else key}?lang=English&leagues=Hinggan+League")
    page.wait_for_timeout(500)  # charts draw after the run
    lines = page.evaluate(TEXT_JS)
    bad = sorted({s for s in lines if s not in SWITCH and CJK.search(QUOTE.sub("", s))})
    if key in ("overview", "staffing"):
        page.screenshot(path=str(ARTIFACTS / f"words-{key}-en.png"))
    assert bad == []


@pytest.mark.parametrize("key", BROWSER_PAGES)
def test_chinese_page_shows_no_english(server, page, key):
    open_ready(page, f"{server}/{'' if key == 'overview' else key}?leagues=兴安盟")
    page.wait_for_timeout(500)
    assert chinese_problems([("dom", s) for s in page.evaluate(TEXT_JS)]) == []


def test_english_colour_bar_ticks_stand_upright(server, page):
    open_ready(page, server + "/?lang=English")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .colorbar .cbaxis text, "
                           ".js-plotly-plot .colorbar text.ytick, .js-plotly-plot .colorbar text.xtick').length >= 3")
    ticks = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot .colorbar text')]
        .filter(t => /\\d/.test(t.textContent)).map(t => [t.textContent, t.getAttribute('transform') || ''])""")
    assert [txt for txt, _ in ticks] == ["1M", "2M", "3M", "4M"]
    assert [tr for _, tr in ticks if "rotate" in tr] == []
