"""Import benchmark (issue 14): verdict time and peak memory of the importer for the heavy and hostile
files — s24 (50,000 rows of unknown places), a template with one bordered empty cell at Y1048576, an
.xlsx with 200,000 and 1,000,000 junk rows under 12 good ones, and a CSV with 500,000 bad lines.

Each file is imported in its own fresh subprocess (``nmgdash.ingest.load_file`` without a database,
the parsing and checking the web page and the CLI do), so peak memory is that process's own: the
Python heap peak by tracemalloc and the process's peak RSS (ru_maxrss, which includes the imported
libraries). Nothing here asserts a time; the table is printed and written to
``bench/results/import_bench.json``.

    .venv/bin/python bench/import_bench.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "import-cases"
OUT = ROOT / "bench" / "results" / "import_bench.json"

CHILD = r"""
import json, resource, sys, time, tracemalloc
from pathlib import Path
from nmgdash import ingest
from nmgdash.ingest import catalogue
catalogue.load()  # the catalogue is cached for the server's life: not part of a file's verdict
path, name = Path(sys.argv[1]), sys.argv[2]
data = path.read_bytes()
def hwm():  # peak RSS in kB (VmHWM), resettable on Linux by writing 5 to /proc/self/clear_refs
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
base_rss = hwm()
t = time.perf_counter()
plan = ingest.load_file(data, name)  # timed without tracing (tracemalloc slows allocation-heavy code)
seconds = time.perf_counter() - t
rss_peak = hwm()
del plan
tracemalloc.start()
plan = ingest.load_file(data, name)  # the same again, for the Python heap peak
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"seconds": seconds, "heap_peak_mb": peak / 2**20,
                  "rss_peak_mb": rss_peak / 1024, "rss_growth_mb": (rss_peak - base_rss) / 1024,
                  "rss_before_mb": base_rss / 1024, "size_mb": len(data) / 2**20,
                  "errors": len(plan.errors), "warnings": len(plan.warnings), "rows": len(plan.rows),
                  "verdict": "accepted" if plan.accepted else "rejected",
                  "first": (plan.errors or plan.warnings or [None])[0] and (plan.errors or plan.warnings)[0].text[:80]}))
"""


def files(tmp: Path) -> list[tuple[str, Path]]:
    """The files to measure: s24 from the shared cases, the rest generated as tests/test_hostile_import.py does."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from test_hostile_import import bad_lines_csv, bordered_far_cell, junk_rows_xlsx

    out = [("s24_many_bad_rows.csv", CASES / "s24_many_bad_rows.csv")]
    for name, make in (("bordered_Y1048576.xlsx", bordered_far_cell),
                       ("junk_200k_rows.xlsx", lambda: junk_rows_xlsx(200_000)),
                       ("junk_1m_rows.xlsx", lambda: junk_rows_xlsx(1_000_000)),
                       ("bad_500k_lines.csv", lambda: bad_lines_csv(500_000))):
        p = tmp / name
        p.write_bytes(make())
        out.append((name, p))
    return out


def measure(name: str, path: Path) -> dict:
    """Import one file in a fresh interpreter and return its timings and memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), name], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t
    if proc.returncode:
        return {"file": name, "failed": proc.stderr[-2000:]}
    return {"file": name, "wall_seconds_with_startup": wall, **json.loads(proc.stdout.strip().splitlines()[-1])}


def main() -> int:
    """Measure every file, print a table and write bench/results/import_bench.json."""
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        results = [measure(name, path) for name, path in files(Path(tmp))]
    print(f"{'file':<26}{'MB':>6}{'verdict s':>11}{'heap peak MB':>14}{'RSS growth MB':>15}{'errors':>8}  verdict")
    for r in results:
        if "failed" in r:
            print(f"{r['file']:<26} FAILED\n{r['failed']}")
            continue
        print(f"{r['file']:<26}{r['size_mb']:>6.1f}{r['seconds']:>11.2f}{r['heap_peak_mb']:>14.1f}"
              f"{r['rss_growth_mb']:>15.0f}{r['errors']:>8}  {r['verdict']}")
    base = next((r["rss_before_mb"] for r in results if "rss_before_mb" in r), 0)
    print(f"(RSS growth: the process's peak RSS during the verdict minus its RSS before, {base:.0f} MB with nmgdash imported)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "python": sys.version.split()[0],
                               "cpus": os.cpu_count(), "results": results}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    print(f"written to {OUT.relative_to(ROOT)}")
    return 1 if any("failed" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
