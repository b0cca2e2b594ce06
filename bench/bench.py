"""Benchmark (``make bench``; README "Benchmark headline", docs/developer-guide.md "Benchmarks").

One run measures the dashboard side by side with the hello app (bench/hello_app.py: a title, the
year radio, one plotly chart), both servers up at once and measured in turns, and prints and writes
(bench/results/bench.json and bench.md) the table of issue 17 — each figure as a ratio to hello:

- **page ready**: navigation until the app is idle and every chart of the page is drawn (plotly
  elements of Streamlit and the league map's custom component alike, bench/perf.py ``READY_JS``),
  headless /usr/bin/chromium with every non-localhost request blocked; fresh tab, warm cache;
- **year change**: from the click on another year until every chart has been redrawn (the last
  change inside any chart, seen by a MutationObserver, once the app is idle and quiet for 400 ms);
- **20 users × 6 fresh sessions** each with the protocol client (tests/st_client.py), p95;
- and the server's CPU per fresh session (sessions one after the other) for both apps;

then issue 16's reporting timings (bench/reporting_bench.py): a league's 保存草稿, 上报 and 审核通过
until a reader sees it, with 20 viewers reading meanwhile (their p95 before and during).

Run: ``make bench`` (full, about 7 minutes on a 2-core machine), ``make bench QUICK=1`` or
``bench/bench.py --quick`` (2 runs, /overview and /hubs, 20 × 2 sessions, 2 reporting trials: about
2 minutes), ``--tiny`` (the smoke mode of tests/test_bench.py), ``--extras`` (also the database build,
AppTest script times, indicator change and map click, replicas behind nginx, imports and exports).
Uses its own database and store in a temp dir; every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("NMGDASH_DB", str(Path(tempfile.mkdtemp(prefix="nmgdash-bench-")) / "reform.duckdb"))
# a throwaway store (accounts, rounds) beside the bench's database, never the real one
os.environ["NMGDASH_IMPORTS"] = str(Path(os.environ["NMGDASH_DB"]).parent / "bench-imports")
os.environ.pop("NMGDASH_STORE_URL", None)

import streamlit as st
from streamlit.testing.v1 import AppTest

from nmgdash.core.settings import GEO_DIR
from nmgdash.storage import build
from nmgdash.storage.database import Database

PAGES = ["overview", "funding", "staffing", "hubs", "leadership", "reforms", "innovations", "about"]


def page_times(page: str, runs: int) -> tuple[float, float, float]:
    """(cold, warm, after-filter-change) medians in ms of AppTest script runs."""
    cold, warm, change = [], [], []
    for _ in range(runs):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        t0 = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - t0)
        assert not at.exception, [e.message for e in at.exception]
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
        year = at.radio(key="year")
        year.set_value(2018 if year.value != 2018 else 2019)
        t0 = time.perf_counter()
        at.run()
        change.append(time.perf_counter() - t0)
    return tuple(1000 * statistics.median(x) for x in (cold, warm, change))  # type: ignore[return-value]


#: Pages whose "page ready" the issue's table takes (the league map's pages) and the others timed.
MAP_PAGES = ["overview", "funding", "staffing", "hubs", "leadership"]
OTHER_PAGES = ["reforms", "innovations", "about"]
#: The issue's targets: dashboard ÷ hello.
TARGETS = {"page_ready": 1.3, "year_change": 2.0, "sessions_p95": 1.3}


def main() -> None:
    """``make bench``: the issue-17 table and the reporting timings in one run (module docstring);
    ``--extras`` adds the older parts (database build, AppTest, replicas, imports, exports)."""
    import json

    import perf
    import reporting_bench

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="development mode: 2 runs, /overview and /hubs, 20 × 2 sessions")
    ap.add_argument("--tiny", action="store_true", help="smoke mode (tests): 1 run, /hubs, 2 × 1 sessions")
    ap.add_argument("--runs", type=int, default=None, help="browser runs per page and interaction (default 3)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--sessions", type=int, default=None, help="fresh sessions per user (default 6)")
    ap.add_argument("--trials", type=int, default=None, help="leagues through save/submit/approve (default 6)")
    ap.add_argument("--viewers", type=int, default=None, help="viewers reading meanwhile (default 20)")
    ap.add_argument("--extras", action="store_true", help="also database build, AppTest, replicas, imports, exports")
    ap.add_argument("--runs-apptest", type=int, default=5, help="AppTest runs per page (--extras)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-reporting", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "bench.json"))
    ap.add_argument("--md", default=None, help="markdown table (default: the JSON's path with .md)")
    ap.add_argument("--plot", default=str(ROOT / "bench" / "results" / "bench-latency.png"))
    args = ap.parse_args()
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    runs = args.runs or {"tiny": 1, "quick": 2, "full": 3}[mode]
    sessions = args.sessions or {"tiny": 1, "quick": 2, "full": 6}[mode]
    users = 2 if args.tiny else args.users
    trials = args.trials or {"tiny": 1, "quick": 2, "full": 6}[mode]
    viewers = args.viewers or (2 if args.tiny else 20)
    pages = {"tiny": ["hubs"], "quick": ["overview", "hubs"], "full": MAP_PAGES + OTHER_PAGES}[mode]
    year_pages = [p for p in pages if p in perf.TOPIC_PAGES]
    t_run = time.perf_counter()
    result: dict = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpus": os.cpu_count(), "mode": mode,
                             "tiny": args.tiny, "loadavg_start": os.getloadavg(), "browser_runs": runs,
                             "users": users, "sessions": sessions, "command": " ".join(["bench/bench.py", *sys.argv[1:]])}}
    env = {"NMGDASH_DB": os.environ["NMGDASH_DB"], "NMGDASH_IMPORTS": os.environ["NMGDASH_IMPORTS"]}
    build.build_database(Path(os.environ["NMGDASH_DB"]))
    if args.extras:
        extras_before(result, args.runs_apptest)
    browser_ok = not args.no_browser and perf.CHROMIUM.exists()
    result["browser"], result["sessions"], result["session_cpu"] = {}, {}, {}
    apps = {"hello": ROOT / "bench" / "hello_app.py", "dashboard": ROOT / "app.py"}
    with perf.Server(apps["hello"], env) as hello, perf.Server(apps["dashboard"], env) as dash:
        srv = {"hello": hello, "dashboard": dash}
        for name, s_ in srv.items():
            print(f"{name}: {s_.base} (pid {s_.pid})", flush=True)
        if browser_ok:
            print("\nbrowser (hello app and dashboard in turns):", flush=True)
            result["browser"] = perf.interleaved_timings(hello.base, dash.base, pages=pages, year_pages=year_pages,
                                                         runs=runs)
            if args.extras:
                result["browser_extras"] = perf.browser_timings(dash.base, hello=False, runs=runs, pages=["hubs"],
                                                                extras=True)
        jobs = {"hello": [("", "")], "dashboard": perf.LOAD_JOBS}
        for name, s_ in srv.items():
            result["session_cpu"][name] = perf.session_cpu(s_.base, [s_.pid], sessions=2 if args.tiny else 16,
                                                           jobs=jobs[name][:2] if args.tiny else jobs[name])
            print(f"\n{name}: server CPU per fresh session {result['session_cpu'][name]['cpu_per_session_ms']} ms",
                  flush=True)
        # in turns: one fresh session per user of each app, ``sessions`` times (load changes hit both alike)
        parts: dict = {"hello": [], "dashboard": []}
        for j in range(sessions):
            for name, s_ in srv.items():
                parts[name].append(perf.sessions_load(s_.base, [s_.pid], users=users, sessions=1,
                                                      jobs=jobs[name][j % len(jobs[name]):] + jobs[name][:j % len(jobs[name])]))
        for name, ps in parts.items():
            lat = [x for lv in ps for x in lv["latencies_s"]]
            cpu = sum(lv["cpu_s"] for lv in ps)
            lv = {"users": users, "sessions": sessions, "runs": len(lat), "p50_s": perf.pct(lat, 0.5),
                  "p95_s": perf.pct(lat, 0.95), "max_s": max(lat), "errors": sum(lv["errors"] for lv in ps),
                  "error_detail": [d for lv in ps for d in lv["error_detail"]][:3], "cpu_s": round(cpu, 3),
                  "cpu_per_session_ms": round(1000 * cpu / max(1, len(lat)), 1),
                  "rss_mb": {"before": ps[0]["rss_mb"]["before"], "peak": max(lv["rss_mb"]["peak"] for lv in ps),
                             "after": ps[-1]["rss_mb"]["after"]},
                  "wall_s": round(sum(lv["wall_s"] for lv in ps), 2), "latencies_s": lat}
            result["sessions"][name] = lv
            print(f"{name}: {users} users × {sessions} sessions: p50 {lv['p50_s'] * 1000:.0f} ms, "
                  f"p95 {lv['p95_s'] * 1000:.0f} ms, errors {lv['errors']}, CPU {lv['cpu_per_session_ms']:.0f} ms/session",
                  flush=True)
        if not args.no_reporting:
            print(f"\n年度填报 with {viewers} viewers reading:", flush=True)
            result["reporting"] = reporting_bench.bench(dash.base, trials=trials, viewers=viewers,
                                                        quiet_s=3.0 if args.tiny else 10.0)
    if args.extras:
        extras_after(result, env)
    result["meta"]["loadavg_end"] = os.getloadavg()
    result["meta"]["seconds"] = round(time.perf_counter() - t_run, 1)
    result["table"] = table(result)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=float))
    md = markdown(result)
    md_path = Path(args.md) if args.md else out.with_suffix(".md")
    md_path.write_text(md, encoding="utf-8")
    plot(result, Path(args.plot))
    print("\n" + md)
    print(f"wrote {out}, {md_path} and {args.plot} ({result['meta']['seconds']:.0f} s)")


def table(result: dict) -> list[dict]:
    """The rows of the issue's table: {measure, hello_s, dashboard_s, ratio, target, met, detail}."""
    rows: list[dict] = []
    b = result.get("browser") or {}
    h, d = b.get("hello"), b.get("dashboard")

    def row(measure: str, hv: float, dv: float, target: float | None, detail: str) -> None:
        r = dv / hv if hv else float("nan")
        rows.append({"measure": measure, "hello_s": round(hv, 4), "dashboard_s": round(dv, 4), "ratio": round(r, 2),
                     "target": target, "met": None if target is None else bool(r <= target), "detail": detail})

    if h and d and d["page_ready"]:
        hr = h["page_ready"]["hello"]["median"]
        ready = {p: v["median"] for p, v in d["page_ready"].items()}
        maps = {p: v for p, v in ready.items() if p in MAP_PAGES} or ready
        worst = max(maps, key=maps.get)
        row("page ready (map pages, worst)", hr, maps[worst], TARGETS["page_ready"],
            ", ".join(f"{p} {v / hr:.2f}×" for p, v in ready.items()))
        if d["year_change"]:
            hy = h["year_change"]["hello"]["median"]
            yc = {p: v["median"] for p, v in d["year_change"].items()}
            worst = max(yc, key=yc.get)
            row("year change, every chart redrawn (worst)", hy, yc[worst], TARGETS["year_change"],
                ", ".join(f"{p} {v / hy:.2f}×" for p, v in yc.items()))
    s = result.get("sessions") or {}
    if s.get("hello") and s.get("dashboard"):
        hs, ds = s["hello"], s["dashboard"]
        row(f"{ds['users']} users × {ds['sessions']} fresh sessions, p95", hs["p95_s"], ds["p95_s"],
            TARGETS["sessions_p95"], f"p50 {hs['p50_s']:.2f} / {ds['p50_s']:.2f} s; errors {hs['errors']} / {ds['errors']}; "
            f"CPU per session under load {hs['cpu_per_session_ms']:.0f} / {ds['cpu_per_session_ms']:.0f} ms")
    c = result.get("session_cpu") or {}
    if c.get("hello") and c.get("dashboard"):
        row("server CPU per fresh session (one at a time)", c["hello"]["cpu_per_session_ms"] / 1000,
            c["dashboard"]["cpu_per_session_ms"] / 1000, None, f"{c['dashboard']['sessions']} sessions")
    return rows


def markdown(result: dict) -> str:
    """The README table (and the reporting timings) as markdown."""
    m = result["meta"]
    lines = [f"`{m['command']}` — {m['date']}, {m['cpus']} cores, load average {m['loadavg_start'][0]:.1f} at the "
             f"start and {m.get('loadavg_end', [float('nan')])[0]:.1f} at the end; {m.get('seconds', 0):.0f} s in all "
             f"({m['mode']} mode, browser medians of {m['browser_runs']}).", "",
             "| measure | hello app | dashboard | ratio | target | met? |", "|---|---:|---:|---:|---:|---|"]
    for r in result.get("table", []):
        unit = (lambda v: f"{v * 1000:.0f} ms") if "CPU" in r["measure"] else (lambda v: f"{v:.2f} s")
        target = f"≤ {r['target']}×" if r["target"] else "—"
        met = "—" if r["met"] is None else ("**yes**" if r["met"] else "**no**")
        lines.append(f"| {r['measure']} | {unit(r['hello_s'])} | {unit(r['dashboard_s'])} | **{r['ratio']:.2f}×** | "
                     f"{target} | {met} |")
    details = [f"- {r['measure']}: {r['detail']}" for r in result.get("table", []) if r.get("detail")]
    if details:
        lines += ["", *details]
    rep = result.get("reporting")
    if rep:
        lines += ["", f"年度填报 ({rep['trials']} leagues one after another, {len(rep['indicators'])} league indicators "
                  f"each; {rep['viewers']} viewers reading meanwhile):", "",
                  "| step | median | p95 |", "|---|---:|---:|"]
        for key, label in (("save_s", "保存草稿 (save a league's draft)"), ("submit_s", "上报 (submit)"),
                           ("publish_s", "审核通过 → shown to a reader (publish)")):
            lines.append(f"| {label} | {rep[key]['median'] * 1000:.0f} ms | {rep[key]['p95'] * 1000:.0f} ms |")
        vb, vd = rep["viewers_before"], rep["viewers_during"]
        lines += ["", f"Viewers' page runs: before {vb['runs']} runs, p50 {vb['p50_s'] * 1000:.0f} ms, p95 "
                  f"{vb['p95_s'] * 1000:.0f} ms, {vb['errors']} errors; during {vd['runs']} runs, p50 "
                  f"{vd['p50_s'] * 1000:.0f} ms, p95 {vd['p95_s'] * 1000:.0f} ms, {vd['errors']} errors."]
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    """A small PNG: the distribution of the fresh sessions' latencies, hello app and dashboard."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.4), dpi=110)
    for name, color in (("hello", "#6b7280"), ("dashboard", "#1d4ed8")):
        lv = (result.get("sessions") or {}).get(name)
        if lv and lv["latencies_s"]:
            xs = sorted(lv["latencies_s"])
            ax.plot(xs, [(i + 1) / len(xs) for i in range(len(xs))], color=color,
                    label=f"{name}: p95 {lv['p95_s']:.2f} s")
    ax.axhline(0.95, color="#b91c1c", lw=1, ls=":")
    ax.set_xlabel("fresh session: page run latency (s)")
    ax.set_ylabel("share of sessions")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("make bench: 20 users × 6 fresh sessions (2-core machine)", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def extras_before(result: dict, runs: int) -> None:
    """--extras, before the servers: database build (median of 3) and AppTest script times."""
    builds = []
    for _ in range(3):
        path = Path(os.environ["NMGDASH_DB"])
        builds.append(build.build_database(path)["seconds"])
    result["db_build_ms"] = round(1000 * statistics.median(builds))
    print(f"Database build (median of {len(builds)}): {result['db_build_ms']} ms\n")
    print(f"AppTest script time per page, median of {runs} (cold = fresh caches):\n")
    print("| page | cold run (ms) | warm rerun (ms) | rerun after year change (ms) |")
    print("|---|---:|---:|---:|")
    result["apptest_ms"] = {}
    for page in PAGES:
        cold, warm, change = page_times(page, runs)
        result["apptest_ms"][page] = {"cold": round(cold, 1), "warm": round(warm, 1), "year_change": round(change, 1)}
        print(f"| {page} | {cold:.0f} | {warm:.0f} | {change:.0f} |", flush=True)
    result["geojson_kb"] = {n: round((GEO_DIR / n).stat().st_size / 1024, 1)
                            for n in ("leagues.geojson", "counties.geojson")}


def extras_after(result: dict, env: dict) -> None:
    """--extras, after the servers: replicas behind nginx, imports, 汇报模式 exports, hostile files."""
    import json

    import import_bench as hostile
    import replicas

    result["replicas"] = replicas.bench([1, 2], {"NMGDASH_DB": env["NMGDASH_DB"]})
    import_bench()
    present_bench()
    hostile.main()
    result["hostile_import"] = json.loads(hostile.OUT.read_text(encoding="utf-8"))


def _filled_template(year: int) -> bytes:
    """The Excel template filled for ``year`` with the sample values: 12 leagues × every league
    indicator, and every county-level unit × every county indicator (consistent sums)."""
    import csv
    import io

    import openpyxl

    from nmgdash import ingest
    from nmgdash.ingest import catalogue

    cat = catalogue.load()
    with (ROOT / "data" / "observations_sample.csv").open(encoding="utf-8") as f:
        sample = {(r["indicator_id"], r["adcode"]): float(r["value"]) for r in csv.DictReader(f) if r["year"] == str(year)}
    by_header = {cat.template_header(i): i for i in cat.importable("league")}
    wb = openpyxl.load_workbook(io.BytesIO(ingest.build_template(year=year)))
    for ws, code_col in ((wb["盟市数据"], 1), (wb["旗县数据"], 2)):
        cols = {c.column: by_header[c.value] for c in ws[4] if c.value in by_header}
        for row in ws.iter_rows(min_row=5):
            code = row[code_col].value
            for col, ind in cols.items():
                v = sample.get((ind, str(code)))
                ws.cell(row[0].row, col, 60.0 if v is None and cat.measure(ind) == "percent" else v)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_bench(runs: int = 3, readers: int = 4, seconds: float = 6.0) -> None:
    """Import time of a full filled-in template (parse + validate + preview, and the atomic commit
    with its database build and swap; median of ``runs``, each commit undone again), and reader
    query latency p50/p95 (the 青年爱里 page's area_metrics query, ``readers`` threads, each with its
    own cursor) with no import running against imports and undos committing back to back.
    Uses its own database and import ledger in a temp dir."""
    import threading

    from nmgdash import ingest
    from nmgdash.storage import transaction

    saved = {k: os.environ.get(k) for k in ("NMGDASH_DB", "NMGDASH_IMPORTS")}
    tmp = Path(tempfile.mkdtemp(prefix="nmgdash-bench-import-"))
    os.environ["NMGDASH_DB"], os.environ["NMGDASH_IMPORTS"] = str(tmp / "reform.duckdb"), str(tmp / "imports")
    try:
        build.build_database()
        payload = _filled_template(2018)
        parse, commit, undo = [], [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            con = build.connect(read_only=True)
            plan = ingest.load_file(payload, "bench_2018.xlsx", con)
            con.close()
            parse.append(time.perf_counter() - t0)
            assert not plan.errors, plan.errors[:3]
            t0 = time.perf_counter()
            batch = ingest.commit(plan, user="bench", accept_warnings=True)
            commit.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            transaction.undo(batch, user="bench")
            undo.append(time.perf_counter() - t0)
        n_league = int((plan.rows["adcode"].str.endswith("00")).sum())
        print(f"\nImport of a filled template ({len(plan.rows)} values: 12 leagues × {n_league // 12} indicators "
              f"+ {len(plan.rows) - n_league} county values; {len(payload) / 1024:.0f} KB), median of {runs}:")
        print(f"- read, normalise, validate, preview: {1000 * statistics.median(parse):.0f} ms")
        print(f"- commit (ledger + database build + swap): {1000 * statistics.median(commit):.0f} ms")
        print(f"- undo: {1000 * statistics.median(undo):.0f} ms")

        database = Database()
        params = dict(indicator_id="hubs", level="league", parent=None, years=[2017, 2018, 2019], baseline_year=2017,
                      published_only=False, mode="value")

        def read_loop(stop: threading.Event, out: list[float], errors: list[BaseException]) -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    database.run("area_metrics", **params)
                except BaseException as exc:  # counted, reported
                    errors.append(exc)
                out.append(time.perf_counter() - t0)

        def measure(writing: bool) -> tuple[list[float], list[BaseException], int]:
            stop, lat, errors, writes = threading.Event(), [], [], [0]
            threads = [threading.Thread(target=read_loop, args=(stop, lat, errors)) for _ in range(readers)]
            for th in threads:
                th.start()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if writing:
                    transaction.undo(ingest.commit(plan, user="bench", accept_warnings=True), user="bench")
                    writes[0] += 2
                else:
                    time.sleep(0.05)
            stop.set()
            for th in threads:
                th.join()
            return lat, errors, writes[0]

        def pct(xs: list[float], q: float) -> float:
            xs = sorted(xs)
            return 1000 * xs[min(len(xs) - 1, int(q * len(xs)))]

        print(f"\nReader query latency (area_metrics for 青年爱里, {readers} reader threads, {seconds:.0f} s each):\n")
        print("| situation | queries | errors | p50 (ms) | p95 (ms) |")
        print("|---|---:|---:|---:|---:|")
        for label, writing in (("no import", False), ("imports and undos committing", True)):
            lat, errors, writes = measure(writing)
            extra = f" ({writes} commits/undos)" if writing else ""
            print(f"| {label}{extra} | {len(lat)} | {len(errors)} | {pct(lat, 0.5):.1f} | {pct(lat, 0.95):.1f} |", flush=True)
        database.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def present_bench(runs: int = 3) -> None:
    """汇报模式 exports: one chart as PNG (1920×1080, kaleido in the system Chromium; the first call
    also starts the browser) and the whole PPTX deck (7 slides + cover + sources, every chart
    rendered), median of ``runs`` after the first."""
    from nmgdash.slides import deck, present

    if not deck.available():
        print("\n汇报模式 exports: skipped (no /usr/bin/chromium)")
        return
    ctx = present.Context()
    slides = [present.build(k, ctx) for k in present.sequence()]
    t0 = time.perf_counter()
    deck.png(slides[1].figure)
    first = time.perf_counter() - t0
    pngs, decks = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        deck.png(slides[1].figure)
        pngs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        deck.build_pptx([present.build(k, ctx) for k in present.sequence()])
        decks.append(time.perf_counter() - t0)
    print(f"\n汇报模式 exports (median of {runs}): one PNG 1920×1080 {1000 * statistics.median(pngs):.0f} ms "
          f"(first, with browser start: {1000 * first:.0f} ms); PPTX of {len(slides)} slides "
          f"{1000 * statistics.median(decks):.0f} ms")


if __name__ == "__main__":
    main()
