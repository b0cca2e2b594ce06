"""Chrome performance trace of one year change on 青年爱里 (README "Benchmark", profile notes).

``.venv/bin/python bench/trace_year.py`` starts the dashboard on a free localhost port, opens
/hubs?year=2019 in headless /usr/bin/chromium (other hosts blocked), records a trace while the
year filter goes to 2018 and every chart has been redrawn, writes artifacts/trace-year-change.json
(open it in Chrome DevTools → Performance) and prints where the renderer's main thread spent the
time: scripting, style and layout, paint, idle waiting for the server.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import perf

ROOT = perf.ROOT
GROUPS = {
    "scripting": {"FunctionCall", "EvaluateScript", "v8.compile", "V8.CompileCode", "v8.callFunction", "TimerFire",
                  "EventDispatch", "FireAnimationFrame", "RunMicrotasks", "v8.evaluateModule", "CompileScript",
                  "MajorGC", "MinorGC", "V8.GC_SCAVENGER", "BlinkGC.AtomicPhase", "ParseHTML", "v8.run"},
    "style+layout": {"UpdateLayoutTree", "Layout", "RecalculateStyles", "ScheduleStyleRecalculation", "HitTest",
                     "IntersectionObserverController::computeIntersections", "LayoutShift", "PrePaint"},
    "paint+composite": {"Paint", "PaintImage", "CompositeLayers", "UpdateLayer", "UpdateLayerTree", "Layerize",
                        "RasterTask", "Commit", "Decode Image"},
}


def main() -> None:
    from nmgdash.storage import build

    os.environ.setdefault("NMGDASH_DB", str(Path(tempfile.mkdtemp(prefix="nmgdash-trace-")) / "reform.duckdb"))
    build.build_database()
    out = ROOT / "artifacts" / "trace-year-change.json"
    with perf.Server(ROOT / "app.py", {"NMGDASH_DB": os.environ["NMGDASH_DB"]}) as srv:
        br = perf.Browser()
        try:
            p = br.page()
            perf._ready(p, srv.base + "/hubs?year=2019", 3)
            p.evaluate(perf.WATCH_JS)
            perf._settle(p, 500)
            br.browser.start_tracing(page=p, path=str(out), screenshots=False,
                                     categories=["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline",
                                                 "blink.user_timing", "loading"])
            t0 = p.evaluate("() => performance.now()")
            perf._click_year(p, 2018)
            p.wait_for_function(perf.TITLE_HAS_JS, arg=["2018"], timeout=60_000)
            last = perf._settle(p)
            br.browser.stop_tracing()
            print(f"year change → last chart redraw: {(last - t0) / 1000:.3f} s")
            nodes = p.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(g => g.querySelectorAll('svg *').length)")
            print(f"SVG nodes per chart (map first): {nodes}")
        finally:
            br.close()
    summarize(out)


def summarize(path: Path) -> None:
    """Print the renderer main thread's busy time by group and the top event names."""
    events = json.loads(path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    main_tids = {(e["pid"], e["tid"]) for e in events if e.get("name") == "thread_name"
                 and e.get("args", {}).get("name") == "CrRendererMain"}
    top = [e for e in events if (e.get("pid"), e.get("tid")) in main_tids and e.get("ph") == "X" and "dur" in e]
    # only outermost slices count (no double counting of nested ones)
    top.sort(key=lambda e: e["ts"])
    outer, end = [], -1
    for e in top:
        if e["ts"] >= end:
            outer.append(e)
            end = e["ts"] + e["dur"]
    span = (max(e["ts"] + e["dur"] for e in top) - min(e["ts"] for e in top)) / 1000 if top else 0
    by_name = collections.Counter()
    for e in outer:
        by_name[e["name"]] += e["dur"] / 1000
    busy = sum(by_name.values())
    print(f"renderer main thread: {busy:.0f} ms busy in a {span:.0f} ms window (the rest: waiting for the server)")
    nested = collections.Counter()
    for e in top:
        for g, names in GROUPS.items():
            if e["name"] in names:
                nested[g] += e["dur"] / 1000
    for name, ms in by_name.most_common(8):
        print(f"  {name}: {ms:.0f} ms")
    print("  by kind (nested slices, may overlap): " + ", ".join(f"{g} {ms:.0f} ms" for g, ms in nested.most_common()))


if __name__ == "__main__":
    main()
