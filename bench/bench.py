"""Benchmark (``make bench``; README "Benchmark"): database build time, every page's script time
under AppTest (cold and warm, median of N, and after a year change), the GeoJSON payload sizes;
then the hello app (bench/hello_app.py) and the dashboard as servers side by side: browser timings
and the protocol load test (bench/perf.py), N replicas behind nginx on one PostgreSQL store (bench/replicas.py); imports
and 汇报模式 exports. Writes bench/results/bench.json and bench-latency.png and prints the README
tables with the ratios to the hello app. ``--tiny`` is the smoke mode of tests/test_bench.py.

Run: ``make bench`` (or ``.venv/bin/python bench/bench.py [--runs 10] [--tiny]``). Uses its own
database in a temp dir; every server listens on 127.0.0.1 only.
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


def main() -> None:
    """``make bench``: everything in one run (see the README's "Benchmark"): database build,
    AppTest reruns, then the hello app and the dashboard as servers (browser timings and the
    load test), replicas behind nginx, imports and exports; artifacts/bench.json and the plot."""
    import json

    import perf

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10, help="AppTest runs per page")
    ap.add_argument("--browser-runs", type=int, default=3)
    ap.add_argument("--users", default="1,5,20", help="concurrent users of the load test levels")
    ap.add_argument("--memory-rounds", type=int, default=5)
    ap.add_argument("--replicas", default="1,2", help="replica counts behind nginx ('' = skip)")
    ap.add_argument("--tiny", action="store_true", help="smoke mode: 1 run, 1-2 users, /hubs only, no extras")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "bench.json"))
    ap.add_argument("--plot", default=str(ROOT / "bench" / "results" / "bench-latency.png"))
    args = ap.parse_args()
    if args.tiny:
        args.runs, args.browser_runs, args.users, args.memory_rounds, args.replicas = 1, 1, "1,2", 1, ""
    users = [int(u) for u in args.users.split(",") if u]
    rounds = {1: 8, 5: 3} if not args.tiny else {}
    pages = ["hubs"] if args.tiny else PAGES
    result: dict = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(),
                             "loadavg_start": os.getloadavg(), "tiny": args.tiny, "runs": args.runs,
                             "browser_runs": args.browser_runs, "users": users}}
    builds = []
    for _ in range(1 if args.tiny else 3):
        path = Path(os.environ["NMGDASH_DB"])
        path.unlink(missing_ok=True)
        builds.append(build.build_database(path)["seconds"])
    result["db_build_ms"] = round(1000 * statistics.median(builds))
    print(f"Database build (median of {len(builds)}): {result['db_build_ms']} ms\n")
    print(f"AppTest script time per page, median of {args.runs} (cold = fresh caches):\n")
    print("| page | cold run (ms) | warm rerun (ms) | rerun after year change (ms) |")
    print("|---|---:|---:|---:|")
    result["apptest_ms"] = {}
    for page in pages:
        cold, warm, change = page_times(page, args.runs)
        result["apptest_ms"][page] = {"cold": round(cold, 1), "warm": round(warm, 1), "year_change": round(change, 1)}
        print(f"| {page} | {cold:.0f} | {warm:.0f} | {change:.0f} |", flush=True)
    print()
    result["geojson_kb"] = {}
    for name in ("leagues.geojson", "counties.geojson"):
        result["geojson_kb"][name] = round((GEO_DIR / name).stat().st_size / 1024, 1)
        print(f"{name}: {result['geojson_kb'][name]:.1f} KB")

    browser_ok = not args.no_browser and perf.CHROMIUM.exists()
    result["browser"], result["load"] = {}, {}
    env = {"NMGDASH_DB": os.environ["NMGDASH_DB"]}
    for name, app in (("hello", ROOT / "bench" / "hello_app.py"), ("dashboard", ROOT / "app.py")):
        with perf.Server(app, env) as srv:
            print(f"\n{name}: {srv.base} (pid {srv.pid})", flush=True)
            if browser_ok:
                result["browser"][name] = perf.browser_timings(srv.base, hello=name == "hello", runs=args.browser_runs,
                                                               pages=["hubs"] if args.tiny else perf.PAGES)
            jobs = [("", "")] if name == "hello" else None
            result["load"][name] = perf.load_test(srv.base, [srv.pid], levels=users, rounds=rounds, jobs=jobs,
                                                  memory_rounds=args.memory_rounds,
                                                  memory_users=20 if not args.tiny else 2)
    if args.replicas:
        import replicas

        result["replicas"] = replicas.bench([int(n) for n in args.replicas.split(",")], env)
    if not args.tiny:
        import_bench()
        present_bench()
        # hostile and heavy files (issue 14): verdict time and peak memory, each in a fresh process
        import import_bench as hostile

        hostile.main()
        result["hostile_import"] = json.loads(hostile.OUT.read_text(encoding="utf-8"))
    result["meta"]["loadavg_end"] = os.getloadavg()
    result["ratios"], result["targets"] = ratios(result)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=float))
    perf.plot(result, Path(args.plot))
    report(result)
    print(f"\nwrote {out} and {args.plot}")


def ratios(result: dict) -> tuple[dict, dict]:
    """Dashboard ÷ hello for every browser timing, and the issue's targets: {name: {value, target, met}}."""
    b = result.get("browser", {})
    hello, dash = b.get("hello"), b.get("dashboard")
    r: dict = {}
    if hello and dash:
        h_ready = hello["page_ready"]["hello"]["median"]
        h_year = hello["year_change"]["hello"]["median"]
        r["page_ready"] = {p: round(v["median"] / h_ready, 2) for p, v in dash["page_ready"].items()}
        r["year_change"] = {p: round(v["median"] / h_year, 2) for p, v in dash["year_change"].items()}
        r["indicator_change"] = {p: round(v["median"] / h_year, 2) for p, v in dash["indicator_change"].items()}
        r["map_click"] = {p: round(v["median"] / h_year, 2) for p, v in dash["map_click"].items()}
    targets: dict = {}
    if r:
        worst_ready = max(r["page_ready"].values())
        targets["page_ready_ratio"] = {"value": worst_ready, "target": 1.4, "met": worst_ready <= 1.4}
        if r["year_change"]:
            worst_year = max(r["year_change"].values())
            targets["year_change_ratio"] = {"value": worst_year, "target": 2.0, "met": worst_year <= 2.0}
    lv = {x["users"]: x for x in result.get("load", {}).get("dashboard", {}).get("levels", [])}
    if 1 in lv:
        targets["cpu_per_topic_run_ms"] = {"value": lv[1]["cpu_per_run_ms"], "target": 40,
                                           "met": lv[1]["cpu_per_run_ms"] <= 40}
    if 20 in lv:
        targets["p95_20_users_s"] = {"value": round(lv[20]["p95_s"], 3), "target": 1.5, "met": lv[20]["p95_s"] <= 1.5}
    mem = result.get("load", {}).get("dashboard", {}).get("memory")
    if mem and mem.get("drift_pct") is not None:
        targets["memory_drift_pct"] = {"value": mem["drift_pct"], "target": 10, "met": abs(mem["drift_pct"]) <= 10}
    return r, targets


def report(result: dict) -> None:
    """Print the README tables: hello vs dashboard with ratios, the load levels, the targets."""
    b = result.get("browser", {})
    if b.get("hello") and b.get("dashboard"):
        h, d, r = b["hello"], b["dashboard"], result["ratios"]
        print("\n| what (browser, median) | hello app | dashboard | ratio |")
        print("|---|---:|---:|---:|")
        hr, hy = h["page_ready"]["hello"]["median"], h["year_change"]["hello"]["median"]
        for p, v in d["page_ready"].items():
            print(f"| page ready: {p} | {hr:.2f} s | {v['median']:.2f} s | {r['page_ready'][p]:.2f}× |")
        for kind, label in (("year_change", "year change"), ("indicator_change", "indicator change"),
                            ("map_click", "map click → county map")):
            for p, v in d[kind].items():
                print(f"| {label}: {p} | {hy:.2f} s | {v['median']:.2f} s | {r[kind][p]:.2f}× |")
    print("\n| app | users | runs | p50 (ms) | p95 (ms) | errors | server CPU per run (ms) | RSS before / peak / after (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, load in result.get("load", {}).items():
        for x in load.get("levels", []):
            m = x["rss_mb"]
            print(f"| {name} | {x['users']} | {x['runs']} | {1000 * x['p50_s']:.0f} | {1000 * x['p95_s']:.0f} | "
                  f"{x['errors']} | {x['cpu_per_run_ms']:.0f} | {m['before']:.0f} / {m['peak']:.0f} / {m['after']:.0f} |")
    for name, load in result.get("load", {}).items():
        mem = load.get("memory")
        if mem:
            print(f"- {name}: RSS after each of {mem['rounds']} rounds of {mem['users']} users: "
                  f"{mem['rss_after_round_mb']} MB (drift {mem['drift_pct']} %)")
    for n, rep in (result.get("replicas") or {}).items():
        if isinstance(rep, dict) and "p95_s" in rep:
            print(f"- {n} replica(s) behind nginx on one PostgreSQL store, 20 users: p50 {1000 * rep['p50_s']:.0f} ms, "
                  f"p95 {1000 * rep['p95_s']:.0f} ms, errors {rep['errors']}")
            prop = rep.get("propagation")
            if prop:
                print(f"  a commit on replica 1 shows on replica 2 after {prop['visible_p50_s']:.2f} s "
                      f"(median of {prop['trials']}, max {prop['visible_max_s']:.2f} s)")
    print("\nTargets:")
    for k, v in result.get("targets", {}).items():
        print(f"- {k}: {v['value']} (target {v['target']}): {'met' if v['met'] else 'NOT met'}")


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
