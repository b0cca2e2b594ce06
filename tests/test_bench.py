"""Smoke test of the benchmark harness (``make bench``): bench/bench.py in its tiny mode (one run
of /hubs, 1 and 2 protocol users, one memory round, no replicas) writes artifacts of the right
shape. Only the shape is checked: timings are never asserted."""

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


def test_tiny_bench_writes_json_and_plot(tmp_path):
    out, png = tmp_path / "bench.json", tmp_path / "bench.png"
    env = {**os.environ, "NMGDASH_DB": str(tmp_path / "reform.duckdb")}
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--tiny", "--json", str(out), "--plot", str(png)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=420)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads(out.read_text())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert res["meta"]["tiny"] is True and res["meta"]["users"] == [1, 2]
    assert set(res["apptest_ms"]) == {"hubs"} and all(_number(v) for v in res["apptest_ms"]["hubs"].values())
    for app in ("hello", "dashboard"):
        load = res["load"][app]
        assert [lv["users"] for lv in load["levels"]] == [1, 2]
        for lv in load["levels"]:
            assert lv["runs"] == lv["users"] and lv["errors"] == 0, lv
            assert all(_number(lv[k]) for k in ("p50_s", "p95_s", "cpu_s", "cpu_per_run_ms"))
            assert set(lv["rss_mb"]) == {"before", "peak", "after"} and all(_number(v) for v in lv["rss_mb"].values())
        assert len(load["memory"]["rss_after_round_mb"]) == 1
    assert "cpu_per_topic_run_ms" in res["targets"]
    if res["browser"]:  # Chromium present: page ready and the three interactions were timed
        dash = res["browser"]["dashboard"]
        assert set(dash["page_ready"]) == {"hubs"} and dash["page_ready"]["hubs"]["charts"] >= 3
        for kind in ("year_change", "indicator_change", "map_click"):
            assert _number(dash[kind]["hubs"]["median"]) and len(dash[kind]["hubs"]["runs"]) == 1
        assert dash["blocked_requests"] == 0 and res["browser"]["hello"]["blocked_requests"] == 0
        assert set(res["ratios"]) == {"page_ready", "year_change", "indicator_change", "map_click"}
        assert {"page_ready_ratio", "year_change_ratio"} <= set(res["targets"])
