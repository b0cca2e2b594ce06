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
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1440, "height": 2600}

LEAGUES = {r["adcode"]: r["name_zh"] for r in csv.DictReader((ROOT / "data" / "areas.csv").open(encoding="utf-8"))
           if r["level"] == "league"}
COUNTIES_OF = {}
for _r in csv.DictReader((ROOT / "data" / "areas.csv").open(encoding="utf-8")):
    if _r["level"] == "county":
        COUNTIES_OF.setdefault(_r["parent_adcode"], []).append(_r["name_zh"])

ROUND_TRIP = "/staffing?leagues=兴安盟,通辽市&year=2018&mode=per_10k&ind=township_fulltime&pub=0"


# ------------------------------------------------------------------ fixtures
def _need_browser() -> None:
    """Skip (or, with NMGDASH_REQUIRE_BROWSER=1, fail) when the browser stack is missing."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:
            reason = f"playwright is not importable: {exc}"
    if reason:
        if os.environ.get("NMGDASH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (NMGDASH_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One fresh streamlit server on a free port with its own database; yields the base URL."""
    _need_browser()
    tmp = tmp_path_factory.mktemp("browser")
    env = {**os.environ, "NMGDASH_DB": str(tmp / "reform.duckdb"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-c", "from nmgdash import db; db.build_database()"],
                   cwd=ROOT, env=env, check=True, timeout=120)
    port = _free_port()
    log_path = tmp / "streamlit.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, str(Path(bu.__file__).resolve()), "run", "app.py",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        bu.wait_http_ok(f"{base}/_stcore/health", proc)
    except Exception as exc:
        proc.kill()
        proc.wait(10)
        log.close()
        pytest.fail(f"streamlit did not start: {exc}\n{log_path.read_text()[-3000:]}", pytrace=False)
    yield base
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log.close()


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=bu.CHROMIUM_ARGS)
        yield b
        b.close()


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
        texts: [...g.querySelectorAll('.barlayer text')].map(t => t.textContent)}))""")
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
        bu.open_page(page, f"{web.base}/hubs?leagues={name}&ind=hubs")
        info = bu.wait_map(page, exact=len(COUNTIES_OF[code]))
        shot(page, f"hubs-county-{code}")
        assert name in info["title"], info["title"]
        web.map_quality(f"/hubs county map of {name}")
    web.finish()


def test_click_funding_league_only_indicator(web):
    page = web.page
    code, name = "150600", LEAGUES["150600"]
    bu.open_page(page, web.base + "/funding?ind=grassroots_funding")
    assert "支持基层工作经费" in bu.widgets(page)["indicator"]
    bu.wait_map(page, 12)
    bu.click_area(page, code)
    wait_selected(page, name)
    page.wait_for_function("code => [...document.querySelectorAll('.js-plotly-plot')].some(g => "
                           "g._fullData.some(d => d.name === 'selected-' + code))", arg=code)
    shot(page, "funding-selected")
    assert bu.widgets(page)["leagues"] == [name]
    q = bu.query(page)
    assert q.get("leagues") == name and q.get("ind") == "grassroots_funding", page.url
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
    assert set(q.get("leagues", "").split(",")) == {"兴安盟", "通辽市"}, page.url
    assert q.get("year") == "2018" and q.get("mode") == "per_10k" and q.get("ind") == "township_fulltime", page.url
    assert q.get("pub", "0") != "1", page.url
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
    bu.open_page(page, web.base + "/hubs?pub=1")
    info = bu.wait_map(page, 12)
    shot(page, "hubs-published")
    nodata = [a for a in info["annotations"] if "无数据" in a]
    assert nodata, f"no 无数据 label on the map: {info['annotations']}"
    assert not sample_notices(page), "示例数据 notice shown with published-only on"
    assert bu.widgets(page)["pub"] is True
    assert bu.query(page).get("pub") == "1"
    web.finish()
