"""Helpers for the browser tests (tests/test_browser.py): a Streamlit launcher, page-readiness
waits, DOM readers for the plotly maps and the sidebar widgets, and a map-click helper.

Run as a script it is a thin ``streamlit`` CLI launcher::

    python tests/browser_util.py run app.py --server.port 8600

(same as ``streamlit run …``). The tests start the server this way so that its command line
does not contain "streamlit run": other people's ``pkill -f "streamlit run"`` on a shared
machine then cannot take the test server down mid-run. The tests stop it by its pid.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

#: Chromium flags for a quiet, offline-friendly headless run.
#: Debian's chromium (CI installs it: .ci/run)
CHROMIUM = Path("/usr/bin/chromium")


def need_browser() -> None:
    """Skip the calling test or fixture (or, with NMGDASH_REQUIRE_BROWSER=1 as in CI, fail it) when
    the browser stack is missing: :data:`CHROMIUM` or Playwright."""
    import pytest

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


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}

# ------------------------------------------------------------------ page JS
#: The plotly div of the map: the one with area traces (``meta`` "area", name = adcode: the
#: filled rings the map component hit-tests; see nmgdash.figures.charts.choropleth).
FIND_MAP = """
const findMap = () => [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g.data && g.data.some(d => d.meta === 'area'));
"""

#: Facts about the map: filled shapes, annotation texts, trace names, selected outlines.
MAP_INFO_JS = "() => {" + FIND_MAP + """
  const gd = findMap();
  if (!gd) return null;
  const fills = [...gd.querySelectorAll('.scatterlayer path.js-fill')].filter(p => {
      const f = getComputedStyle(p).fill;
      return f && f !== 'none' && (p.getAttribute('d') || '').length > 10;
  });
  return {
    fills: fills.length,
    fillColors: fills.map(p => getComputedStyle(p).fill),
    annotations: [...gd.querySelectorAll('g.annotation')].map(a => a.textContent),
    traces: gd._fullData.map(d => d.name || ''),
    title: (gd._fullLayout.title && gd._fullLayout.title.text) || '',
  };
}"""

#: The colour bar's colour scale as drawn (plotly's resolved scale), its range, and the area fills.
LEGEND_JS = "() => {" + FIND_MAP + """
  const gd = findMap();
  const cb = gd._fullData.find(d => d.marker && d.marker.showscale);
  if (!cb) return null;
  const fills = gd._fullData.filter(d => d.fill === 'toself' && /^[0-9]+$/.test(d.name || ''))
      .map(d => [d.name, d.fillcolor]);
  return {scale: cb.marker.colorscale, reverse: !!cb.marker.reversescale, cmin: cb.marker.cmin,
          cmax: cb.marker.cmax, fills: fills};
}"""


#: Map labels (annotations) that stick out of the chart or overlap another label.
LABELS_JS = "([minOverlap]) => {" + FIND_MAP + """
  const gd = findMap();
  const R = gd.querySelector('svg.main-svg').getBoundingClientRect();
  const boxes = [...gd.querySelectorAll('g.annotation')].map(a => {
    const b = (a.querySelector('rect.bg') || a).getBoundingClientRect();
    return {text: a.textContent, l: b.left, r: b.right, t: b.top, b: b.bottom};
  });
  const outside = boxes.filter(b => b.l < R.left - 1 || b.r > R.right + 1 || b.t < R.top - 1 || b.b > R.bottom + 1)
      .map(b => b.text);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
    if (w > minOverlap && h > minOverlap) overlaps.push(`${a.text} × ${b.text} (${Math.round(w)}×${Math.round(h)} px)`);
  }
  return {labels: boxes.length, outside, overlaps};
}"""


#: Page-pixel position inside area ``code`` for a click: a point whose surroundings within
#: ``isolation`` px belong to no other area (0: any point of the area), on plotly's drag layer
#: (not under a label, not zoomed out of view), as close as possible to the middle of those points.
#: Point-in-polygon against the area traces' rings (null between rings), as the map component does.
TARGET_JS = "([code, isolation]) => {" + FIND_MAP + """
  const gd = findMap();
  if (!gd) return {error: 'no map'};
  const fl = gd._fullLayout, r = gd.getBoundingClientRect();
  const areas = gd.data.filter(d => d.meta === 'area');
  const inside = (tr, x, y) => {
    let hit = false, start = 0; const n = tr.x.length;
    for (let i = 0; i <= n; i++) if (i === n || tr.x[i] === null) {
      for (let j = start, k = i - 1; j < i; k = j++) {
        const yj = tr.y[j], yk = tr.y[k];
        if ((yj > y) !== (yk > y) && x < (tr.x[k] - tr.x[j]) * (y - yj) / (yk - yj) + tr.x[j]) hit = !hit;
      }
      start = i + 1;
    }
    return hit;
  };
  const mine = areas.find(d => String(d.name) === code);
  if (!mine) return {error: 'no area ' + code, codes: areas.map(d => d.name)};
  const toKm = (px, py) => [fl.xaxis.p2l(px - r.left - fl._size.l), fl.yaxis.p2l(py - r.top - fl._size.t)];
  const owner = (px, py) => { const [x, y] = toKm(px, py); const a = areas.find(d => inside(d, x, y)); return a ? String(a.name) : null; };
  const xs = mine.x.filter(v => v !== null), ys = mine.y.filter(v => v !== null);
  const p0x = r.left + fl._size.l + fl.xaxis.l2p(Math.min(...xs)), p1x = r.left + fl._size.l + fl.xaxis.l2p(Math.max(...xs));
  const p0y = r.top + fl._size.t + fl.yaxis.l2p(Math.max(...ys)), p1y = r.top + fl._size.t + fl.yaxis.l2p(Math.min(...ys));
  const step = Math.max(2, Math.min(8, (p1x - p0x) / 12, (p1y - p0y) / 12));
  const pts = [];
  for (let py = p0y; py <= p1y; py += step) for (let px = p0x; px <= p1x; px += step) {
    if (owner(px, py) !== code) continue;
    pts.push({px, py});
  }
  if (!pts.length) return {error: 'no point inside ' + code};
  const cx = pts.reduce((s, p) => s + p.px, 0) / pts.length, cy = pts.reduce((s, p) => s + p.py, 0) / pts.length;
  const ok = pts.filter(p => {
    const el = document.elementFromPoint(p.px, p.py);
    if (!el || !el.classList.contains('nsewdrag') || !gd.contains(el)) return false;  // a label, or off the map
    for (let a = 0; a < 16 && isolation > 0; a++) {
      const o = owner(p.px + isolation * Math.cos(a * Math.PI / 8), p.py + isolation * Math.sin(a * Math.PI / 8));
      if (o !== null && o !== code) return false;
    }
    return true;
  });
  ok.sort((a, b) => Math.hypot(a.px - cx, a.py - cy) - Math.hypot(b.px - cx, b.py - cy));
  return {points: pts.length, clickable: ok.length, best: ok[0] || null};
}"""

#: Sidebar/page widget state by label: multiselect tags, checked radio option, select-slider
#: value, selectbox text, toggle state.
WIDGETS_JS = """() => {
  const byLabel = (testid, label) => [...document.querySelectorAll(`[data-testid=${testid}]`)]
      .find(w => { const l = w.querySelector('[data-testid=stWidgetLabel]');
                   return l && l.innerText.trim().startsWith(label); });
  const out = {};
  const ms = byLabel('stMultiSelect', '盟市');
  out.leagues = ms ? [...ms.querySelectorAll('[data-testid=stMultiSelectTagsContainer] [data-tag]')]
      .map(t => t.innerText.trim()) : null;
  const radio = label => { const w = byLabel('stRadio', label); if (!w) return null;
      const c = w.querySelector('input[type=radio]:checked');
      return c ? c.closest('label').innerText.trim() : ''; };
  out.yearRadio = radio('年份');
  const sl = byLabel('stSlider', '年份');
  out.yearSlider = sl ? (sl.querySelector('[role=slider]') || {}).ariaValueText
      || (sl.querySelector('[data-testid=stSliderThumbValue]') || {}).innerText || '' : null;
  const ysb = byLabel('stSelectbox', '年份');
  out.yearSelect = ysb ? (ysb.querySelector('input') || {}).value || '' : null;
  out.mode = radio('显示方式');
  const ind = byLabel('stSelectbox', '指标');
  out.indicator = ind ? (ind.querySelector('input') || {}).value || '' : null;
  const tg = [...document.querySelectorAll('[data-testid=stCheckbox]')]
      .find(w => w.innerText.includes('仅显示已发布数据'));
  out.pub = tg ? tg.querySelector('input').checked : null;
  return out;
}"""


# ------------------------------------------------------------------ python helpers
def wait_idle(page, timeout_ms: int = 45_000) -> None:
    """Wait until Streamlit has finished running the script (and has drawn the page title)."""
    page.wait_for_function(
        """() => { const app = document.querySelector('[data-testid=stApp]');
                   return app && app.dataset.testScriptState === 'notRunning'
                       && app.dataset.testConnectionState === 'CONNECTED'
                       && document.querySelector('[data-testid=stMain] h1')
                       && !document.querySelector('[data-testid=stSkeleton]')
                       && [...document.querySelectorAll('[data-testid=stSidebar] [data-testid=stWidgetLabel]')]
                              .some(l => l.innerText.trim().startsWith('盟市')); }""",
        timeout=timeout_ms,
    )


def exceptions(page) -> list[str]:
    """Texts of the Streamlit exception boxes on the page."""
    return page.eval_on_selector_all("[data-testid=stException]", "els => els.map(e => e.innerText.slice(0, 600))")


def open_page(page, url: str, timeout_ms: int = 45_000) -> None:
    """Open ``url`` and wait until the script run is over; fail with the exception text if the app raised."""
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page, timeout_ms)
    errs = exceptions(page)
    assert not errs, f"{url}: the app raised:\n" + "\n---\n".join(errs)


def wait_map(page, min_fills: int = 12, exact: int | None = None, timeout_ms: int = 30_000) -> dict:
    """Wait until the map has drawn at least ``min_fills`` (or exactly ``exact``) filled shapes; return map_info."""
    cond = f"n === {exact}" if exact is not None else f"n >= {min_fills}"
    try:
        page.wait_for_function(
            "() => {" + FIND_MAP + """ const gd = findMap(); if (!gd) return false;
                const n = [...gd.querySelectorAll('.scatterlayer path.js-fill')].filter(p =>
                    getComputedStyle(p).fill !== 'none' && (p.getAttribute('d') || '').length > 10).length;
                return """ + cond + "; }",
            timeout=timeout_ms,
        )
    except Exception as exc:  # show what is there instead of a bare timeout
        raise AssertionError(f"map did not reach {cond}: {map_info(page)}") from exc
    return map_info(page)


def map_info(page) -> dict | None:
    return page.evaluate(MAP_INFO_JS)


def widgets(page) -> dict:
    return page.evaluate(WIDGETS_JS)


def year_value(state: dict) -> str | None:
    """The year shown by whichever widget the sidebar uses for it (radio, select slider or selectbox)."""
    for key in ("yearRadio", "yearSlider", "yearSelect"):
        if state.get(key):
            return str(state[key])
    return None


def query(page) -> dict[str, str]:
    """The page URL's query parameters, percent-decoded (last value of each)."""
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query, keep_blank_values=True).items()}


def query_all(page) -> dict[str, list[str]]:
    """The page URL's query parameters, percent-decoded, every value of each (repeated ones: leagues)."""
    return parse_qs(urlparse(page.url).query, keep_blank_values=True)


#: Scroll the map to the middle of the screen and resolve once nothing has scrolled for three frames.
#: The scroll events of scrollIntoView arrive a frame later, and the map hides its hover box on
#: any scroll: a hover made before they arrive is hidden again.
MAP_INTO_VIEW_JS = "() => {" + FIND_MAP + """
  const gd = findMap();
  if (!gd) return false;
  gd.scrollIntoView({block: 'center'});
  return new Promise((resolve) => {
    let last = performance.now();
    const onScroll = () => { last = performance.now(); };
    window.addEventListener('scroll', onScroll, true);
    let quiet = 0;
    const tick = () => {
      quiet = performance.now() - last > 50 ? quiet + 1 : 0;
      if (quiet >= 3) { window.removeEventListener('scroll', onScroll, true); resolve(true); }
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}"""


def map_into_view(page) -> None:
    """Scroll the map into the middle of the screen and wait until the scrolling is over (:data:`MAP_INTO_VIEW_JS`)."""
    assert page.evaluate(MAP_INTO_VIEW_JS), "no map on the page"


def hover_area(page, code: str) -> str:
    """Move the mouse onto area ``code`` like a user and return the text of its hover box (the component's own)."""
    map_into_view(page)
    spot = page.evaluate(TARGET_JS, [code, 0]).get("best")
    assert spot, f"no point inside {code}"
    page.mouse.move(spot["px"] - 6, spot["py"] - 6)
    page.mouse.move(spot["px"], spot["py"], steps=3)
    tip = page.locator(f".nmg-tip[data-adcode='{code}']")
    tip.wait_for(state="visible", timeout=10_000)
    return tip.inner_text()


def click_area(page, code: str, isolation_px: float = 30, modifiers: tuple[str, ...] = ()) -> dict:
    """Click inside area ``code`` on the map like a user: move there, then click (see :data:`TARGET_JS`).
    ``isolation_px``: only use points at least this far from other areas
    (0 = the point nearest the area's middle, wherever its neighbours are).
    ``modifiers``: keys held during the click (e.g. ("Control",) for a Ctrl+click)."""
    map_into_view(page)
    info = page.evaluate(TARGET_JS, [code, isolation_px])
    assert info.get("best"), f"no clickable target point for {code}: {info}"
    x, y = info["best"]["px"], info["best"]["py"]
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y, steps=3)
    for key in modifiers:
        page.keyboard.down(key)
    try:
        page.mouse.click(x, y)
    finally:
        for key in reversed(modifiers):
            page.keyboard.up(key)
    return info


#: The map's current axis ranges (what zoom and pan change): {"x": [x0, x1], "y": [y0, y1]} in km.
MAP_RANGES_JS = "() => {" + FIND_MAP + """
  const gd = findMap();
  if (!gd) return null;
  return {x: gd._fullLayout.xaxis.range.slice(), y: gd._fullLayout.yaxis.range.slice(),
          title: (gd._fullLayout.title && gd._fullLayout.title.text) || ''};
}"""


def tap_area(page, code: str, isolation_px: float = 30) -> dict:
    """Tap inside area ``code`` on the map (a touch context: ``has_touch=True``), see :func:`click_area`."""
    map_into_view(page)
    info = page.evaluate(TARGET_JS, [code, isolation_px])
    assert info.get("best"), f"no tappable point for {code}: {info}"
    page.touchscreen.tap(info["best"]["px"], info["best"]["py"])
    return info


#: The adcode of the area drawn at the middle of the map's plot area (null: no area there).
MIDDLE_AREA_JS = "() => {" + FIND_MAP + """
  const gd = findMap(), fl = gd._fullLayout;
  const x = fl.xaxis.p2l(fl.xaxis._length / 2), y = fl.yaxis.p2l(fl.yaxis._length / 2);
  const inside = (tr) => {
    let hit = false, start = 0; const n = tr.x.length;
    for (let i = 0; i <= n; i++) if (i === n || tr.x[i] === null) {
      for (let j = start, k = i - 1; j < i; k = j++) {
        const yj = tr.y[j], yk = tr.y[k];
        if ((yj > y) !== (yk > y) && x < (tr.x[k] - tr.x[j]) * (y - yj) / (yk - yj) + tr.x[j]) hit = !hit;
      }
      start = i + 1;
    }
    return hit;
  };
  const a = gd.data.filter(d => d.meta === 'area').find(inside);
  return a ? String(a.name) : null;
}"""


def middle_area(page) -> str | None:
    """The adcode of the area at the middle of the map's plot area, or None (:data:`MIDDLE_AREA_JS`)."""
    return page.evaluate(MIDDLE_AREA_JS)


def area_at(page, code: str, isolation_px: float = 0) -> dict:
    """Where area ``code`` can be clicked now (:data:`TARGET_JS`): {points, clickable, best}."""
    return page.evaluate(TARGET_JS, [code, isolation_px])


def map_ranges(page) -> dict | None:
    """The map's axis ranges and title (see :data:`MAP_RANGES_JS`)."""
    return page.evaluate(MAP_RANGES_JS)


def map_modebar(page, title: str) -> None:
    """Click the map's modebar button ``title`` ("Zoom in", "Zoom out", "Reset axes" …) like a user:
    hover the map (the modebar shows on hover), then click the button."""
    page.evaluate("() => {" + FIND_MAP + " document.querySelectorAll('[data-test-map]')"
                  ".forEach(e => e.removeAttribute('data-test-map'));"
                  " findMap().setAttribute('data-test-map', '1'); }")
    gd = page.locator("[data-test-map]")
    gd.scroll_into_view_if_needed()
    gd.hover(position={"x": 40, "y": 200})
    gd.locator(f".modebar-btn[data-title='{title}']").click()


def _rgb(color: str) -> tuple[int, ...]:
    import re

    if color.startswith("#"):
        return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(v)) for v in re.findall(r"[\d.]+", color)[:3])


def legend_mismatch(page, tolerance: float = 8.0) -> str | None:
    """None when the colour bar agrees with the map, else a description of the disagreement.

    The fills are scaled so that the highest-valued area gets the colour at the top of the
    colour bar (cmax); so the colour at the top of the drawn colour bar must be one of the fill
    colours (within ``tolerance`` in RGB distance). Returns None when the map has no colour bar.
    """
    info = page.evaluate(LEGEND_JS)
    if not info:
        return None
    scale = info["scale"]
    top = scale[0][1] if info["reverse"] else scale[-1][1]
    bottom = scale[-1][1] if info["reverse"] else scale[0][1]
    want = _rgb(top)
    dists = {code: sum((a - b) ** 2 for a, b in zip(_rgb(c), want)) ** 0.5 for code, c in info["fills"] if c}
    if dists and min(dists.values()) <= tolerance:
        return None
    nearest = min(dists, key=dists.get) if dists else None
    return (f"colour bar top (value {info['cmax']:g}) is drawn as {top} (bottom {bottom}), but no area has that "
            f"colour; nearest fill: {nearest} {dict(info['fills']).get(nearest)} (distance {dists.get(nearest, 0):.0f}); "
            f"fills: {dict(info['fills'])}")


def label_problems(page, min_overlap_px: float = 2.0) -> list[str]:
    """Map labels cut off by the chart edge or overlapping each other (empty list = readable)."""
    info = page.evaluate(LABELS_JS, [min_overlap_px])
    return [f"label outside the chart: {t}" for t in info["outside"]] + [f"labels overlap: {o}" for o in info["overlaps"]]


def coloured_pixels(png: bytes, min_chroma: int = 24) -> tuple[int, int]:
    """(number of clearly coloured pixels, total pixels) of a PNG: max−min channel ≥ ``min_chroma``
    (so white, greys and black text do not count)."""
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    chroma = img.max(axis=2) - img.min(axis=2)
    return int((chroma >= min_chroma).sum()), int(chroma.size)


@contextmanager
def chromium():
    """Debian's Chromium launched by Playwright with :data:`CHROMIUM_ARGS` (skips or fails the caller as
    :func:`need_browser` does when it is missing); yields the browser, closes it afterwards. For the
    browser test modules' module-scoped ``browser`` fixtures."""
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def store_server(tmp, setup: str, *args: str) -> Iterator[tuple[str, dict]]:
    """A dashboard on its own database and store in the folder ``tmp`` (no users from secrets), after
    ``setup`` (a Python script, run with ``args`` as sys.argv[1:]) has prepared them: accounts,
    rounds, imports. Yields (base URL, the server's environment) for the store calls of a test."""
    import subprocess
    import sys

    need_browser()
    tmp = Path(tmp)
    secrets = tmp / "secrets.toml"
    secrets.write_text("[nmgdash]\n", encoding="utf-8")
    env = {**os.environ, "NMGDASH_DB": str(tmp / "reform.duckdb"), "NMGDASH_IMPORTS": str(tmp / "imports"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("NMGDASH_STORE_URL", None)
    subprocess.run([sys.executable, "-c", setup, *args], cwd=Path(__file__).resolve().parents[1], env=env,
                   check=True, timeout=180)
    with streamlit_server(env, tmp / "streamlit.log", "--secrets.files", str(secrets)) as base:
        yield base, env


@contextmanager
def app_server(tmp) -> Iterator[str]:
    """A dashboard on its own database build in the folder ``tmp`` (built first with ``python -m nmgdash
    db``), served by :func:`streamlit_server`; yields its base URL. A server that does not start fails
    the test with its log's tail (for module-scoped ``server`` fixtures)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    env = {**os.environ, "NMGDASH_DB": str(Path(tmp) / "reform.duckdb"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "nmgdash", "db"], cwd=Path(__file__).resolve().parents[1], env=env,
                   check=True, timeout=120, capture_output=True)
    try:
        with streamlit_server(env, Path(tmp) / "streamlit.log") as base:
            yield base
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@contextmanager
def streamlit_server(env: dict, log_path, *extra_args: str, root=None) -> Iterator[str]:
    """A fresh ``streamlit run app.py`` on a free 127.0.0.1 port with ``env`` (its own NMGDASH_DB …),
    its output in ``log_path``; yields the base URL once /_stcore/health answers, stops it afterwards.
    ``root``: the checkout to serve (default: this one).
    Started through this file (not "streamlit run"), so another ``pkill -f "streamlit run"`` cannot hit it.
    Raises RuntimeError with the log's tail when the server does not come up."""
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(root or Path(__file__).resolve().parents[1])
    log = Path(log_path).open("w")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false", *extra_args],
        cwd=root, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_http_ok(f"{base}/_stcore/health", proc)
        except Exception as exc:
            raise RuntimeError(f"streamlit did not start: {exc}\n{Path(log_path).read_text()[-3000:]}") from exc
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def wait_http_ok(url: str, proc, timeout_s: float = 60.0) -> None:
    """Poll ``url`` until it answers 200 'ok'; raise if ``proc`` exits or time runs out."""
    import urllib.request

    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.25)
    raise TimeoutError(f"{url} not healthy after {timeout_s:.0f} s: {last}")


if __name__ == "__main__":
    import sys

    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())
