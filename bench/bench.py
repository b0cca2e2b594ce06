"""Benchmark: database build time, every page's script time under AppTest (cold and warm,
median of N), warm rerun after a filter change, and the GeoJSON payload sizes.

Run: ``make bench`` (or ``.venv/bin/python bench/bench.py [--runs 10]``). Prints a Markdown table
for the README. Uses its own database in a temp dir.
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
os.environ.setdefault("NMGDASH_DB", str(Path(tempfile.mkdtemp(prefix="nmgdash-bench-")) / "reform.duckdb"))

import streamlit as st
from streamlit.testing.v1 import AppTest

from nmgdash import db
from nmgdash.paths import GEO_DIR

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
        year = at.radio(key="w_year")
        year.set_value(2018 if year.value != 2018 else 2019)
        t0 = time.perf_counter()
        at.run()
        change.append(time.perf_counter() - t0)
    return tuple(1000 * statistics.median(x) for x in (cold, warm, change))  # type: ignore[return-value]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    builds = []
    for _ in range(3):
        path = Path(os.environ["NMGDASH_DB"])
        path.unlink(missing_ok=True)
        builds.append(db.build_database(path)["seconds"])
    print(f"Database build (median of 3): {1000 * statistics.median(builds):.0f} ms\n")
    print(f"AppTest script time per page, median of {args.runs} (cold = fresh caches):\n")
    print("| page | cold run (ms) | warm rerun (ms) | rerun after year change (ms) |")
    print("|---|---:|---:|---:|")
    for page in PAGES:
        cold, warm, change = page_times(page, args.runs)
        print(f"| {page} | {cold:.0f} | {warm:.0f} | {change:.0f} |", flush=True)
    print()
    for name in ("leagues.geojson", "counties.geojson"):
        print(f"{name}: {(GEO_DIR / name).stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
