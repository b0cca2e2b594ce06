"""The chart component in a real Chromium (issue 17): one plotly.js per page loaded as a cacheable
script, ranking and trend updated in place, hit-testing by point-in-polygon at any zoom (no click
targets), taps on a phone, Ctrl-click multi-select on indicators with county data, zoom buttons that
zoom to the region, and a phone layout without overlapping labels or boxes cut off at the edge.

One streamlit server and one Chromium for the module (a desktop and a phone context); every request
to another host is blocked and fails the test. Skipped without Chromium (see tests/test_browser.py).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from test_browser import LEAGUES, Offline, server  # noqa: F401  (module fixture)

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    with bu.chromium() as b:
        yield b


class Page:
    """A page with outside requests blocked and every request URL recorded."""

    def __init__(self, ctx) -> None:
        self.page = ctx.new_page()
        self.off = Offline()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.route("**/*", self.off.route)

    def close(self) -> None:
        self.page.close()
        assert not self.off.blocked, f"the app requested outside hosts: {sorted(set(self.off.blocked))}"


@pytest.fixture(scope="module")
def desktop(browser):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1400}, device_scale_factor=1, locale="zh-CN",
                              accept_downloads=True)
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def phone(browser):
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN", has_touch=True, is_mobile=True)
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(server, desktop):  # noqa: F811
    p = Page(desktop)
    p.base = server
    yield p
    p.close()


def wait_leagues(page, names: list[str], url: bool = True) -> None:
    """Wait until the sidebar's 盟市 filter and (``url``) the URL hold exactly ``names`` (any order)
    and the rerun is over. (A fresh server's very first session may write its first selection to the
    URL only on the next rerun: a Streamlit quirk, not checked here.)"""
    js = """([names, url]) => {
      const same = p => p.length === names.length && names.every(n => p.includes(n));
      const ms = [...document.querySelectorAll('[data-testid=stSidebar] [data-testid=stMultiSelect] [data-tag]')]
          .map(t => t.innerText.trim());
      return same(ms) && (!url || same(new URLSearchParams(location.search).getAll('leagues'))); }"""
    page.wait_for_function(js, arg=[names, url], timeout=20_000)
    bu.wait_idle(page)


def map_key(page) -> str:
    """The map's element key class (st-key-map_hubs_league …)."""
    return page.evaluate("() => {" + bu.FIND_MAP + """ const gd = findMap();
        const el = gd && gd.closest('[class*=st-key-map_]');
        return el ? [...el.classList].find(c => c.startsWith('st-key-map_')) : null; }""")


CHARTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => ({
    component: g.classList.contains('nmg-plotly-map'), title: (g._fullLayout.title || {}).text || '',
    nodes: g.querySelectorAll('svg *').length, traces: g.data.map(d => d.name || '')}))"""


#: The drawn fill of each area of the first map on the page, in trace order.
MAP_FILLS_JS = """() => { const g = document.querySelector('.nmg-plotly-map.js-plotly-plot');
  return [...g.querySelectorAll('.scatterlayer .trace')].map(t => { const f = t.querySelector('path.js-fill');
    return f ? f.style.fill : null; }).filter(Boolean); }"""


def test_one_plotly_js_as_a_script_and_charts_updated_in_place(page):
    """Item 1: plotly.js is loaded once, from the app's own static folder with a <script> element
    (cacheable, versioned URL), Streamlit's own plotly bundle is never loaded on a topic page, map,
    ranking and trend are all drawn by the component, and a year change updates them in place (the
    same plotly divs, no Plotly.newPlot); the modebar's PNG has the chart's name and is not blank."""
    from PIL import Image

    p = page.page
    bu.open_page(p, page.base + "/hubs?year=2019")
    bu.wait_map(p, exact=12)
    p.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3")
    scripts = p.eval_on_selector_all("script[src*='plotly']", "els => els.map(e => e.getAttribute('src'))")
    assert len(scripts) == 1 and scripts[0].startswith("/app/static/plotly-basic.min.js?v="), scripts
    plotly_requests = [u for u in page.requests if "plotly" in u.lower()]
    assert len(plotly_requests) == 1, plotly_requests  # neither fetch() of a second copy nor PlotlyChart.*.js
    assert not [u for u in page.requests if "PlotlyChart" in u], page.requests
    charts = p.evaluate(CHARTS_JS)
    assert len(charts) == 3 and all(c["component"] for c in charts), charts
    assert p.locator("[data-testid=stPlotlyChart]").count() == 0
    fills_2019 = p.evaluate(MAP_FILLS_JS)
    # mark the plotly divs; plotly's newPlot would replace their svg, react keeps it
    p.evaluate("() => document.querySelectorAll('.js-plotly-plot').forEach((g, i) => {"
               " g.dataset.mark = i; g.querySelector('svg.main-svg').dataset.mark = i; })")
    year = p.locator("[data-testid=stSidebar] [data-testid=stRadio]").filter(has_text="年份")
    year.get_by_text("2018", exact=True).click()
    p.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].filter(g =>"
                        " ((g._fullLayout.title || {}).text || '').includes('2018')).length >= 2")
    bu.wait_idle(p)
    kept = p.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(g =>"
                      " [g.dataset.mark, (g.querySelector('svg.main-svg[data-mark]') || {dataset: {}}).dataset.mark])")
    assert kept == [["0", "0"], ["1", "1"], ["2", "2"]], kept
    assert [u for u in page.requests if "plotly" in u.lower()] == plotly_requests  # not loaded again
    # the boundaries are handed to plotly as the arrays it already had (sameArrays), and the areas
    # are recoloured all the same: exactly as a fresh page of 2018 draws them
    fills_2018 = p.evaluate(MAP_FILLS_JS)
    assert fills_2018 != fills_2019 and len(set(fills_2018)) > 3, (fills_2018, fills_2019)
    fresh = page.page.context.new_page()
    fresh.route("**/*", page.off.route)
    bu.open_page(fresh, page.base + "/hubs?year=2018")
    bu.wait_map(fresh, exact=12)
    bu.wait_idle(fresh)
    assert fresh.evaluate(MAP_FILLS_JS) == fills_2018
    fresh.close()

    # the modebar's PNG of the ranking: its name, and drawn (coloured bars), not blank
    p.evaluate("() => { const g = document.querySelectorAll('.js-plotly-plot')[1]; g.dataset.testChart = '1'; }")
    chart = p.locator("[data-test-chart]")
    chart.scroll_into_view_if_needed()
    chart.hover(position={"x": 60, "y": 120})
    with p.expect_download(timeout=20_000) as dl:
        chart.locator(".modebar-btn[data-title^='Download']").click()
    assert dl.value.suggested_filename == "rank_hubs.png", dl.value.suggested_filename
    img = Image.open(io.BytesIO(Path(dl.value.path()).read_bytes())).convert("RGB")
    coloured, total = bu.coloured_pixels(Path(dl.value.path()).read_bytes())
    assert coloured > total * 0.02, (coloured, total, img.size)


def test_hit_testing_without_click_targets_at_any_zoom(page):
    """Item 2: the map has no invisible "targets" traces (a few hundred SVG nodes instead of
    ~3,300), and a click is hit-tested against the areas' rings: after zooming in three times and
    panning, a click inside 乌兰察布市 selects it (the marker grid missed there)."""
    p = page.page
    bu.open_page(p, page.base + "/hubs?year=2019&ind=青年爱里开展活动（场次）")
    bu.wait_map(p, exact=12)
    info = p.evaluate(CHARTS_JS)[0]
    assert "targets" not in info["traces"], info["traces"]
    assert info["nodes"] < 600, info["nodes"]
    for _ in range(3):
        bu.map_modebar(p, "Zoom in")
    box = p.locator("[data-test-map] .nsewdrag").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    p.mouse.move(cx, cy)
    p.mouse.down()
    p.mouse.move(cx + 60, cy - 30, steps=6)
    p.mouse.up()
    bu.click_area(p, "150900", isolation_px=10)
    # the mouse over the area showed its hover box (the component's own, from the area's text)
    assert "乌兰察布市" in p.locator(".nmg-tip[data-adcode='150900']").inner_text()
    wait_leagues(p, [LEAGUES["150900"]], url=False)
    assert map_key(p) == "st-key-map_hubs_league"
    bu.click_area(p, "152500", isolation_px=10, modifiers=("Control",))  # 锡林郭勒盟, still zoomed in
    wait_leagues(p, [LEAGUES["150900"], LEAGUES["152500"]])


def test_hover_box_survives_other_scrolling_and_hides_when_the_map_moves(page):
    """The hover box stays while something else on the page scrolls (a table, the sidebar: the
    cause of a hover box that vanished in CI), and hides once the page scroll moves the map under it."""
    p = page.page
    bu.open_page(p, page.base + "/hubs?year=2020")
    bu.wait_map(p, exact=12)
    assert "兴安盟" in bu.hover_area(p, "152200")
    tip = p.locator(".nmg-tip[data-adcode='152200']")
    p.evaluate("() => document.querySelector('[data-testid=stSidebarContent]').dispatchEvent(new Event('scroll'))")
    p.wait_for_timeout(100)
    assert tip.is_visible()
    p.mouse.wheel(0, 300)
    tip.wait_for(state="hidden", timeout=5_000)


def test_zoom_in_stays_on_the_region(page):
    """Item 5: the modebar's zoom-in zooms to the region's middle, not to the bounding box's (the
    empty corner under the colour bar): after one zoom-in 锡林郭勒盟 and 乌兰察布市 are still on
    the map and clickable, and the labels are still drawn."""
    p = page.page
    bu.open_page(p, page.base + "/hubs?year=2019&ind=青年爱里开展活动（场次）")
    bu.wait_map(p, exact=12)
    before = bu.map_ranges(p)
    bu.map_modebar(p, "Zoom in")
    p.wait_for_function("([w]) => {" + bu.FIND_MAP + """ const r = findMap()._fullLayout.xaxis.range;
        return (r[1] - r[0]) < w * 0.6; }""", arg=[before["x"][1] - before["x"][0]])
    middle = bu.middle_area(p)  # before: the bounding box's middle, outside the region (Mongolia)
    assert middle in {"152500", "150900"}, (middle, bu.map_ranges(p))
    for code in ("152500", "150900"):
        where = bu.area_at(p, code)
        assert where["clickable"] > 20, (LEAGUES[code], where)
    labels = bu.map_info(p)["annotations"]
    assert any(LEAGUES["152500"] in a for a in labels), labels


@pytest.mark.parametrize("path", ["/hubs", "/staffing"])
def test_ctrl_click_and_multi_select_add_leagues_on_county_indicators(page, path):
    """Item 4: on indicators with county data (青年爱里, 队伍建设 defaults) a Ctrl-click (and a
    click with 多选 on) only adds or removes leagues: Ctrl-click 兴安盟 then 包头市 leaves both
    selected on the league map; 查看下辖旗县 and a plain click still open one league's counties."""
    p = page.page
    bu.open_page(p, page.base + path + "?year=2019")
    bu.wait_map(p, exact=12)
    bu.click_area(p, "152200", modifiers=("Control",))
    wait_leagues(p, ["兴安盟"], url=False)
    bu.wait_map(p, exact=12)
    assert map_key(p).endswith("_league"), map_key(p)
    bu.click_area(p, "150200", isolation_px=8, modifiers=("Control",))
    wait_leagues(p, ["兴安盟", "包头市"])
    bu.wait_map(p, exact=12)
    assert map_key(p).endswith("_league"), map_key(p)
    assert set(bu.map_info(p)["traces"]) >= {"selected-152200", "selected-150200"}
    # 多选 on: a click removes 兴安盟, the map stays on the leagues, 查看下辖旗县 opens 包头市's counties
    p.locator("[data-testid=stCheckbox]").filter(has_text="多选").locator("label").click()
    bu.wait_idle(p)
    bu.click_area(p, "152200")
    wait_leagues(p, ["包头市"])
    assert map_key(p).endswith("_league"), map_key(p)
    p.get_by_role("button", name="查看下辖旗县").click()
    p.wait_for_function("() => document.querySelector('[class*=st-key-map_][class*=_county] .js-plotly-plot')")
    bu.wait_idle(p)


def test_phone_tap_labels_and_boxes(server, phone):  # noqa: F811
    """Items 3 and 6 at 390×844 with touch: a tap selects a league as a click does (and shows its
    hover box, inside the screen); the value labels that do not fit become a list under the map (no
    label overlaps, none outside the chart); the source line, the hover box and every label stay
    inside the viewport; the modebar is not over the map title."""
    pg = Page(phone)
    p = pg.page
    try:
        bu.open_page(p, server + "/")
        bu.wait_map(p, exact=12)
        _phone_checks(p, "overview")
        # English: the long source line is wrapped for the phone, not cut at the screen edge
        p.goto(server + "/hubs?year=2019&lang=English")
        p.wait_for_function("() => {" + bu.FIND_MAP + " const gd = findMap(); return gd &&"
                            " ((gd._fullLayout.title || {}).text || '').includes('Absolute value'); }")
        source = p.evaluate("() => {" + bu.FIND_MAP + """ const a = [...findMap().querySelectorAll('g.annotation')]
            .find(a => a.textContent.startsWith('Source')); const b = a.getBoundingClientRect();
            return [b.left, b.right, document.documentElement.clientWidth]; }""")
        assert source[0] >= 0 and source[1] <= source[2], source
        assert bu.label_problems(p) == []
        bu.open_page(p, server + "/hubs?year=2019")
        bu.wait_map(p, exact=12)
        _phone_checks(p, "hubs")
        # the tap was a plain click: on an indicator with county data it opened 呼伦贝尔市's counties
        p.wait_for_function("() => document.querySelector('[class*=st-key-map_hubs_county] .js-plotly-plot')")
    finally:
        pg.close()


def _phone_checks(p, where: str) -> None:
    assert bu.label_problems(p) == [], where
    boxes = p.evaluate("() => {" + bu.FIND_MAP + """ const gd = findMap();
        const vw = document.documentElement.clientWidth;
        const r = e => { const b = e.getBoundingClientRect(); return {l: b.left, r: b.right, t: b.top, b: b.bottom}; };
        const title = gd.querySelector('.gtitle'), bar = gd.querySelector('.modebar');
        return {vw, annotations: [...gd.querySelectorAll('g.annotation')].map(a => ({text: a.textContent, ...r(a)})),
                title: title && r(title), modebar: bar && r(bar),
                list: [...gd.parentElement.querySelectorAll('.nmg-label-list li')].map(li => ({text: li.textContent, ...r(li)}))}; }""")
    vw = boxes["vw"]
    assert not [a for a in boxes["annotations"] if a["l"] < 0 or a["r"] > vw], (where, boxes["annotations"])
    assert len(boxes["list"]) >= 11 and not [li for li in boxes["list"] if li["l"] < 0 or li["r"] > vw], (where, boxes["list"])
    t, m = boxes["title"], boxes["modebar"]
    assert t and m and (m["b"] <= t["t"] or m["t"] >= t["b"] or m["r"] <= t["l"] or m["l"] >= t["r"]), (where, t, m)
    # a tap shows the hover box of 呼伦贝尔市 (the right edge of the map): inside the screen
    bu.tap_area(p, "150700", isolation_px=8)
    p.wait_for_selector(".nmg-tip[data-adcode='150700']", state="visible")
    tip = p.eval_on_selector(".nmg-tip", "e => { const b = e.getBoundingClientRect(); return [b.left, b.right, b.top, b.bottom]; }")
    assert tip[0] >= 0 and tip[1] <= vw and tip[2] >= 0 and tip[3] <= PHONE["height"], (where, tip)
    # ... and selects it as a click does (the outline on the league map, or its county map)
    p.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some(g => g.data.some(d =>"
                        " d.name === 'selected-150700') || g.closest('[class*=st-key-map_][class*=_county]'))")
    bu.wait_idle(p)
