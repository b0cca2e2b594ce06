"""汇报模式 in a real Chromium with every non-localhost request blocked: walk all slides with the
keyboard at 1920×1080 and 1280×720, screenshot each (artifacts/present-<w>x<h>-<n>.png), and
assert no scrollbar, no Streamlit chrome (sidebar, header, toolbar), the counter and the URL's
``slide`` following the keys, the projector font sizes in the DOM (big numbers ≥ 40 px, labels,
summary and footer ≥ 22 px at 1920×1080) and WCAG AA contrast (≥ 4.5:1) of every text against
its background. Also: a deep link opens its slide, and the ▶ button plays the years on a map.

Skipped when /usr/bin/chromium (or playwright) is missing, unless NMGDASH_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from test_browser import ARTIFACTS, Offline

ROOT = Path(__file__).resolve().parents[1]
N_SLIDES = 9  # 7 default slides + 2 chosen leagues
LINK = "/present?leagues=兴安盟&leagues=通辽市"

#: Facts about the current slide's page: scrolling, chrome, counter, sizes, contrast.
SLIDE_JS = r"""() => {
  const q = s => document.querySelector(s);
  const vis = el => { if (!el) return false; const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
                      return r.width > 0 && r.height > 0 && cs.display !== 'none' && cs.visibility !== 'hidden'; };
  const scrollers = [document.scrollingElement, ...document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer], section, main')]
      .filter(e => e && e.scrollHeight > e.clientHeight + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)
                   || e === document.scrollingElement && e.scrollHeight > window.innerHeight + 1)
      .map(e => ((e.dataset && e.dataset.testid) || e.tagName) + ":" + (e.scrollHeight - e.clientHeight));
  const px = s => { const e = q(s); return e ? parseFloat(getComputedStyle(e).fontSize) : null; };
  const all = sel => [...document.querySelectorAll(sel)].map(e => parseFloat(getComputedStyle(e).fontSize));
  // WCAG contrast of each text element against the first opaque background up its ancestors
  const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                       if (c.length >= 3 && (c.length < 4 || c[3] > 0.9)) return c; } return [255, 255, 255]; };
  const contrast = [];
  for (const el of document.querySelectorAll('.nmg-title, .nmg-counter, .nmg-label, .nmg-num, .nmg-note, .nmg-summary, .nmg-footer span')) {
    const L1 = lum(rgb(getComputedStyle(el).color)), L2 = lum(bg(el));
    contrast.push({text: el.innerText.slice(0, 30), ratio: (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05)});
  }
  const chart = q('.st-key-slide-chart');
  const cr = chart ? chart.getBoundingClientRect() : null;
  const foot = q('#slide-footer');
  return {
    scrollers, docH: document.documentElement.scrollHeight, winH: window.innerHeight,
    sidebar: vis(q('[data-testid=stSidebar]')), header: vis(q('[data-testid=stHeader]')),
    toolbar: vis(q('[data-testid=stToolbar]')), expand: vis(q('[data-testid=stExpandSidebarButton]')),
    counter: (q('#slide-counter') || {}).innerText, title: (q('#slide-title') || {}).innerText,
    summary: (q('#slide-summary') || {}).innerText, footer: foot ? foot.innerText : '',
    footerBottom: foot ? foot.getBoundingClientRect().bottom : null,
    navBottom: Math.max(...[...document.querySelectorAll('.st-key-nav')].map(e => e.getBoundingClientRect().bottom)),
    num: all('.nmg-num'), label: all('.nmg-label'), note: all('.nmg-note'), summaryPx: px('.nmg-summary'),
    footerPx: px('.nmg-footer'), titlePx: px('.nmg-title'), contrast,
    chart: cr && {h: cr.height, w: cr.width},
    plot: !!q('.st-key-slide-chart .js-plotly-plot .main-svg'),
  };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh streamlit server on a free port with its own database; yields the base URL."""
    bu.need_browser()
    tmp = tmp_path_factory.mktemp("present")
    env = {**os.environ, "NMGDASH_DB": str(tmp / "reform.duckdb"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-c", "from nmgdash.storage import build; build.build_database()"],
                   cwd=ROOT, env=env, check=True, timeout=120)
    with bu.streamlit_server(env, tmp / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with bu.chromium() as b:
        yield b


def wait_slide(page, counter: str | None = None, timeout_ms: int = 45_000) -> None:
    """Wait until the script run is over and the slide (with ``counter``, e.g. "3 / 9") is drawn."""
    page.wait_for_function(
        """(counter) => { const app = document.querySelector('[data-testid=stApp]');
             const c = document.querySelector('#slide-counter');
             return app && app.dataset.testScriptState === 'notRunning' && c && (!counter || c.innerText.trim() === counter)
                 && !document.querySelector('[data-testid=stSkeleton]')
                 && document.querySelector('.st-key-slide-chart .js-plotly-plot .main-svg'); }""",
        arg=counter, timeout=timeout_ms)
    page.wait_for_timeout(400)  # plotly's resize to the chart box


def wait_url_slide(page, want: int, what: str, timeout_ms: int = 10_000) -> None:
    """Wait until the address bar's ``slide`` is ``want`` (no parameter = slide 1); fail with the URL
    and ``what`` (the key or button pressed) if it does not get there."""
    try:
        page.wait_for_function("""(want) => (new URLSearchParams(location.search).get('slide') || '1') === String(want)""",
                               arg=want, timeout=timeout_ms)
    except Exception:
        pytest.fail(f"after {what} the slide shows {want} but the URL is {page.url}", pytrace=False)


def problems_of(info: dict, where: str, big: bool) -> list[str]:
    out = []
    if info["scrollers"] or info["docH"] > info["winH"] + 1:
        out.append(f"{where}: scrolls ({info['scrollers']}, document {info['docH']} px > window {info['winH']} px)")
    for chrome in ("sidebar", "header", "toolbar", "expand"):
        if info[chrome]:
            out.append(f"{where}: Streamlit {chrome} is visible")
    if info["navBottom"] > info["winH"] or (info["footerBottom"] or 0) > info["winH"]:
        out.append(f"{where}: footer/navigation below the window ({info['footerBottom']}, {info['navBottom']} > {info['winH']})")
    if not info["plot"]:
        out.append(f"{where}: no chart drawn")
    if big:
        if not info["num"] or min(info["num"]) < 40:
            out.append(f"{where}: big numbers {info['num']} px (< 40)")
        small = [("label", v) for v in info["label"] + info["note"] if v < 22]
        small += [(k, info[k]) for k in ("summaryPx", "footerPx") if (info[k] or 0) < 22]
        if small:
            out.append(f"{where}: text under 22 px: {small}")
    low = [c for c in info["contrast"] if c["ratio"] < 4.5]
    if low:
        out.append(f"{where}: contrast below 4.5:1: {low}")
    return out


@contextmanager
def slide_page(browser, width: int, height: int, **context):
    """A page in a context of its own at ``width``×``height`` (zh-CN, scale 1; ``context``: more
    new_context options) with every request to another host blocked; closes the context afterwards and
    fails the test when the page requested an outside host."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN",
                              **context)
    page = ctx.new_page()
    off = Offline()
    page.route("**/*", off.route)
    try:
        yield page
    finally:
        ctx.close()
    assert not off.blocked, sorted(set(off.blocked))


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1920x1080", "1280x720"])
def test_walk_slides_with_keyboard(server, browser, size):
    """→ walks every slide, ← and PageUp/PageDown, Home and End move; every slide fits."""
    w, h = size
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={"width": w, "height": h}, device_scale_factor=1, locale="zh-CN")
    page = ctx.new_page()
    off = Offline()
    page.route("**/*", off.route)
    problems: list[str] = []
    try:
        page.goto(server + LINK, wait_until="domcontentloaded")
        wait_slide(page, f"1 / {N_SLIDES}")
        titles = []
        for i in range(1, N_SLIDES + 1):
            if i > 1:
                page.locator("#slide-title").click()  # focus the page, not a widget
                page.keyboard.press("ArrowRight")
                wait_slide(page, f"{i} / {N_SLIDES}")
            info = page.evaluate(SLIDE_JS)
            page.screenshot(path=str(ARTIFACTS / f"present-{w}x{h}-{i}.png"))
            assert info["counter"] == f"{i} / {N_SLIDES}", info["counter"]
            wait_url_slide(page, i, f"→ to slide {i}")
            assert info["summary"] and info["footer"].startswith("数据来源："), info
            assert "数据截至" in info["footer"] and "内部资料" in info["footer"], info["footer"]
            problems += problems_of(info, f"{w}x{h} slide {i} ({info['title']})", big=(w, h) == (1920, 1080))
            titles.append(info["title"])
        assert titles[:7] == ["公报主要数据", "经费保障", "队伍建设", "青年爱里", "党建引领与督查", "高校与国企改革", "典型经验"]
        assert titles[7:] == ["兴安盟", "通辽市"], titles
        # sample values on slide 2 (per-league sample map) are flagged in the footer
        for key, want in (("ArrowLeft", N_SLIDES - 1), ("PageUp", N_SLIDES - 2), ("PageDown", N_SLIDES - 1),
                          ("Home", 1), ("End", N_SLIDES)):
            page.locator("#slide-title").click()
            page.keyboard.press(key)
            wait_slide(page, f"{want} / {N_SLIDES}")
            wait_url_slide(page, want, key)
    finally:
        ctx.close()
    if off.blocked:
        problems.append(f"the app requested outside hosts: {sorted(set(off.blocked))}")
    assert not problems, "\n".join(problems)


def test_url_follows_every_move(server, browser):
    """The address bar names the slide on screen after every move (a copied link opens that slide):
    from /present?slide=3, the keys →, End, ←, Home, PageDown, PageUp and the buttons 下一页, 末页,
    上一页, 首页 and a page number; the counter and the URL's ``slide`` agree after each, and reloading
    the URL opens the same slide."""
    with slide_page(browser, 1280, 720) as page:
        page.goto(server + "/present?slide=3", wait_until="domcontentloaded")
        wait_slide(page, "3 / 7")
        wait_url_slide(page, 3, "opening ?slide=3")
        moves = [("ArrowRight", 4), ("End", 7), ("ArrowLeft", 6), ("Home", 1), ("PageDown", 2), ("PageUp", 1),
                 ("下一页", 2), ("末页", 7), ("上一页", 6), ("首页", 1), ("5", 5)]
        for what, want in moves:
            if what.isdigit():  # a page number of the pagination widget
                page.locator("[data-testid=stPagination] button", has_text=what).first.click()
            elif what.isascii():
                page.locator("#slide-title").click()  # focus the page, not a widget
                page.keyboard.press(what)
            else:
                page.get_by_role("button", name=what).click()  # "下一页 ▶", "« 首页" …
            wait_slide(page, f"{want} / 7")
            wait_url_slide(page, want, what)
        page.goto(page.url, wait_until="domcontentloaded")  # the copied link
        wait_slide(page, "5 / 7")


def test_deep_link_and_play(server, browser):
    """/present?slide=4&year=2018 opens 青年爱里 for 2018; ▶ plays 2017 → 2019 on its map with one
    colour scale; an invalid slide number falls back to slide 1."""
    with slide_page(browser, 1920, 1080) as page:
        page.goto(server + "/present?slide=4&year=2018", wait_until="domcontentloaded")
        wait_slide(page, "4 / 7")
        info = page.evaluate(SLIDE_JS)
        assert info["title"] == "青年爱里" and "2018年全区青年爱里" in info["summary"], info
        assert "数据截至2019年" in info["footer"] and "含示例数据" in info["footer"], info["footer"]
        scale = page.evaluate("""() => { const gd = document.querySelector('.st-key-slide-chart .js-plotly-plot');
            const cb = gd._fullData.find(d => d.marker && d.marker.showscale);
            return {cmin: cb.marker.cmin, cmax: cb.marker.cmax, title: gd._fullLayout.title.text,
                    frames: (gd._transitionData._frames || []).map(f => f.name)}; }""")
        assert scale["frames"] == ["2017", "2018", "2019"] and "2018" in scale["title"], scale
        before = scale
        page.locator(".st-key-slide-chart .updatemenu-button").first.click()  # ▶
        page.wait_for_function("""() => { const gd = document.querySelector('.st-key-slide-chart .js-plotly-plot');
            return gd._fullLayout.title.text.includes('2019'); }""", timeout=15_000)
        after = page.evaluate("""() => { const gd = document.querySelector('.st-key-slide-chart .js-plotly-plot');
            const cb = gd._fullData.find(d => d.marker && d.marker.showscale);
            return {cmin: cb.marker.cmin, cmax: cb.marker.cmax}; }""")
        assert (after["cmin"], after["cmax"]) == (before["cmin"], before["cmax"]), (before, after)
        page.screenshot(path=str(ARTIFACTS / "present-played-2019.png"))
        page.goto(server + "/present?slide=99", wait_until="domcontentloaded")
        wait_slide(page, "1 / 7")
        assert bu.query(page).get("slide") in (None, "1"), page.url


#: The slide map's geometry: the axes' rectangle (the map's plot area), the value labels' boxes
#: (annotations named label-*), the year player's boxes and the navigation's box, in page px.
MAP_FIT_JS = r"""() => {
  const gd = document.querySelector('.st-key-slide-chart .js-plotly-plot');
  if (!gd || !gd._fullLayout) return null;
  const fl = gd._fullLayout, R = gd.getBoundingClientRect();
  const box = r => ({l: r.left, t: r.top, r: r.right, b: r.bottom});
  const axes = {l: R.left + fl.xaxis._offset, t: R.top + fl.yaxis._offset,
                r: R.left + fl.xaxis._offset + fl.xaxis._length, b: R.top + fl.yaxis._offset + fl.yaxis._length};
  const names = (fl.annotations || []).map(a => a.name || '');
  const labels = [...gd.querySelectorAll('g.annotation')]
      .filter(g => (names[+g.dataset.index] || '').startsWith('label-'))
      .map(g => ({text: g.textContent, ...box(g.querySelector('rect.bg').getBoundingClientRect())}));
  const controls = [...gd.querySelectorAll('.updatemenu-button, .slider-group .slider-rail-rect, .slider-group .slider-grip-rect, .slider-group .slider-label')]
      .map(e => ({text: e.textContent || e.getAttribute('class'), ...box(e.getBoundingClientRect())}))
      .filter(b => b.r > b.l && b.b > b.t);
  const nav = [...document.querySelectorAll('.st-key-nav')].map(e => box(e.getBoundingClientRect()));
  const w = (fl.xaxis.range[1] - fl.xaxis.range[0]) / fl.xaxis._length, h = (fl.yaxis.range[1] - fl.yaxis.range[0]) / fl.yaxis._length;
  return {axes, labels, controls, nav, aspect: w / h, sliders: (fl.sliders || []).length};
}"""


def _cross(a: dict, b: dict, slack: float = 0.0) -> bool:
    return min(a["r"], b["r"]) - max(a["l"], b["l"]) > slack and min(a["b"], b["b"]) - max(a["t"], b["t"]) > slack


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1920, 1080)], ids=["1024x768", "1280x720", "1920x1080"])
def test_slide_maps_labels_and_controls(server, browser, size):
    """On every map slide (four topic maps with the year player, the innovations map, two league
    maps): no two value labels overlap, every label is inside the map's plot area, no control of the
    year player and no navigation button intersects the map's plot area, the map fills the chart box
    in one direction (height or width) and keeps its aspect, nothing scrolls. 下一页/末页 are disabled
    on the last slide, 首页/上一页 on the first."""
    w, h = size
    problems: list[str] = []
    with slide_page(browser, w, h) as page:
        page.goto(server + LINK + "&slide=2", wait_until="domcontentloaded")
        for i in range(2, N_SLIDES + 1):
            if i > 2:
                page.locator("#slide-title").click()
                page.keyboard.press("ArrowRight")
            wait_slide(page, f"{i} / {N_SLIDES}")
            if i == 6:  # 高校与国企改革: a bar chart, no map
                continue
            info = page.evaluate(MAP_FIT_JS)
            where = f"{w}x{h} slide {i}"
            ax = info["axes"]
            if i <= 5:
                assert info["sliders"] == 1 and len(info["labels"]) == 12, (where, info["sliders"], len(info["labels"]))
            labels = info["labels"]
            for a in labels:
                if a["l"] < ax["l"] - 1 or a["r"] > ax["r"] + 1 or a["t"] < ax["t"] - 1 or a["b"] > ax["b"] + 1:
                    problems.append(f"{where}: label outside the map: {a['text']}")
            for j, a in enumerate(labels):
                for b in labels[j + 1:]:
                    if _cross(a, b, 1.0):
                        problems.append(f"{where}: labels overlap: {a['text']} × {b['text']}")
            for c in info["controls"] + [dict(n, text="navigation") for n in info["nav"]]:
                if _cross(c, ax):
                    problems.append(f"{where}: control on the map: {c['text']} {c} × {ax}")
            if abs(info["aspect"] - 1) > 0.02:
                problems.append(f"{where}: map aspect {info['aspect']:.3f} (km per px x / y)")
            fit = page.evaluate(SLIDE_JS)
            if fit["scrollers"] or fit["docH"] > fit["winH"] + 1 or fit["navBottom"] > fit["winH"]:
                problems.append(f"{where}: scrolls or navigation below the window ({fit['scrollers']}, {fit['navBottom']})")
            page.screenshot(path=str(ARTIFACTS / f"present-map-{w}x{h}-{i}.png"))
        disabled = page.evaluate("""() => Object.fromEntries(['nav_first', 'nav_prev', 'nav_next', 'nav_last'].map(k =>
            [k, document.querySelector('.st-key-' + k + ' button').disabled]))""")
        assert disabled == {"nav_first": False, "nav_prev": False, "nav_next": True, "nav_last": True}, disabled
        page.locator("#slide-title").click()
        page.keyboard.press("End")  # disabled on the last slide: nothing happens
        page.keyboard.press("Home")
        wait_slide(page, f"1 / {N_SLIDES}")
        disabled = page.evaluate("""() => Object.fromEntries(['nav_first', 'nav_prev', 'nav_next', 'nav_last'].map(k =>
            [k, document.querySelector('.st-key-' + k + ' button').disabled]))""")
        assert disabled == {"nav_first": True, "nav_prev": True, "nav_next": False, "nav_last": False}, disabled
    assert not problems, "\n".join(problems)


def test_download_names_say_sample(server, browser):
    """The slide PNG and the PPTX are named by the same rule as the CSV and Excel downloads
    (nmgdash.reports.exports.download_name): 示例数据 in the name when sample values are in them."""
    from datetime import date

    sys.path.insert(0, str(ROOT))
    from nmgdash.reports.exports import download_name

    with slide_page(browser, 1280, 720, accept_downloads=True) as page:
        page.goto(server + "/present?slide=4", wait_until="domcontentloaded")
        wait_slide(page, "4 / 7")
        names = []
        for make, save in (("生成本页图片（PNG，1920×1080）", "下载本页图片（PNG，1920×1080）"),
                           ("生成汇报材料（PPTX）", "下载汇报材料（PPTX）")):
            page.get_by_text("⚙ 设置与下载").click()
            page.get_by_role("button", name=make).click()
            page.get_by_role("button", name=save).wait_for(timeout=90_000)
            with page.expect_download(timeout=30_000) as dl:
                page.get_by_role("button", name=save).click()
            names.append(dl.value.suggested_filename)
            page.keyboard.press("Escape")
        today = date.today()
        assert names == [download_name("hubs_2019", "png", sample=True, today=today),
                         download_name("汇报材料_2019", "pptx", sample=True, today=today)], names
        assert all("_示例数据_" in n for n in names), names
