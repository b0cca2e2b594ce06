"""Smoke test of the benchmark harness (``make bench``): bench/bench.py in its tiny mode (one run
of /hubs and the hello app, 2 users × 1 fresh session, one reporting trial with 2 viewers) writes
the JSON, the markdown table and the plot, with the issue's rows as ratios to the hello app. Only
the shape is checked: timings are never asserted."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


def test_tiny_bench_writes_json_table_and_plot(tmp_path):
    out, md, png = tmp_path / "bench.json", tmp_path / "bench.md", tmp_path / "bench.png"
    env = {**os.environ, "NMGDASH_DB": str(tmp_path / "reform.duckdb")}
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--tiny", "--json", str(out),
                           "--md", str(md), "--plot", str(png)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=420)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads(out.read_text())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert res["meta"]["mode"] == "tiny" and res["meta"]["users"] == 2 and res["meta"]["sessions"] == 1
    # the throwaway store: nothing was written beside the real database
    assert (tmp_path / "bench-imports" / "store.sqlite3").is_file()
    for app in ("hello", "dashboard"):
        lv = res["sessions"][app]
        assert lv["runs"] == 2 and lv["errors"] == 0 and len(lv["latencies_s"]) == 2, lv
        assert all(_number(lv[k]) for k in ("p50_s", "p95_s", "cpu_s", "cpu_per_session_ms"))
        assert _number(res["session_cpu"][app]["cpu_per_session_ms"])
    rep = res["reporting"]
    assert rep["trials"] == 1 and rep["viewers"] == 2 and rep["publish_page_runs"][0] >= 1
    for key in ("save_s", "submit_s", "publish_s"):
        assert _number(rep[key]["median"]) and _number(rep[key]["p95"]) and len(rep[key]["runs"]) == 1
    assert rep["viewers_during"]["errors"] == 0 and rep["viewers_before"]["errors"] == 0
    measures = [r["measure"] for r in res["table"]]
    text = md.read_text(encoding="utf-8")
    assert "保存草稿" in text and "| measure | hello app | dashboard | ratio | target | met? |" in text
    if res["browser"]:  # Chromium present: page ready and year change were timed, all charts counted
        dash = res["browser"]["dashboard"]
        assert set(dash["page_ready"]) == {"hubs"} and dash["page_ready"]["hubs"]["charts"] >= 3
        assert _number(dash["year_change"]["hubs"]["median"]) and len(dash["year_change"]["hubs"]["runs"]) == 1
        assert dash["blocked_requests"] == 0 and res["browser"]["hello"]["blocked_requests"] == 0
        assert measures[:3] == ["page ready (map pages, worst)", "year change, every chart redrawn (worst)",
                                "2 users × 1 fresh sessions, p95"]
        assert [r["target"] for r in res["table"][:3]] == [1.3, 2.0, 1.3]
        assert all(_number(r["ratio"]) for r in res["table"])
    else:
        assert measures[0] == "2 users × 1 fresh sessions, p95"
