"""Issue 17's leftovers that only a server or a browser shows, on one server and one browser.

- /overview opens the overview (bookmarks, links): no "Page not found", and "/" still does.
- English headline cards at 1024 px wrap between words, never inside one ("Fundi-ng").
- A league's county map at 1024 px: the colour bar stays clear of every county (SVG fill hit test).
Every request to a host other than localhost is blocked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from st_client import run_page
from test_words_browser import offline_page, open_ready

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with bu.app_server(tmp_path_factory.mktemp("leftovers")) as base:
        yield base


@pytest.fixture(scope="module")
def page(server):
    bu.need_browser()
    with offline_page(1024, 1400) as p:
        yield p


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
    open_ready(page, server + "/overview?year=2018")
    text = page.evaluate("() => document.body.innerText")
    assert "Page not found" not in text and not page.locator("[role=dialog]").count(), text[:300]
    assert page.locator("[data-testid=stMain] h1").first.inner_text() == "内蒙古共青团改革数据看板"
    assert "/overview" in page.url and bu.query(page).get("year") == "2018"


#: Every word (letters and digits; a hyphen is a place to break) of every card's label, number and
#: period: ["split", …] when its glyphs sit on more than one line, ["overflow", …] when it sticks
#: out of its card.
WORDS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid=stMetricLabel], [data-testid=stMetricValue], [data-testid=stMetricDelta]')) {
    const card = el.closest('[data-testid=stMetric]');
    const cr = card.getBoundingClientRect();
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const re = /[A-Za-z0-9][A-Za-z0-9,.+%]*/g; let m;
      while ((m = re.exec(n.textContent))) {
        const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const rects = [...r.getClientRects()].filter(x => x.width > 0);
        const lines = new Set(rects.map(x => Math.round(x.top)));
        const b = r.getBoundingClientRect();
        if (lines.size > 1) out.push(['split', el.dataset.testid, m[0], lines.size]);
        if (b.right > cr.right + 1 || b.left < cr.left - 1) out.push(['overflow', el.dataset.testid, m[0], Math.round(b.right - cr.right)]);
      }
    }
  }
  return out;
}"""


@pytest.mark.parametrize("path", ["", "staffing", "leadership"])
def test_english_cards_wrap_between_words_at_1024(server, page, path):
    """Before: "organisat|ions", "institutio|ns", "enterpris|es" at 1024 px (cards ~118 px wide, the
    number 24 px with overflow-wrap: anywhere). Now every word stays on one line inside its card, and
    the numbers stay at least 24 px (tests/test_browser.py's projector rule)."""
    page.set_viewport_size({"width": 1024, "height": 1400})
    open_ready(page, f"{server}/{path}?lang=English")
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetricValue]').length >= 4")
    assert page.evaluate(WORDS_JS) == []
    sizes = page.eval_on_selector_all("[data-testid=stMetricValue] > div",
                                      "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 24, sizes
    page.screenshot(path=str(ARTIFACTS / f"leftovers-cards-en-{path or 'overview'}-1024.png"), full_page=True)


#: The headline cards' labels in page (DOM) order and in reading order (top to bottom, then left to right).
CARD_ORDER_JS = """() => {
  const cards = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stMetric]')].map(m => {
    const b = m.getBoundingClientRect();
    return {label: m.querySelector('[data-testid=stMetricLabel]').innerText.trim(), top: Math.round(b.top), left: b.left};
  });
  const read = [...cards].sort((a, b) => a.top - b.top || a.left - b.left);
  return {page: cards.map(c => c.label), read: read.map(c => c.label), tops: new Set(cards.map(c => c.top)).size};
}"""


@pytest.mark.parametrize("width,rows", [(1440, 3), (1024, 6), (390, 12)])
def test_overview_cards_read_in_the_bulletin_order_at_every_width(server, page, width, rows):
    """Before: the 12 cards were dealt into 4 columns (card 1, 5, 9 in the first), so where the
    columns wrapped (English at 1024 px: two per row) or stacked (a phone) they read 1, 2, 5, 6 … or
    1, 5, 9, 2 …. Now they are one grid: 4, 2 or 1 per row, always in the bulletin's order."""
    page.set_viewport_size({"width": width, "height": 1400})
    try:
        open_ready(page, f"{server}/?lang=English")
        page.wait_for_function("document.querySelectorAll('[data-testid=stMetricValue]').length >= 12")
        order = page.evaluate(CARD_ORDER_JS)
    finally:
        page.set_viewport_size({"width": 1024, "height": 1400})
    assert order["read"] == order["page"], order
    assert order["page"][:4] == ["Qingnian Aili youth hubs", "Qingnian Aili youth hubs on the cloud platform",
                                 "Activities held at Qingnian Aili youth hubs",
                                 "Members and young people reached by Qingnian Aili youth hubs"], order
    assert order["tops"] == rows, order


#: The map's colour bar (bar, title and tick labels: their union box) and the areas whose fill
#: covers any point of that box (sampled every 3 px with SVG isPointInFill).
COLOUR_BAR_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g.data && g.data.some(d => d.meta === 'area'));
  if (!gd) return null;
  const bar = gd.querySelector('g.colorbar');
  if (!bar) return {bar: null};
  const parts = [...bar.querySelectorAll('.cbfill, .cbaxis text, .cbtitle text')].map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
  const b = {left: Math.min(...parts.map(r => r.left)), top: Math.min(...parts.map(r => r.top)),
             right: Math.max(...parts.map(r => r.right)), bottom: Math.max(...parts.map(r => r.bottom))};
  const svg = gd.querySelector('svg.main-svg');
  const hits = new Set();
  const fills = [...gd.querySelectorAll('.scatterlayer path.js-fill')].filter(p => getComputedStyle(p).fill !== 'none' && (p.getAttribute('d') || '').length > 10);
  for (const p of fills) {
    const inv = p.getScreenCTM().inverse();
    const pb = p.getBoundingClientRect();
    if (pb.right < b.left || pb.left > b.right || pb.bottom < b.top || pb.top > b.bottom) continue;
    for (let x = b.left; x <= b.right; x += 3) for (let y = b.top; y <= b.bottom; y += 3) {
      const pt = svg.createSVGPoint(); pt.x = x; pt.y = y;
      if (p.isPointInFill(pt.matrixTransform(inv))) { hits.add(p.closest('g.trace') ? [...p.closest('g.trace').parentNode.children].indexOf(p.closest('g.trace')) : -1); break; }
    }
  }
  const names = [...hits].map(i => (gd.data[i] || {}).name);
  return {bar: [b.left, b.top, b.right, b.bottom].map(Math.round), overlaps: names, fills: fills.length};
}"""


@pytest.mark.parametrize("league", ["兴安盟", "通辽市", "乌兰察布市", "呼和浩特市", "包头市"])
def test_county_map_colour_bar_covers_no_county_at_1024(server, page, league):
    """A league's counties at 1024 px (sidebar open, plot ~570 px wide): before, the colour bar sat
    on 阿尔山市 (兴安盟), 霍林郭勒市 and 扎鲁特旗 (通辽市), … Now the map leaves the bar's corner free."""
    page.set_viewport_size({"width": 1024, "height": 1400})
    open_ready(page, f"{server}/hubs?leagues={league}")
    bu.wait_map(page, min_fills=3)
    page.wait_for_function("() => document.querySelector('.js-plotly-plot g.colorbar .cbfill')")
    found = page.evaluate(COLOUR_BAR_JS)
    assert found["bar"] and found["fills"] >= 3, found
    assert found["overlaps"] == [], found
    if league == "兴安盟":
        page.locator(".js-plotly-plot").first.screenshot(path=str(ARTIFACTS / "leftovers-county-map-1024.png"))
