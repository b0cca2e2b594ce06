"""End-to-end checks in a real Chromium against one `streamlit run app.py` server per module.

Every request to a host other than localhost is blocked and recorded; each test ends by
asserting that there were none (the dashboard must work offline: no CDN, fonts, tiles,
topojson). Maps are also checked for readability: the colour bar must agree with the fills and
value labels must neither stick out of the chart nor overlap. Those findings, and the blocked
requests, are collected and reported together at the end of each test. Screenshots go to
artifacts/browser-<page>.png.

Skipped when /usr/bin/chromium (or playwright) is missing, unless NMGDASH_REQUIRE_BROWSER=1
(CI), where a missing browser is a failure.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = bu.CHROMIUM
VIEWPORT = {"width": 1440, "height": 2600}

LEAGUES = {r["adcode"]: r["name_zh"] for r in csv.DictReader((ROOT / "data" / "areas.csv").open(encoding="utf-8"))
           if r["level"] == "league"}
COUNTIES_OF = {}
for _r in csv.DictReader((ROOT / "data" / "areas.csv").open(encoding="utf-8")):
    if _r["level"] == "county":
        COUNTIES_OF.setdefault(_r["parent_adcode"], []).append(_r["name_zh"])

#: A shared link: the bound widgets write their labels into the URL (nmgdash/state.py).
ROUND_TRIP = "/staffing?leagues=兴安盟&leagues=通辽市&year=2018&mode=每万常住人口&ind=苏木乡镇专职团干部（人）&pub=false"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One fresh streamlit server on a free port with its own database; yields the base URL."""
    bu.need_browser()
    tmp = tmp_path_factory.mktemp("browser")
    env = {**os.environ, "NMGDASH_DB": str(tmp / "reform.duckdb"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-c", "from nmgdash.storage import build; build.build_database()"],
                   cwd=ROOT, env=env, check=True, timeout=120)
    try:
        with bu.streamlit_server(env, tmp / "streamlit.log") as base:
            yield base
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def browser():
    with bu.chromium() as b:
        yield b


class Offline:
    """Routes every request of a page: localhost passes, anything else is aborted and recorded."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        if urlparse(url).scheme in {"data", "blob"} or urlparse(url).hostname in bu.LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture(scope="module")
def context(browser):
    """One browser context per module (shared HTTP cache, so plotly's bundle is fetched once);
    every test still gets its own page, i.e. its own Streamlit session."""
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="zh-CN")
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


def _new_page(context):
    page = context.new_page()
    off = Offline()
    page.route("**/*", off.route)
    return page, off


@pytest.fixture(scope="module")
def first_visit(server, context):
    """The very first request to the fresh server is a deep link (a shared URL opened after a
    restart). Streamlit starts a process whose app folder has a ``pages/`` directory in its old
    file-based multipage mode; the app must still run app.py (sidebar, URL state) for it."""
    ARTIFACTS.mkdir(exist_ok=True)
    page, off = _new_page(context)
    result: dict = {}
    try:
        page.goto(server + ROUND_TRIP, wait_until="domcontentloaded")
        try:
            bu.wait_idle(page)
        except Exception as exc:  # recorded; asserted in test_deep_link_on_fresh_server
            result["wait_error"] = str(exc).splitlines()[0]
        try:
            bu.wait_map(page, 12)
        except AssertionError as exc:
            result["map_error"] = str(exc)[:500]
        result["exceptions"] = bu.exceptions(page)
        result["widgets"] = bu.widgets(page)
        result["query"] = bu.query(page)
        result["nav"] = page.eval_on_selector_all("[data-testid=stSidebarNav] a", "as => as.map(a => a.href)")
        result["map"] = bu.map_info(page)
        result["blocked"] = list(off.blocked)
        page.screenshot(path=str(ARTIFACTS / "browser-first-visit.png"))
    finally:
        page.close()
    return result


class Web:
    """A fresh page (= a new Streamlit session) with outside requests blocked, plus a list of
    problems found along the way that should not stop the test early (they are all reported
    together by ``finish``)."""

    def __init__(self, page, base: str, off: Offline) -> None:
        self.page, self.base, self.off = page, base, off
        self.problems: list[str] = []

    def map_quality(self, where: str) -> None:
        """Colour bar consistent with the fills; labels inside the chart and not overlapping."""
        mismatch = bu.legend_mismatch(self.page)
        if mismatch:
            self.problems.append(f"{where}: the colour bar contradicts the map: {mismatch}")
        self.problems += [f"{where}: {p}" for p in bu.label_problems(self.page)]

    def finish(self) -> None:
        if self.off.blocked:
            self.problems.append(f"the app requested outside hosts: {sorted(set(self.off.blocked))}")
        if self.problems:
            pytest.fail("\n".join(self.problems), pytrace=False)


@pytest.fixture
def web(server, context, first_visit):
    page, off = _new_page(context)
    yield Web(page, server, off)
    page.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=True)


def sample_notices(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-testid=stAlert]", "els => els.map(e => e.innerText).filter(t => t.includes('示例数据'))")


def wait_selected(page, name: str) -> None:
    """Wait for a map click to land: the URL names the league and the rerun is over."""
    page.wait_for_function("name => decodeURIComponent(location.search).includes('leagues=' + name)",
                           arg=name, timeout=20_000)
    bu.wait_idle(page)


# ------------------------------------------------------------------ tests
def test_deep_link_on_fresh_server(first_visit):
    """A shared link opened as the server's first request renders the full app with its state."""
    fv = first_visit
    assert "wait_error" not in fv, f"first deep-link visit never finished: {fv}"
    assert not fv["exceptions"], "first deep-link visit raised:\n" + "\n".join(fv["exceptions"])
    paths = {urlparse(h).path for h in fv["nav"]}
    assert {"/", "/funding", "/staffing", "/hubs", "/about"} <= paths, f"st.navigation menu not shown: {fv['nav']}"
    assert set(fv["widgets"]["leagues"] or []) == {"兴安盟", "通辽市"}, fv["widgets"]
    assert bu.year_value(fv["widgets"]) == "2018", fv["widgets"]
    assert "map_error" not in fv and fv["map"]["fills"] >= 12, fv.get("map_error") or fv["map"]
    assert not fv["blocked"], f"the app requested outside hosts: {sorted(set(fv['blocked']))}"


def test_overview_offline_map(web):
    page = web.page
    bu.open_page(page, web.base + "/")
    info = bu.wait_map(page, 12)
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 8")
    shot(page, "overview")
    # pixel check on the map element alone: it painted colour, not just an empty frame
    gd = page.locator(".js-plotly-plot").filter(has=page.locator(".scatterlayer path.js-fill")).first
    gd.scroll_into_view_if_needed()
    png = gd.screenshot()
    (ARTIFACTS / "browser-overview-map.png").write_bytes(png)
    coloured, total = bu.coloured_pixels(png)
    assert coloured / total > 0.10, f"map looks blank: only {coloured}/{total} coloured pixels"

    assert info["fills"] >= 12, info
    assert len(set(info["fillColors"])) >= 3, f"the map is not shaded by value: {info['fillColors']}"
    labels = " ".join(info["annotations"])
    missing = [n for n in LEAGUES.values() if n not in labels]
    assert len(LEAGUES) == 12 and not missing, f"league labels missing from the map: {missing}"
    assert "乌海市" in labels

    metrics = page.eval_on_selector_all("[data-testid=stMetric]", "els => els.map(e => e.innerText)")
    assert len(metrics) >= 8, metrics
    joined = " ".join(metrics)
    assert "1042" in joined and "3193万元" in joined, metrics

    web.map_quality("/")
    web.finish()


@pytest.mark.parametrize("name", ["funding", "staffing", "hubs", "leadership"])
def test_topic_page_map(web, name):
    page = web.page
    bu.open_page(page, f"{web.base}/{name}")
    info = bu.wait_map(page, 12)
    shot(page, name)
    assert info["fills"] >= 12, info
    labels = " ".join(info["annotations"])
    assert sum(n in labels for n in LEAGUES.values()) == 12, info["annotations"]
    assert sample_notices(page), f"/{name}: no 示例数据 notice"
    web.map_quality(f"/{name}")
    web.finish()


def test_reforms_progress_bars(web):
    page = web.page
    bu.open_page(page, web.base + "/reforms")
    page.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(g => g.querySelectorAll('.barlayer .point path').length).length >= 3")
    shot(page, "reforms")
    charts = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(g => ({
        types: g._fullData.map(d => d.type),
        bars: [...g.querySelectorAll('.barlayer .point path')].filter(p => p.getBBox().width > 0).length,
        texts: [...g.querySelectorAll('g.annotation')].map(t => t.textContent)}))""")  # values beside the bars
    bar_charts = [c for c in charts if "bar" in c["types"] and c["bars"] > 0]
    assert len(bar_charts) >= 3, charts
    assert any("%" in t for c in bar_charts for t in c["texts"]), charts
    web.finish()


def test_innovations_map(web):
    page = web.page
    bu.open_page(page, web.base + "/innovations")
    info = bu.wait_map(page, 12)
    shot(page, "innovations")
    assert info["fills"] >= 12, info
    stars = page.evaluate("""() => { const gd = [...document.querySelectorAll('.js-plotly-plot')]
            .find(g => g._fullData.some(d => d.name === 'innovations'));
        const i = gd._fullData.findIndex(d => d.name === 'innovations');
        const tr = gd._fullData[i];
        const layer = gd.querySelectorAll('.scatterlayer .trace')[i];
        return {symbol: tr.marker.symbol, n: tr.x.length,
                drawn: [...layer.querySelectorAll('path.point')]
                    .filter(p => (p.getAttribute('d') || '').length > 10).length}; }""")
    assert stars["symbol"] == "star" and stars["n"] == 4 and stars["drawn"] == 4, stars
    web.map_quality("/innovations")
    web.finish()


def test_about_page(web):
    page = web.page
    bu.open_page(page, web.base + "/about")
    page.wait_for_selector("[data-testid=stDataFrame]")
    shot(page, "about")
    web.finish()


def test_click_hubs_drills_into_counties(web):
    page = web.page
    code, name = "152200", LEAGUES["152200"]
    n_counties = len(COUNTIES_OF[code])
    assert n_counties == 6
    bu.open_page(page, web.base + "/hubs")
    bu.wait_map(page, 12)
    bu.click_area(page, code)
    wait_selected(page, name)
    back = page.get_by_role("button", name="返回全区地图")
    back.wait_for(state="visible")
    info = bu.wait_map(page, exact=n_counties)
    shot(page, "hubs-county")
    assert bu.widgets(page)["leagues"] == [name]
    assert bu.query(page).get("leagues") == name, page.url
    labels = " ".join(info["annotations"])
    assert [c for c in COUNTIES_OF[code] if c in labels], f"no county labels on the county map: {info['annotations']}"
    assert name in info["title"], info["title"]
    web.map_quality(f"/hubs county map of {name}")

    back.click()
    bu.wait_map(page, exact=12)
    bu.wait_idle(page)
    assert "leagues" not in bu.query(page), page.url
    assert bu.widgets(page)["leagues"] == []
    assert page.get_by_role("button", name="返回全区地图").count() == 0
    web.finish()


def test_click_on_small_wuhai_selects_it(web):
    """乌海市 is tiny and surrounded by three leagues: a click at its centre must pick it, not a neighbour."""
    page = web.page
    bu.open_page(page, web.base + "/hubs")
    bu.wait_map(page, 12)
    bu.click_area(page, "150300", isolation_px=0)
    wait_selected(page, "乌海市")
    bu.wait_map(page, exact=3)  # 海勃湾区, 海南区, 乌达区
    assert bu.query(page).get("leagues") == "乌海市", page.url
    web.finish()


#: County maps checked for label layout. By default the two with the densest clusters of small
#: urban districts; NMGDASH_BROWSER_FULL=1 checks all 12 (≈ 5 s each).
COUNTY_MAPS = list(LEAGUES) if os.environ.get("NMGDASH_BROWSER_FULL") == "1" else ["150200", "150400"]


def test_county_map_labels(web):
    page = web.page
    for code in COUNTY_MAPS:
        name = LEAGUES[code]
        bu.open_page(page, f"{web.base}/hubs?leagues={name}&ind=青年爱里（个）")
        info = bu.wait_map(page, exact=len(COUNTIES_OF[code]))
        shot(page, f"hubs-county-{code}")
        assert name in info["title"], info["title"]
        web.map_quality(f"/hubs county map of {name}")
    web.finish()


def test_click_funding_league_only_indicator(web):
    page = web.page
    code, name = "150600", LEAGUES["150600"]
    bu.open_page(page, web.base + "/funding?ind=支持基层工作经费（万元）")
    assert "支持基层工作经费" in bu.widgets(page)["indicator"]
    bu.wait_map(page, 12)
    bu.click_area(page, code)
    wait_selected(page, name)
    page.wait_for_function("code => [...document.querySelectorAll('.js-plotly-plot')].some(g => "
                           "g._fullData.some(d => d.name === 'selected-' + code))", arg=code)
    shot(page, "funding-selected")
    assert bu.widgets(page)["leagues"] == [name]
    q = bu.query(page)
    assert q.get("leagues") == name and "ind" not in q, page.url  # the default indicator is not written
    info = bu.wait_map(page, 12)
    assert info["fills"] == 12, "a league-only indicator must stay on the league map"
    assert f"selected-{code}" in info["traces"], info["traces"]
    assert page.get_by_text("该指标没有旗县级数据").count() >= 1
    web.finish()


def _assert_round_trip_state(page) -> None:
    w = bu.widgets(page)
    assert set(w["leagues"] or []) == {"兴安盟", "通辽市"}, w
    assert bu.year_value(w) == "2018", w
    assert w["mode"] == "每万常住人口", w
    assert w["indicator"] and "苏木乡镇专职团干部" in w["indicator"], w
    assert w["pub"] is False, w
    q = bu.query(page)
    assert set(bu.query_all(page).get("leagues", [])) == {"兴安盟", "通辽市"}, page.url
    assert q.get("year") == "2018" and q.get("mode") == "每万常住人口" and q.get("ind") == "苏木乡镇专职团干部（人）", page.url
    assert q.get("pub", "false") == "false", page.url
    assert urlparse(page.url).path == "/staffing", page.url


def test_url_round_trip(web):
    page = web.page
    bu.open_page(page, web.base + ROUND_TRIP)
    info = bu.wait_map(page, 12)
    shot(page, "staffing-url")
    assert "2018" in info["title"] and "每万常住人口" in info["title"], info["title"]
    assert {"selected-152200", "selected-150500"} <= set(info["traces"]), info["traces"]
    _assert_round_trip_state(page)
    page.reload(wait_until="domcontentloaded")
    bu.wait_idle(page)
    assert not bu.exceptions(page)
    bu.wait_map(page, 12)
    _assert_round_trip_state(page)
    web.finish()


def test_published_only_shows_no_data(web):
    page = web.page
    bu.open_page(page, web.base + "/hubs?pub=true")
    info = bu.wait_map(page, 12)
    shot(page, "hubs-published")
    nodata = [a for a in info["annotations"] if "无数据" in a]
    assert nodata, f"no 无数据 label on the map: {info['annotations']}"
    assert not sample_notices(page), "示例数据 notice shown with published-only on"
    assert bu.widgets(page)["pub"] is True
    assert bu.query(page).get("pub") == "true"
    web.finish()


#: Card texts (label, number, period line) that stick out of their card, or are cut off.
CARD_OVERFLOW_JS = """() => [...document.querySelectorAll('[data-testid=stMetric]')].flatMap(card => {
  const box = card.getBoundingClientRect();
  return [...card.querySelectorAll('*')].filter(el => el.children.length === 0 && el.textContent.trim())
    .filter(el => { const r = el.getBoundingClientRect();
                    return r.right > box.right + 1 || r.left < box.left - 1 || el.scrollWidth > el.clientWidth + 1; })
    .map(el => el.textContent.trim());
})"""


def test_cards_keep_wording_period_and_nearest_year(web):
    """Issue 6 §2 in a real browser at projector width (1024 px): the cards say 8600余个 and
    2018年6月—2019年底累计; with a sidebar year that has no bulletin figure (2017), the card keeps the
    bulletin's figure and says 2017年无数据（最近：2019年）. No card text is cut off, in both languages."""
    page = web.page
    page.set_viewport_size({"width": 1024, "height": 1800})
    bu.open_page(page, web.base + "/hubs?year=2017")
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 4")
    shot(page, "cards-hubs-2017")
    cards = page.eval_on_selector_all("[data-testid=stMetric]", "els => els.map(e => e.innerText)")
    hub = [c for c in cards if c.startswith("青年爱里\n")]
    assert hub and "1042个" in hub[0] and "2017年无数据（最近：2019年）" in hub[0] and "截至2019年底" in hub[0], cards
    web.problems += [f"/hubs?year=2017 card text cut off: {t}" for t in page.evaluate(CARD_OVERFLOW_JS)]

    for lang, rect, period in [("中文", "8600余个", "2018年6月—2019年底累计"),
                               ("English", "8,600+ organisations", "cumulative, June 2018 – end 2019")]:
        page.goto(f"{web.base}/leadership?year=2019&lang={lang}", wait_until="domcontentloaded")
        page.wait_for_function("""() => { const app = document.querySelector('[data-testid=stApp]');
            return app && app.dataset.testScriptState === 'notRunning'
                && document.querySelectorAll('[data-testid=stMetric]').length >= 12; }""", timeout=45_000)
        assert not bu.exceptions(page)
        shot(page, f"cards-leadership-{lang}")
        cards = page.eval_on_selector_all("[data-testid=stMetric]", "els => els.map(e => e.innerText)")
        hit = [c for c in cards if rect in c]
        assert hit and period in hit[0], cards
        web.problems += [f"/leadership ({lang}) card text cut off: {t}" for t in page.evaluate(CARD_OVERFLOW_JS)]
    web.finish()


# ------------------------------------------------------------------ issue 6 §1, §3, §4: filters, links, clicks
def test_filters_write_the_url_and_bad_values_are_dropped(web):
    """The bound widgets write their values into the URL; a link's invalid values are dropped from it
    (not echoed back), the page falls back to the defaults, and one page switch adds one history entry."""
    page = web.page
    bu.open_page(page, web.base + "/funding?ind=<img src=x>&year=²&mode=bogus&leagues=兴安盟&leagues=不存在盟")
    bu.wait_map(page, 12)
    q = bu.query_all(page)
    assert "ind" not in q and "year" not in q and "mode" not in q, page.url
    assert q.get("leagues") == ["兴安盟"], page.url
    assert bu.year_value(bu.widgets(page)) == "2019"
    page.locator("[data-testid=stSidebar] [data-testid=stRadio]").filter(has_text="年份").get_by_text("2018").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('year') === '2018'", timeout=20_000)
    bu.wait_idle(page)
    before = page.evaluate("history.length")
    page.locator("[data-testid=stSidebarNav] a").filter(has_text="队伍建设").click()
    page.wait_for_url("**/staffing?**", timeout=20_000)
    bu.wait_idle(page)
    assert page.evaluate("history.length") == before + 1, "a page switch must add exactly one history entry"
    q = bu.query_all(page)
    assert q.get("year") == ["2018"] and q.get("leagues") == ["兴安盟"], page.url
    page.go_back()
    page.wait_for_url("**/funding?**", timeout=20_000)
    bu.wait_idle(page)
    assert bu.year_value(bu.widgets(page)) == "2018"
    web.finish()


def test_table_and_download_hold_the_selected_leagues(web):
    page = web.page
    bu.open_page(page, web.base + "/hubs?leagues=兴安盟&leagues=通辽市&ind=开展活动（场次）")
    bu.wait_map(page, 12)
    page.get_by_text("表格与下载只含所选的2个盟市").wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="下载 CSV").click()
    download = dl.value
    assert "兴安盟_通辽市" in download.suggested_filename and "全区" not in download.suggested_filename
    import pandas as pd

    table = pd.read_csv(download.path(), dtype={"adcode": str})
    assert list(table["adcode"]) == ["150500", "152200", "150000"], table
    assert table.iloc[-1]["盟市"] == "全区（对照）"
    web.finish()


def test_quick_map_clicks_end_on_the_last_one(web):
    """Two map clicks 150 ms apart (and 0.6 s apart, a slower rerun) select the league clicked last."""
    page = web.page
    results = []
    for gap in (0.15, 0.15, 0.6):
        bu.open_page(page, web.base + "/funding")
        bu.wait_map(page, 12)
        bu.map_into_view(page)
        points = {c: page.evaluate(bu.TARGET_JS, [c, 30])["best"] for c in ("152200", "150400")}
        for code in ("152200", "150400"):
            p = points[code]
            page.mouse.move(p["px"], p["py"], steps=2)
            page.mouse.click(p["px"], p["py"])
            page.wait_for_timeout(int(gap * 1000))
        page.wait_for_timeout(3000)
        bu.wait_idle(page)
        results.append((gap, bu.widgets(page)["leagues"], bu.query_all(page).get("leagues")))
    assert all(w == ["赤峰市"] and q == ["赤峰市"] for _, w, q in results), results
    web.finish()


def test_multi_select_switch_and_clear(web):
    page = web.page
    bu.open_page(page, web.base + "/funding")
    bu.wait_map(page, 12)
    bu.click_area(page, "152200")
    wait_selected(page, "兴安盟")
    page.get_by_text("多选", exact=True).click()
    bu.wait_idle(page)
    bu.click_area(page, "150400")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('leagues').length === 2", timeout=20_000)
    bu.wait_idle(page)
    assert set(bu.widgets(page)["leagues"]) == {"兴安盟", "赤峰市"}
    page.get_by_role("button", name="清除选择").click()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('leagues')", timeout=20_000)
    bu.wait_idle(page)
    assert bu.widgets(page)["leagues"] == []
    web.finish()


def _span(r: dict) -> tuple[float, float]:
    return (r["x"][1] - r["x"][0], r["y"][1] - r["y"][0])


def _same_ranges(a: dict, b: dict, tol_km: float = 0.5) -> bool:
    return all(abs(u - v) <= tol_km for ax in ("x", "y") for u, v in zip(a[ax], b[ax]))


def test_map_zoom_survives_year_change_and_ctrl_click_adds(web):
    """Issue 6 §4: zoom and pan survive a change of 年份 (the map is updated in place with
    Plotly.react and a constant uirevision, not remounted); an indicator change resets the view to the
    full extent; a Ctrl+click on a second league adds it to the selection."""
    page = web.page
    bu.open_page(page, web.base + "/hubs?year=2019")
    bu.wait_map(page, exact=12)
    full = bu.map_ranges(page)
    bu.map_modebar(page, "Zoom in")
    bu.map_modebar(page, "Zoom in")
    page.wait_for_function("([w]) => {" + bu.FIND_MAP + """ const gd = findMap();
        const r = gd._fullLayout.xaxis.range; return (r[1] - r[0]) < w * 0.5; }""", arg=[_span(full)[0]])
    # pan (the map's drag mode): drag the plot 80 px right and 40 px down
    box = page.locator("[data-test-map] .nsewdrag").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 80, cy + 40, steps=8)
    page.mouse.up()
    zoomed = bu.map_ranges(page)
    assert _span(zoomed)[0] < _span(full)[0] * 0.5, (full, zoomed)
    assert not _same_ranges(zoomed, full), (full, zoomed)

    # 年份 2019 → 2018: the figure changes (title, values), the view stays
    year = page.locator("[data-testid=stSidebar] [data-testid=stRadio]").filter(has_text="年份")
    year.get_by_text("2018", exact=True).click()
    page.wait_for_function("() => {" + bu.FIND_MAP + " const gd = findMap(); return gd && "
                           "gd._fullLayout.title.text.includes('2018'); }", timeout=30_000)
    bu.wait_idle(page)
    after_year = bu.map_ranges(page)
    shot(page, "hubs-zoom-after-year")
    assert "2018" in after_year["title"], after_year
    assert _same_ranges(after_year, zoomed), f"the zoom was lost on a year change: {zoomed} → {after_year} (full {full})"

    # another indicator (league-level only): back to the full extent
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="指标")
    picker.click()
    page.get_by_role("option", name="青年爱里开展活动（场次）").click()
    page.wait_for_function("() => {" + bu.FIND_MAP + " const gd = findMap(); return gd && "
                           "gd._fullLayout.title.text.includes('青年爱里开展活动'); }", timeout=30_000)
    bu.wait_idle(page)
    after_ind = bu.map_ranges(page)
    assert _same_ranges(after_ind, full), f"an indicator change must reset the view: {after_ind} (full {full})"

    # a plain click selects one league, a Ctrl+click adds a second one
    bu.click_area(page, "152200")
    wait_selected(page, LEAGUES["152200"])
    bu.wait_map(page, exact=12)
    bu.click_area(page, "150500", modifiers=("Control",))
    wait_selected(page, LEAGUES["150500"])
    assert set(bu.query_all(page).get("leagues", [])) == {LEAGUES["152200"], LEAGUES["150500"]}, page.url
    assert set(bu.widgets(page)["leagues"]) == {LEAGUES["152200"], LEAGUES["150500"]}
    info = bu.wait_map(page, exact=12)
    assert {"selected-152200", "selected-150500"} <= set(info["traces"]), info["traces"]
    web.finish()


# ------------------------------------------------------------------ issue 6 §4/§6: layout and images
def _ready(page, url: str) -> None:
    """Open ``url`` and wait until the script run is over (any language) and the page raised nothing."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(
        """() => { const app = document.querySelector('[data-testid=stApp]');
                   return app && app.dataset.testScriptState === 'notRunning'
                       && app.dataset.testConnectionState === 'CONNECTED'
                       && document.querySelector('[data-testid=stMain] h1')
                       && !document.querySelector('[data-testid=stSkeleton]'); }""", timeout=90_000)
    errs = bu.exceptions(page)
    assert not errs, f"{url}: the app raised:\n" + "\n---\n".join(errs)


#: Every plotly chart laid out at its container's width with no redraw pending (after a resize).
_LAID_OUT_JS = """() => { const gs = [...document.querySelectorAll('.js-plotly-plot')];
  return gs.length > 0 && gs.every(g => g._fullLayout && Math.abs(g._fullLayout.width - g.clientWidth) <= 1
                                     && !(g._promises && g._promises.length)); }"""


def _resize(page, width: int, height: int = 900) -> None:
    """Change the window width and wait until every plotly chart has been laid out again at its
    container's new width (no fixed sleep: plotly takes about 0.15 s), then two frames for the DOM."""
    page.set_viewport_size({"width": width, "height": height})
    try:
        page.wait_for_function(_LAID_OUT_JS, timeout=5_000, polling="raf")
    except Exception:
        pass  # a chart that does not follow its container: measured as it is
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _mode_url(page: str, mode: str, lang: str, **extra: str) -> str:
    """A link to ``page`` in display ``mode`` and ``lang`` as the bound widgets write it (labels)."""
    from urllib.parse import urlencode

    from nmgdash.core.labels import mode_text

    params = {"lang": "中文" if lang == "zh" else "English", "mode": mode_text(mode, lang), **extra}
    return f"/{page}?{urlencode(params)}"


LABEL_WIDTHS = [1024, 1280, 1440, 1920]
LABEL_VIEWS = [("value", {}), ("per_10k", {}), ("share", {}), ("yoy", {"year": "2017"}), ("vs_base", {})]


def test_map_labels_fit_every_width_mode_and_language(web):
    """Every map label's box, measured in the browser at 1024/1280/1440/1920 px (sidebar open), in
    every display mode and both languages: no two overlap, none leaves the figure, and all 12
    leagues keep their label (a missing value is the short mark "—", its reason in the note)."""
    page = web.page
    checked = 0
    for lang in ("zh", "en"):
        for mode, extra in LABEL_VIEWS:
            page.set_viewport_size({"width": LABEL_WIDTHS[0], "height": 900})
            _ready(page, web.base + _mode_url("hubs", mode, lang, **extra))
            bu.wait_map(page, 12)
            for width in LABEL_WIDTHS:
                _resize(page, width)
                where = f"{lang} {mode} {extra or ''} at {width} px"
                problems = bu.label_problems(page)
                web.problems += [f"{where}: {p}" for p in problems]
                n = len([a for a in page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')][0]"
                                                  "._fullLayout.annotations.map(a => a.name)") if str(a).startswith("label-")])
                if n != 12:
                    web.problems.append(f"{where}: {n} league labels, not 12")
                checked += 1
            if mode == "yoy":  # 2017 has no previous year: short marks, the reason under the map
                texts = bu.map_info(page)["annotations"]
                marks = [a for a in texts if a.endswith("—")]
                reason = "无上年数据" if lang == "zh" else "No previous year"
                if len(marks) != 12 or not any(reason in a for a in texts):
                    web.problems.append(f"{lang} yoy 2017: expected 12 '—' labels and the reason in the note: {texts}")
    page.set_viewport_size({"width": 1024, "height": 768})
    shot(page, "hubs-labels-1024")
    assert checked == 2 * len(LABEL_VIEWS) * len(LABEL_WIDTHS)
    web.finish()


CARDS_JS = """() => [...document.querySelectorAll('[data-testid=stMetric]')].map(m => ({
  text: m.innerText.replace(/\\n+/g, ' | '),
  over: [...m.querySelectorAll('*')].filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
      .map(e => `${e.dataset.testid || e.tagName}: ${e.scrollWidth}>${e.clientWidth}`)}))"""


def test_card_text_never_overflows(web):
    """English headline cards ("13,483 organisations") wrap instead of being cut off: no element of
    any card is wider than its box (DOM scrollWidth vs clientWidth) at 1440 and 1024 px."""
    page = web.page
    seen = 0
    for path in ("/", "/staffing", "/leadership"):
        page.set_viewport_size({"width": 1440, "height": 900})
        _ready(page, f"{web.base}{path}?lang=English")
        page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 3")
        for width in (1440, 1024):
            _resize(page, width)
            cards = page.evaluate(CARDS_JS)
            seen += len(cards)
            web.problems += [f"{path} at {width} px: card text cut off: {c['text']} ({c['over']})"
                             for c in cards if c["over"]]
    assert seen >= 2 * (12 + 8 + 11), seen
    web.finish()


TEXT_BOXES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => {
  const R = g.querySelector('svg.main-svg').getBoundingClientRect();
  const texts = [...g.querySelectorAll('g.annotation, .gtitle, .xtick text, .legendtext')].map(e => {
      const b = e.getBoundingClientRect();
      return {text: e.textContent, l: b.left, r: b.right, t: b.top, b: b.bottom, w: b.width};
  }).filter(b => b.w > 0);
  return {width: R.width, outside: texts.filter(b => b.l < R.left - 1 || b.r > R.right + 1 || b.t < R.top - 1
      || b.b > R.bottom + 1).map(b => b.text), texts: texts.map(b => b.text),
      barTexts: [...g.querySelectorAll('.barlayer text')].map(t => t.textContent)};
})"""


def test_reforms_bullet_charts_fit_a_projector_and_a_phone(web):
    """高校与国企改革: at 1024 px and on a 390 px phone, every text of the three bullet charts lies
    inside its figure ("目标 100%" included), no text sits in or on a bar, and each value has its gap."""
    page = web.page
    page.set_viewport_size({"width": 1024, "height": 768})
    _ready(page, web.base + "/reforms")
    page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].length >= 3")
    for width, height in ((1024, 768), (390, 844)):
        _resize(page, width, height)
        charts = page.evaluate(TEXT_BOXES_JS)
        assert len(charts) >= 3, charts
        for i, c in enumerate(charts[:3]):
            if c["outside"]:
                web.problems.append(f"/reforms at {width} px, chart {i}: text cut off: {c['outside']}")
            if c["barTexts"]:
                web.problems.append(f"/reforms at {width} px, chart {i}: text on the bars: {c['barTexts']}")
            if "目标 100%" not in c["texts"]:
                web.problems.append(f"/reforms at {width} px, chart {i}: no 目标 100% label: {c['texts']}")
        joined = " ".join(charts[1]["texts"])
        assert "93%差7个百分点" in joined and "55%差45个百分点" in joined, joined
        page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        shot(page, f"reforms-{width}")
    web.finish()


#: Per bullet chart: the pairs of its texts (rate names, values, target label) that overlap each
#: other or a bar (at least 2 px both ways).
BULLET_OVERLAPS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(g => g.querySelector('.barlayer')).map(g => {
  const box = e => { const b = e.getBoundingClientRect(); return {text: e.textContent, l: b.left, r: b.right, t: b.top, b: b.bottom}; };
  const texts = [...g.querySelectorAll('g.annotation')].map(box).filter(b => b.r > b.l);
  const bars = [...g.querySelectorAll('.barlayer .point path')].map(box).filter(b => b.r > b.l && b.b > b.t);
  const hit = (a, b) => Math.min(a.r, b.r) - Math.max(a.l, b.l) > 2 && Math.min(a.b, b.b) - Math.max(a.t, b.t) > 2;
  const out = [];
  texts.forEach((a, i) => {
    texts.slice(i + 1).forEach(b => { if (hit(a, b)) out.push([a.text, b.text]); });
    bars.forEach(b => { if (hit(a, b)) out.push([a.text, 'bar']); });
  });
  return out;
})"""


def test_english_bullet_names_of_three_lines_stay_clear_of_the_next_bar(web):
    """Before: on /reforms in English a rate's name wrapped to three lines ("Universities running the
    "second classroom transcript"") and ran into the name and bar of the rate above. Now each row
    makes room for its longest name, at 1440 px and on a phone."""
    page = web.page
    for width, height in ((1440, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        _ready(page, web.base + "/reforms?lang=English")
        page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].length >= 3")
        overlaps = page.evaluate(BULLET_OVERLAPS_JS)
        assert len(overlaps) >= 3 and overlaps == [[]] * len(overlaps), (width, overlaps)
        shot(page, f"reforms-en-{width}")


RANKING_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g._fullData.some(d => d.type === 'bar') && g._fullData.some(d => (d.name || '').startsWith('全区')));
  if (!gd) return null;
  const box = e => { const b = e.getBoundingClientRect(); return {l: b.left, r: b.right, t: b.top, b: b.bottom}; };
  const i = gd._fullData.findIndex(d => (d.name || '').startsWith('全区'));
  const line = gd.querySelectorAll('.scatterlayer .trace')[0].querySelector('path.js-line');
  return {values: [...gd.querySelectorAll('g.annotation')].filter(a => /次$/.test(a.textContent)).map(a => ({text: a.textContent, ...box(a)})),
          line: line ? box(line) : null, legend: [...gd.querySelectorAll('.legendtext')].map(e => ({text: e.textContent, ...box(e)})),
          lineIndex: i};
}"""


def test_ranking_region_line_stays_clear_of_value_labels(web):
    """党建引领与督查 has ten "2次" labels: the dashed region line and its label ("全区平均 …") cross none of them."""
    page = web.page
    page.set_viewport_size({"width": 1024, "height": 768})
    _ready(page, web.base + "/leadership")
    page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].length >= 3")
    info = page.evaluate(RANKING_JS)
    assert info and info["line"], info
    assert len(info["values"]) == 12 and sum(v["text"] == "2次" for v in info["values"]) >= 8, info["values"]
    hit = lambda a, b: min(a["r"], b["r"]) - max(a["l"], b["l"]) > 0 and min(a["b"], b["b"]) - max(a["t"], b["t"]) > 0  # noqa: E731
    crossed = [v["text"] for v in info["values"] if hit(v, info["line"]) or any(hit(v, lg) for lg in info["legend"])]
    assert not crossed, f"the region line or its label runs through value labels: {crossed} {info}"
    assert any(lg["text"].startswith("全区平均") for lg in info["legend"]), info["legend"]
    web.finish()


def test_modebar_png_has_an_opaque_background_and_a_source(web):
    """The modebar's camera saves a PNG at scale 2 with an opaque white background (pasted on a dark
    slide, title and colour-bar ticks stay readable); the map says where its numbers come from."""
    import io

    from PIL import Image

    page = web.page
    page.set_viewport_size({"width": 1440, "height": 900})
    _ready(page, web.base + "/hubs")
    bu.wait_map(page, 12)
    assert any(a.startswith("来源：") and "示例数据" in a for a in bu.map_info(page)["annotations"])
    page.evaluate("() => {" + bu.FIND_MAP + " document.querySelectorAll('[data-test-map]')"
                  ".forEach(e => e.removeAttribute('data-test-map')); findMap().setAttribute('data-test-map', '1'); }")
    gd = page.locator("[data-test-map]")
    gd.scroll_into_view_if_needed()
    gd.hover(position={"x": 40, "y": 200})
    width = page.evaluate("() => document.querySelector('[data-test-map]')._fullLayout.width")
    with page.expect_download(timeout=20_000) as dl:
        gd.locator(".modebar-btn[data-title^='Download']").click()
    download = dl.value
    assert download.suggested_filename.endswith(".png"), download.suggested_filename
    img = Image.open(io.BytesIO(Path(download.path()).read_bytes())).convert("RGBA")
    assert img.width == 2 * width, (img.size, width)
    for corner in ((0, 0), (img.width - 1, 0), (0, img.height - 1), (img.width - 1, img.height - 1)):
        assert img.getpixel(corner) == (255, 255, 255, 255), (corner, img.getpixel(corner))
    (ARTIFACTS / "browser-modebar-map.png").write_bytes(Path(download.path()).read_bytes())
    web.finish()


def test_unknown_url_shows_our_notice_not_streamlits_english_dialog(web):
    """/nope: a Chinese notice naming the path and a link home, not Streamlit's English "Page not found"
    dialog (on a server that has served a page before; see README, known limits)."""
    page = web.page
    _ready(page, web.base + "/nope")
    text = page.evaluate("() => document.body.innerText")
    assert "没有地址为“/nope”的页面" in text and "页面不存在" in text, text[:500]
    assert "Page not found" not in text and not page.locator("[role=dialog]").count(), text[:500]
    web.finish()


def test_headline_numbers_stay_big_on_a_1024_projector(web):
    """Leaders read the cards from across a room: at 1024 px with the sidebar open (cards ~130 px wide)
    every headline number is at least 24 px, not body-text size."""
    page = web.page
    page.set_viewport_size({"width": 1024, "height": 1600})
    bu.open_page(page, web.base + "/")
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetricValue]').length >= 12")
    sizes = page.eval_on_selector_all(
        "[data-testid=stMetricValue] p", "ps => ps.map(p => [p.innerText, parseFloat(getComputedStyle(p).fontSize)])")
    small = [(text, size) for text, size in sizes if size < 24]
    assert len(sizes) >= 12 and not small, small
    web.finish()


#: Label boxes (annotations named label-…) that overlap the map's colour bar.
COLOURBAR_OVERLAP_JS = "() => {" + bu.FIND_MAP + """
  const gd = findMap(); const bar = gd && gd.querySelector('.colorbar');
  if (!bar) return ['no colour bar'];
  const b = bar.getBoundingClientRect();
  return [...gd.querySelectorAll('.annotation')].filter(a => {
      const r = a.getBoundingClientRect();
      return r.width > 0 && r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top; })
    .map(a => a.textContent);
}"""


@pytest.mark.parametrize(("link", "areas", "width"), [
    ("/hubs?leagues=兴安盟", 6, 1440), ("/hubs?leagues=兴安盟", 6, 1024), ("/hubs", 12, 1024), ("/hubs", 12, 1920)])
def test_no_label_hides_the_colour_bar(web, link, areas, width):
    """The colour bar has a fixed size and its corner is kept free: 阿尔山市's label used to cover
    the top of 兴安盟's county scale."""
    page = web.page
    page.set_viewport_size({"width": width, "height": 1600})
    bu.open_page(page, web.base + link)
    bu.wait_map(page, exact=areas)
    covering = page.evaluate(COLOURBAR_OVERLAP_JS)
    assert not covering, covering
    web.finish()
