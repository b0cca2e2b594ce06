"""Server-level benchmark parts of ``make bench`` (bench/bench.py): real servers on free localhost
ports, browser timings in headless Chromium and a protocol-level load test, each for the
dashboard and for the reference "hello" app (bench/hello_app.py) in the same run.

- :class:`Server`: ``streamlit run`` of an app on 127.0.0.1 (launched through
  tests/browser_util.py, so its command line has no "streamlit run" for anyone's pkill), its pid,
  and its CPU seconds and RSS from ``/proc/<pid>``.
- :func:`browser_timings`: page ready, year change, indicator change, map click → county map
  (median of ``runs``) in /usr/bin/chromium via Playwright, every non-localhost request blocked.
- :func:`load_test`: N concurrent protocol sessions (tests/st_client.py), each running one page
  with filters; p50/p95, errors, server CPU and RSS before, at peak and after; memory over
  rounds of 20 users.

Everything is bounded (counts and timeouts) and talks to localhost only. Nothing here asserts a
time: the numbers are written to artifacts/bench.json and printed.
"""

from __future__ import annotations

import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
sys.path.insert(0, str(TESTS))

import browser_util as bu
import st_client

CHROMIUM = Path("/usr/bin/chromium")
CLK_TCK = os.sysconf("SC_CLK_TCK")
VIEWPORT = {"width": 1440, "height": 2600}

#: Pages timed for "page ready" (every page of the app; 数据管理 and 汇报模式 included).
PAGES = ["overview", "funding", "staffing", "hubs", "leadership", "reforms", "innovations", "data", "about", "present"]
TOPIC_PAGES = ["funding", "staffing", "hubs", "leadership"]
#: What each simulated user of the load test opens: a topic page with filters, as a shared link does.
LOAD_JOBS = [
    ("hubs", "year=2018&leagues=兴安盟"),
    ("staffing", "year=2019&mode=每万常住人口"),
    ("funding", "year=2018"),
    ("leadership", "leagues=通辽市&leagues=赤峰市"),
    ("hubs", "year=2019&mode=占全区比重"),
    ("staffing", "leagues=呼伦贝尔市&year=2017"),
    ("funding", "mode=同比变化"),
    ("hubs", ""),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_rss(pid: int) -> tuple[float, float]:
    """(user+system CPU seconds, resident set size in MB) of process ``pid`` from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15 of stat)
    rss = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
                break
    return cpu, rss


class Server:
    """``streamlit run <app>`` on a free 127.0.0.1 port (or ``port``), with ``env`` added."""

    def __init__(self, app: Path, env: dict[str, str] | None = None, port: int | None = None,
                 log: Path | None = None) -> None:
        self.app, self.port = Path(app), port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.log_path = log or Path(f"/tmp/nmgdash-bench-{self.app.stem}-{self.port}.log")
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(TESTS / "browser_util.py"), "run", str(self.app),
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            bu.wait_http_ok(f"{self.base}/_stcore/health", self.proc, timeout_s=90)
        except Exception:
            self.__exit__()
            raise RuntimeError(f"{self.app.name} did not start: {self.log_path.read_text()[-2000:]}") from None
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stats(self) -> tuple[float, float]:
        return proc_cpu_rss(self.pid)

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def pct(xs: list[float], q: float) -> float:
    """The ``q`` quantile of ``xs`` by nearest rank (the ceil(q·n)-th smallest; NaN when empty):
    the p95 of 20 runs is the 19th, of 100 runs the 95th."""
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs) - 1e-9) - 1))]


# ------------------------------------------------------------------ browser
#: Every plotly graph div of the page: Streamlit's plotly elements and any inside a custom
#: component (also inside a component's shadow root), and whether one is *drawn*: plotly has laid
#: it out (``_fullLayout``), its SVG is in place, every trace it was given has its layer drawn and
#: no redraw is queued (``_promises`` of an unfinished ``Plotly.react``/``newPlot`` is empty).
PLOTS_JS = """
const nmgPlots = () => {
  const out = [];
  const walk = (root) => {
    out.push(...root.querySelectorAll('.js-plotly-plot'));
    for (const h of root.querySelectorAll('[data-testid^=stBidiComponent], [data-testid^=stBidiComponent] *, [data-testid^=stCustomComponent] *'))
      if (h.shadowRoot) walk(h.shadowRoot);
  };
  walk(document);
  return out;
};
const nmgDrawn = (g) => {
  const fl = g._fullLayout;
  if (!fl || !fl._size || !g.querySelector('.main-svg')) return false;
  if (g._promises && g._promises.length) return false;
  const n = (g.data || []).filter(d => d.visible !== false).length;
  return n === 0 || g.querySelectorAll('.trace, .choroplethlocation, .scattergeo').length > 0;
};
"""

#: App idle (script not running, connected, no skeleton, a title) and at least ``n`` plotly charts,
#: each drawn (:data:`PLOTS_JS`).
READY_JS = "([n]) => {" + PLOTS_JS + """
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid=stSkeleton]') || !document.querySelector('[data-testid=stMain] h1, [data-testid=stMain] h2')) return false;
  const plots = nmgPlots();
  if (plots.length < n) return false;
  return plots.every(nmgDrawn);
}"""

N_PLOTS_JS = "() => {" + PLOTS_JS + " return nmgPlots().length; }"

#: Time stamp (performance.now) of the latest change inside any plotly chart (a MutationObserver on
#: the page and on every component shadow root), and chart titles.
WATCH_JS = "() => {" + PLOTS_JS + """
  if (window.__nmgObs) return;
  window.__nmgLast = 0;
  const inPlot = n => { const e = n && (n.nodeType === 1 ? n : n.parentElement); return e && e.closest && e.closest('.js-plotly-plot'); };
  window.__nmgObs = new MutationObserver(ms => { for (const m of ms) {
      if (inPlot(m.target) || [...m.addedNodes].some(a => a.nodeType === 1 && (a.matches('.js-plotly-plot') || a.querySelector('.js-plotly-plot'))))
        { window.__nmgLast = performance.now(); return; } } });
  const opts = {subtree: true, childList: true, attributes: true, characterData: true};
  window.__nmgObs.observe(document.body, opts);
  for (const g of nmgPlots()) { const r = g.getRootNode(); if (r !== document) window.__nmgObs.observe(r, opts); }
}"""
TITLES_JS = "() => {" + PLOTS_JS + " return nmgPlots().map(g => (g._fullLayout && g._fullLayout.title && g._fullLayout.title.text) || ''); }"


class Browser:
    """Headless /usr/bin/chromium; every page blocks (and counts) requests to other hosts."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=str(CHROMIUM), args=bu.CHROMIUM_ARGS)
        self.ctx = self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="zh-CN")
        self.ctx.set_default_timeout(60_000)
        self.blocked: list[str] = []

    def _route(self, route) -> None:
        u = urlparse(route.request.url)
        if u.scheme in {"data", "blob"} or u.hostname in bu.LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def page(self):
        p = self.ctx.new_page()
        p.route("**/*", self._route)
        return p

    def close(self) -> None:
        self.ctx.close()
        self.browser.close()
        self._pw.stop()


def _ready(page, url: str, n: int, timeout_ms: int = 60_000) -> float:
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(READY_JS, arg=[n], timeout=timeout_ms, polling="raf")
    return time.perf_counter() - t0


def _stable_count(page, still_s: float = 2.0, timeout_s: float = 30.0) -> int:
    """The number of plotly charts once it has not changed for ``still_s`` with all of them drawn
    and the app idle (the count a timed visit then waits for)."""
    n, since = -1, time.monotonic()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = page.evaluate(N_PLOTS_JS)
        if m != n or not page.evaluate(READY_JS, [m]):
            n, since = m, time.monotonic()
        elif time.monotonic() - since >= still_s:
            break
        time.sleep(0.2)
    return n


def _settle(page, quiet_ms: int = 400, timeout_s: float = 30) -> float:
    """Wait until no plotly chart changed for ``quiet_ms`` and the app is idle; return the page's
    performance.now() of the last chart change."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        last, now, idle = page.evaluate(
            "() => [window.__nmgLast, performance.now(), document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning']")
        if idle and now - last >= quiet_ms:
            return last
        time.sleep(0.05)
    raise TimeoutError("charts kept changing")


def _change(page, act, done_js: str, arg, n: int) -> float:
    """Seconds from ``act()`` (a click) until ``done_js`` holds, the app is idle with ``n`` charts
    drawn and the last chart redraw has happened (time of that redraw)."""
    page.evaluate(WATCH_JS)
    _settle(page, 300)
    t0 = page.evaluate("() => performance.now()")
    act()
    page.wait_for_function(done_js, arg=arg, timeout=60_000, polling="raf")
    page.wait_for_function(READY_JS, arg=[n], timeout=60_000, polling="raf")
    last = _settle(page)
    return max(0.0, last - t0) / 1000


def _click_year(page, year: int) -> None:
    radio = page.locator("[data-testid=stSidebar] [data-testid=stRadio]").filter(has_text="年份")
    radio.get_by_text(str(year), exact=True).click()


#: Some chart's title has ``s`` (the map's and the ranking's titles name the year and the indicator).
TITLE_HAS_JS = "([s]) => {" + PLOTS_JS + """ return nmgPlots().some(g => g._fullLayout && g._fullLayout.title
    && String(g._fullLayout.title.text).includes(s)); }"""
ANY_TITLE_HAS_JS = TITLE_HAS_JS


def _map_fills_js() -> str:
    return "([n]) => {" + bu.FIND_MAP + """ const gd = findMap(); if (!gd) return false;
        return [...gd.querySelectorAll('.scatterlayer path.js-fill')].filter(p =>
            getComputedStyle(p).fill !== 'none' && (p.getAttribute('d') || '').length > 10).length === n; }"""


def _choose_indicator(page, label: str) -> None:
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="指标")
    box.click()
    page.get_by_role("option", name=label, exact=True).click()


def _indicator_options(page) -> list[str]:
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="指标")
    box.click()
    opts = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [o.strip() for o in opts]


def browser_timings(base: str, *, hello: bool, runs: int = 3, pages: list[str] | None = None,
                    year_pages: list[str] | None = None, extras: bool = False, log=print) -> dict:
    """Browser timings in seconds (median of ``runs``, plus every run) against the server at ``base``.

    hello: the hello app (page ready and year change of its one page). Otherwise the dashboard:
    page ready of every page in ``pages``; year change on ``year_pages`` (default: the topic pages
    among ``pages``); with ``extras`` also indicator change on those and a click on 兴安盟 on 青年爱里
    until its county map (6 areas) is drawn (a failure there is recorded, not raised).
    Returns {"page_ready": {page: {"median": s, "runs": [...], "charts": n}}, "year_change": {...},
    "indicator_change": {...}, "map_click": {...}, "blocked_requests": int}.
    """
    br = Browser()
    out: dict = {"page_ready": {}, "year_change": {}, "indicator_change": {}, "map_click": {}}

    def summary(xs: list[float]) -> dict:
        return {"median": statistics.median(xs), "runs": [round(x, 4) for x in xs]}

    try:
        targets = ["hello"] if hello else (pages or PAGES)
        for name in targets:
            path = "/" if hello or name == "overview" else f"/{name}"
            # the first visit warms the browser cache (JS bundles, plotly.js) and counts the charts
            p = br.page()
            p.goto(base + path, wait_until="commit")
            p.wait_for_function(READY_JS, arg=[0], timeout=90_000)
            n = _stable_count(p)
            p.close()
            xs = []
            for _ in range(runs):
                p = br.page()
                xs.append(_ready(p, base + path, n))
                p.close()
            out["page_ready"][name] = summary(xs) | {"charts": n}
            log(f"  page ready {name}: {statistics.median(xs):.2f} s ({n} charts)", flush=True)
        if hello:
            ypages = ["hello"]
        else:
            ypages = year_pages if year_pages is not None else [p for p in (pages or PAGES) if p in TOPIC_PAGES]
        for name in ypages:
            path = "/" if hello else f"/{name}"
            p = br.page()
            n = out["page_ready"][name]["charts"] if name in out["page_ready"] else 1
            _ready(p, base + path + "?year=2019", n)
            n = max(n, p.evaluate(N_PLOTS_JS))
            xs = []
            for i in range(runs):
                y = 2018 if i % 2 == 0 else 2019
                xs.append(_change(p, lambda y=y, p=p: _click_year(p, y), TITLE_HAS_JS, [str(y)], n))
            out["year_change"][name] = summary(xs)
            log(f"  year change {name}: {statistics.median(xs):.2f} s", flush=True)
            if hello or not extras:
                p.close()
                continue
            try:
                opts = _indicator_options(p)
                xs = []
                for i in range(runs):
                    label = opts[1] if i % 2 == 0 else opts[0]
                    iname = label.split("（")[0]
                    xs.append(_change(p, lambda label=label, p=p: _choose_indicator(p, label), TITLE_HAS_JS, [iname],
                                      p.evaluate(N_PLOTS_JS)))
                out["indicator_change"][name] = summary(xs)
                log(f"  indicator change {name}: {statistics.median(xs):.2f} s", flush=True)
            except Exception as exc:  # recorded: the extras are not the table
                out["indicator_change"][name] = {"error": repr(exc)[:300]}
            p.close()
        if extras and not hello and "hubs" in (pages or PAGES):
            p = br.page()
            n = out["page_ready"]["hubs"]["charts"]
            try:
                _ready(p, base + "/hubs?year=2019", n)
                xs = []
                for _ in range(runs):
                    page_click = _prepare_click(p, "152200")
                    xs.append(_change(p, page_click, _map_fills_js(), [6], n))
                    p.get_by_role("button", name="← 返回全区地图").click()
                    p.wait_for_function(_map_fills_js(), arg=[12], timeout=60_000)
                    p.wait_for_function(READY_JS, arg=[n], timeout=60_000)
                out["map_click"]["hubs"] = summary(xs)
                log(f"  map click → county map (hubs, 兴安盟): {statistics.median(xs):.2f} s", flush=True)
            except Exception as exc:
                out["map_click"]["hubs"] = {"error": repr(exc)[:300]}
            p.close()
    finally:
        out["blocked_requests"] = len(br.blocked)
        br.close()
    return out


def interleaved_timings(hello: str, dashboard: str, *, pages: list[str], year_pages: list[str], runs: int = 5,
                        log=print) -> dict:
    """Page ready and year change of the hello app (at ``hello``) and the dashboard (at
    ``dashboard``) measured in turns in one browser: every round times the hello app once and each
    dashboard page once, so that a change in the machine's load hits both alike (ratios stay fair
    on a shared machine). Returns {"hello": {...}, "dashboard": {...}} shaped as
    :func:`browser_timings` returns (page_ready with ``charts``, year_change, blocked_requests)."""
    br = Browser()
    targets = [("hello", "hello", hello + "/")] + [
        ("dashboard", p, dashboard + ("/" if p == "overview" else f"/{p}")) for p in pages]
    out = {app: {"page_ready": {}, "year_change": {}, "indicator_change": {}, "map_click": {}} for app in ("hello", "dashboard")}
    xs: dict = {(app, name): [] for app, name, _ in targets}
    counts: dict = {}

    def summary(v: list[float]) -> dict:
        return {"median": statistics.median(v), "runs": [round(x, 4) for x in v]}

    try:
        for app, name, url in targets:  # warm the browser cache and count the charts of each page
            p = br.page()
            p.goto(url, wait_until="commit")
            p.wait_for_function(READY_JS, arg=[0], timeout=90_000)
            counts[(app, name)] = _stable_count(p)
            p.close()
        for _ in range(runs):
            for app, name, url in targets:
                p = br.page()
                xs[(app, name)].append(_ready(p, url, counts[(app, name)]))
                p.close()
        for app, name, _ in targets:
            out[app]["page_ready"][name] = summary(xs[(app, name)]) | {"charts": counts[(app, name)]}
            log(f"  page ready {name}: {statistics.median(xs[(app, name)]):.2f} s ({counts[(app, name)]} charts)", flush=True)
        ytargets = [(app, name, url) for app, name, url in targets if name == "hello" or name in year_pages]
        tabs, ys = {}, {(app, name): [] for app, name, _ in ytargets}
        for app, name, url in ytargets:
            p = br.page()
            _ready(p, url + "?year=2019", counts[(app, name)])
            tabs[(app, name)] = (p, max(counts[(app, name)], p.evaluate(N_PLOTS_JS)))
        for i in range(runs):
            y = 2018 if i % 2 == 0 else 2019
            for app, name, _ in ytargets:
                p, n = tabs[(app, name)]
                p.bring_to_front()  # the tab in front: a tab behind others gets throttled timers
                ys[(app, name)].append(_change(p, lambda y=y, p=p: _click_year(p, y), TITLE_HAS_JS, [str(y)], n))
        for app, name, _ in ytargets:
            out[app]["year_change"][name] = summary(ys[(app, name)])
            log(f"  year change {name}: {statistics.median(ys[(app, name)]):.2f} s", flush=True)
            tabs[(app, name)][0].close()
    finally:
        for app in out:
            out[app]["blocked_requests"] = len(br.blocked)
        br.close()
    return out


def _prepare_click(page, code: str):
    """Hover the map over area ``code`` (as a user's pointer arrives) and return the click itself."""
    page.evaluate("() => {" + bu.FIND_MAP + " const gd = findMap(); if (gd) gd.scrollIntoView({block: 'center'}); }")
    info = page.evaluate(bu.TARGET_JS, [code, 30])
    assert info.get("best"), info
    x, y = info["best"]["px"], info["best"]["py"]
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y, steps=3)
    try:
        page.wait_for_selector(".js-plotly-plot .hoverlayer .hovertext", timeout=3_000)
    except Exception:
        pass

    def click() -> None:
        page.mouse.click(x, y)
        page.mouse.move(5, 5)  # off the map: its hover label does not count as a redraw

    return click


# ------------------------------------------------------------------ load
def _one_round(base: str, users: int, jobs: list[tuple[str, str]], timeout_s: float) -> list[dict]:
    barrier = threading.Barrier(users)
    results: list[dict] = [{} for _ in range(users)]

    def user(i: int) -> None:
        page, query = jobs[i % len(jobs)]
        barrier.wait()
        t0 = time.perf_counter()
        try:
            run = st_client.run_page(base, page, query, timeout_s=timeout_s)
            results[i] = {"seconds": run.seconds, "error": bool(run.exceptions) or not run.finished or not run.titles,
                          "detail": run.exceptions[:1]}
        except Exception as exc:  # counted as an error
            results[i] = {"seconds": time.perf_counter() - t0, "error": True, "detail": [repr(exc)[:200]]}

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout_s + 30)
    return results


class _Peak:
    """Samples the servers' RSS every 50 ms while running; ``peak`` = the largest sum seen."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.peak, self._stop = pids, 0.0, threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, sum(proc_cpu_rss(p)[1] for p in self.pids))
            except OSError:
                pass
            self._stop.wait(0.05)

    def __enter__(self) -> _Peak:
        self._th.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._th.join()


def _stats(pids: list[int]) -> tuple[float, float]:
    cpu = rss = 0.0
    for p in pids:
        c, r = proc_cpu_rss(p)
        cpu, rss = cpu + c, rss + r
    return cpu, rss


def load_level(base: str, pids: list[int], users: int, rounds: int, jobs: list[tuple[str, str]],
               timeout_s: float = 60.0) -> dict:
    """``rounds`` rounds of ``users`` simultaneous sessions (one page run each, started together).
    Returns users, runs, p50_s, p95_s, max_s, errors, cpu_s, cpu_per_run_ms, rss_mb
    {before, peak, after}, rss_after_round_mb (list), wall_s; CPU and RSS summed over ``pids``."""
    cpu0, rss0 = _stats(pids)
    lat, errors, details, after_round = [], 0, [], []
    t0 = time.perf_counter()
    with _Peak(pids) as peak:
        for _ in range(rounds):
            res = _one_round(base, users, jobs, timeout_s)
            lat += [r["seconds"] for r in res if r]
            errors += sum(1 for r in res if not r or r["error"])
            details += [d for r in res if r and r["error"] for d in r["detail"]][:3]
            after_round.append(round(_stats(pids)[1], 1))
    wall = time.perf_counter() - t0
    cpu1, rss1 = _stats(pids)
    runs = users * rounds
    return {"users": users, "rounds": rounds, "runs": runs, "p50_s": pct(lat, 0.5), "p95_s": pct(lat, 0.95),
            "max_s": max(lat) if lat else float("nan"), "errors": errors, "error_detail": details[:3],
            "cpu_s": round(cpu1 - cpu0, 3), "cpu_per_run_ms": round(1000 * (cpu1 - cpu0) / runs, 1),
            "rss_mb": {"before": round(rss0, 1), "peak": round(max(peak.peak, rss1), 1), "after": round(rss1, 1)},
            "rss_after_round_mb": after_round, "wall_s": round(wall, 2), "runs_per_s": round(runs / wall, 2),
            "latencies_s": [round(x, 4) for x in lat]}


def sessions_load(base: str, pids: list[int], *, users: int = 20, sessions: int = 6,
                  jobs: list[tuple[str, str]] | None = None, timeout_s: float = 90.0) -> dict:
    """``users`` simulated users started together, each opening ``sessions`` fresh sessions one
    after the other (a new websocket and one page run each: user i's j-th session runs
    ``jobs[(i + j) % len(jobs)]``). Returns users, sessions, runs, p50_s, p95_s (nearest rank over
    every session), max_s, errors, error_detail, cpu_s and cpu_per_session_ms of the server
    processes ``pids``, rss_mb {before, peak, after}, wall_s, latencies_s."""
    jobs = jobs or LOAD_JOBS
    barrier = threading.Barrier(users)
    lat: list[list[float]] = [[] for _ in range(users)]
    errs: list[list[str]] = [[] for _ in range(users)]

    def user(i: int) -> None:
        barrier.wait()
        for j in range(sessions):
            page, query = jobs[(i + j) % len(jobs)]
            t0 = time.perf_counter()
            try:
                run = st_client.run_page(base, page, query, timeout_s=timeout_s)
                lat[i].append(run.seconds)
                if run.exceptions or not run.finished or not run.titles:
                    errs[i].append((run.exceptions or ["no title"])[0][:200])
            except Exception as exc:  # counted as an error
                lat[i].append(time.perf_counter() - t0)
                errs[i].append(repr(exc)[:200])

    cpu0, rss0 = _stats(pids)
    t0 = time.perf_counter()
    with _Peak(pids) as peak:
        threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(sessions * (timeout_s + 30))
    wall = time.perf_counter() - t0
    cpu1, rss1 = _stats(pids)
    flat = [x for xs in lat for x in xs]
    details = [e for es in errs for e in es]
    runs = users * sessions
    return {"users": users, "sessions": sessions, "runs": runs, "p50_s": pct(flat, 0.5), "p95_s": pct(flat, 0.95),
            "max_s": max(flat) if flat else float("nan"), "errors": len(details) + runs - len(flat),
            "error_detail": details[:3], "cpu_s": round(cpu1 - cpu0, 3),
            "cpu_per_session_ms": round(1000 * (cpu1 - cpu0) / runs, 1),
            "rss_mb": {"before": round(rss0, 1), "peak": round(max(peak.peak, rss1), 1), "after": round(rss1, 1)},
            "wall_s": round(wall, 2), "latencies_s": [round(x, 4) for x in flat]}


def session_cpu(base: str, pids: list[int], *, sessions: int = 16, jobs: list[tuple[str, str]] | None = None) -> dict:
    """Server CPU of one fresh session with nothing else running: ``sessions`` sessions one after
    the other (cycling through ``jobs``), after one warm-up run of each job. Returns sessions,
    cpu_per_session_ms, p50_s."""
    jobs = jobs or LOAD_JOBS
    for page, query in jobs:
        st_client.run_page(base, page, query, timeout_s=120)
    cpu0, _ = _stats(pids)
    lat = []
    for i in range(sessions):
        page, query = jobs[i % len(jobs)]
        lat.append(st_client.run_page(base, page, query, timeout_s=120).seconds)
    cpu1, _ = _stats(pids)
    return {"sessions": sessions, "cpu_per_session_ms": round(1000 * (cpu1 - cpu0) / sessions, 1),
            "p50_s": pct(lat, 0.5)}


def load_test(base: str, pids: list[int], *, levels: list[int], rounds: dict[int, int] | None = None,
              jobs: list[tuple[str, str]] | None = None, memory_rounds: int = 5, memory_users: int = 20,
              log=print) -> dict:
    """The load test of one server (or several behind a proxy: ``pids``). Warms up with one run of
    every job, then each level; then ``memory_rounds`` rounds of ``memory_users`` for memory.
    Returns {"levels": [load_level…], "memory": {"users", "rss_after_round_mb", "drift_pct", ...}}."""
    jobs = jobs or LOAD_JOBS
    rounds = rounds or {}
    for page, query in jobs:  # warm-up: caches filled once, as on a server that has been up a while
        st_client.run_page(base, page, query, timeout_s=120)
    out: dict = {"levels": []}
    for n in levels:
        lv = load_level(base, pids, n, rounds.get(n, 1), jobs)
        out["levels"].append(lv)
        log(f"  {n:>2} users × {lv['rounds']}: p50 {lv['p50_s'] * 1000:.0f} ms, p95 {lv['p95_s'] * 1000:.0f} ms, "
            f"errors {lv['errors']}, CPU {lv['cpu_per_run_ms']:.0f} ms/run, RSS {lv['rss_mb']}")
    if memory_rounds:
        mem = load_level(base, pids, memory_users, memory_rounds, jobs)
        rss = mem["rss_after_round_mb"]
        out["memory"] = {"users": memory_users, "rounds": memory_rounds, "rss_after_round_mb": rss,
                         "rss_before_mb": mem["rss_mb"]["before"], "rss_peak_mb": mem["rss_mb"]["peak"],
                         "drift_pct": round(100 * (rss[-1] - rss[0]) / rss[0], 1) if rss and rss[0] else None,
                         "p50_s": mem["p50_s"], "p95_s": mem["p95_s"], "errors": mem["errors"],
                         "cpu_per_run_ms": mem["cpu_per_run_ms"]}
        log(f"  memory, {memory_rounds} rounds of {memory_users}: RSS after each {rss} MB "
            f"(drift {out['memory']['drift_pct']} %), p95 {mem['p95_s'] * 1000:.0f} ms")
    return out


def plot(result: dict, path: Path) -> None:
    """A small PNG: p50 and p95 latency (s) against concurrent users for each app measured."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.4), dpi=110)
    styles = {"hello": "#6b7280", "dashboard": "#1d4ed8", "dashboard_2_replicas": "#059669"}
    for name, load in result.get("load", {}).items():
        lv = load.get("levels") or []
        if not lv:
            continue
        us = [x["users"] for x in lv]
        c = styles.get(name, "#b45309")
        ax.plot(us, [x["p95_s"] for x in lv], "-o", color=c, label=f"{name} p95")
        ax.plot(us, [x["p50_s"] for x in lv], "--", color=c, alpha=0.7, label=f"{name} p50")
    for n, rep in (result.get("replicas") or {}).items():
        if "p95_s" in rep:
            ax.plot([rep["users"]], [rep["p95_s"]], marker="^" if n == "1" else "s", ls="none",
                    color="#059669" if n != "1" else "#93c5fd", label=f"dashboard p95, {n} replica(s) behind nginx")
    ax.axhline(1.5, color="#b91c1c", lw=1, ls=":", label="target p95 1.5 s")
    ax.set_xlabel("concurrent users (one page run each)")
    ax.set_ylabel("page run latency (s)")
    ax.set_xticks(sorted({x["users"] for load in result.get("load", {}).values() for x in load.get("levels", [])}))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("make bench: latency against users (2-core machine)", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
