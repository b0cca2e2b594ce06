"""年度填报 timings of ``make bench`` (issue 16): how long a league reporter's 保存草稿 and 上报 take,
and how long from a reviewer's 审核通过 until a reader of the dashboard sees the approved figure —
with 20 viewers reading pages meanwhile, whose latency is compared with the same viewers before.

:func:`bench` works on the throwaway store of the dashboard server it is given (the bench's temp
``NMGDASH_IMPORTS``/``NMGDASH_DB``, the same environment as this process): it creates an admin, the
region's reviewer and one reporter per league (nmgdash.storage.accounts), opens the 2020 round for
the league-level indicators of the topic pages, then for ``trials`` leagues one after another:

- **save**: ``reporting.save_draft`` of every asked indicator of the league (the 2019 sample value
  + 3 %), as the league's reporter;
- **submit**: ``reporting.submit`` (any value the soft checks flag gets its 说明 first, untimed);
- **publish**: ``reporting.approve`` by the region's reviewer, then protocol-client runs of
  ``/funding?year=2020&leagues=<league>`` one after another until the page's table shows the league's
  row as 已审核 (the server follows the store's published stamp and rebuilds; the time runs from
  the start of ``approve`` to the end of that page run).

The viewers are a separate process (``python bench/reporting_bench.py viewers BASE N OUT STOP``, so
their client threads do not slow the writes of this process): ``N`` users each opening fresh
sessions of :data:`perf.LOAD_JOBS` one after another until the file ``STOP`` appears; every run's
start (epoch seconds), latency and error go to ``OUT`` (JSON). The viewers' p95 is reported for the
runs that started in the quiet window before the first save and for those that started between the
first save and the last publication.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perf

ROOT = perf.ROOT
YEAR = 2020
PW = "bench password 2020"
#: Topic pages whose league-level indicators the round asks (the funding page's default is one).
PAGE_TOPICS = {"funding", "staffing", "hubs", "leadership"}


def _viewers(base: str, users: int, out: Path, stop: Path) -> None:
    """The viewers' process: ``users`` threads, each running fresh sessions of perf.LOAD_JOBS until
    ``stop`` exists; writes [[start_epoch, seconds, error], ...] to ``out``."""
    runs: list[list] = []
    lock = threading.Lock()

    def user(i: int) -> None:
        j = 0
        while not stop.exists():
            page, query = perf.LOAD_JOBS[(i + j) % len(perf.LOAD_JOBS)]
            j += 1
            start, t0 = time.time(), time.perf_counter()
            try:
                run = perf.st_client.run_page(base, page, query, timeout_s=90)
                err = bool(run.exceptions) or not run.finished or not run.titles
                secs = run.seconds
            except Exception:  # counted as an error
                err, secs = True, time.perf_counter() - t0
            with lock:
                runs.append([start, secs, err])

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out.write_text(json.dumps(runs))


def _asked_indicators() -> list[str]:
    """League-level catalogue indicators shown on a topic page, except the computed ratio."""
    with (ROOT / "data" / "indicators.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["indicator_id"] for r in rows if r["lowest_level"] == "league" and r["topic"] in PAGE_TOPICS
            and "本看板计算" not in r["definition"]]


def _sample_2019() -> dict[tuple[str, str], float]:
    with (ROOT / "data" / "observations_sample.csv").open(encoding="utf-8") as f:
        return {(r["indicator_id"], r["adcode"]): float(r["value"]) for r in csv.DictReader(f) if r["year"] == "2019"}


def _value(indicator: str, old: float) -> float:
    """The 2019 value + 3 % (whole numbers for counts, percentages capped at 100)."""
    v = old * 1.03
    return min(v, 100.0) if "rate" in indicator else float(round(v)) if float(old).is_integer() else round(v, 2)


def _shown(base: str, league: str, timeout_s: float) -> tuple[float, int]:
    """Run the funding page for 2020 filtered to ``league`` until its table has the league's row as
    已审核; returns (perf_counter at the end of that run, page runs needed)."""
    deadline = time.monotonic() + timeout_s
    n = 0
    while time.monotonic() < deadline:
        run = perf.st_client.run_page(base, "funding", f"year={YEAR}&leagues={league}", timeout_s=60, tables=True)
        n += 1
        for tbl in run.tables:
            if "adcode" in tbl and (tbl[tbl["adcode"].astype(str) == league].astype(str) == "已审核").any().any():
                return time.perf_counter(), n
    raise TimeoutError(f"{league}: approved figures not shown within {timeout_s} s")


def bench(base: str, *, trials: int = 6, viewers: int = 20, quiet_s: float = 10.0, log=print) -> dict:
    """The reporting timings against the dashboard server at ``base`` (its store = this process's
    store). Returns {"trials", "viewers", "indicators", "save_s", "submit_s", "publish_s" (each
    {"median", "p95", "runs"}), "publish_page_runs", "viewers_before"/"viewers_during" ({"runs",
    "p50_s", "p95_s", "errors"})}."""
    from nmgdash.storage import accounts, reporting

    leagues = accounts.areas_within("150000")
    leagues = [a for a in leagues if a.endswith("00") and a != "150000"]
    admin = accounts.create_account("bench_admin", PW, "admin", "150000")
    region = accounts.create_account("bench_region", PW, "reviewer", "150000")
    chosen = leagues[:trials]
    reporters = {c: accounts.create_account(f"bench_r{c}", PW, "reporter", c) for c in chosen}
    ids = _asked_indicators()
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    rnd = reporting.open_round(admin, YEAR, deadline, ids, note="make bench")
    sample = _sample_2019()

    tmp = Path(tempfile.mkdtemp(prefix="nmgdash-bench-viewers-"))
    out, stop = tmp / "viewers.json", tmp / "stop"
    proc = subprocess.Popen([sys.executable, __file__, "viewers", base, str(viewers), str(out), str(stop)], cwd=ROOT)
    save, submit, publish, page_runs = [], [], [], []
    try:
        t_quiet = time.time()
        time.sleep(quiet_s)
        t_start = time.time()
        for code in chosen:
            rep = reporters[code]
            asked = reporting.asked(rnd, code)
            values = {(i, code): _value(i, sample[(i, code)]) for i in asked if (i, code) in sample}
            missing = {(i, code): "基准测试：暂无数据" for i in asked if (i, code) not in sample}
            t0 = time.perf_counter()
            reporting.save_draft(rep, YEAR, code, values, missing, expected_version=reporting.draft(YEAR, code)[1])
            save.append(time.perf_counter() - t0)
            for f in reporting.flags(YEAR, code):
                reporting.explain(rep, YEAR, code, f.indicator_id, f.adcode, "基准测试说明")
            t0 = time.perf_counter()
            reporting.submit(rep, YEAR, code)
            submit.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            reporting.approve(region, YEAR, code)
            end, n = _shown(base, code, timeout_s=60)
            publish.append(end - t0)
            page_runs.append(n)
            log(f"  {accounts.area_name(code)}: save {save[-1] * 1000:.0f} ms, submit {submit[-1] * 1000:.0f} ms, "
                f"approve → shown {publish[-1]:.2f} s ({n} page runs)", flush=True)
        t_end = time.time()
    finally:
        stop.touch()
        proc.wait(180)
    runs = json.loads(out.read_text()) if out.exists() else []

    def window(a: float, b: float) -> dict:
        xs = [r for r in runs if a <= r[0] < b]
        lat = [r[1] for r in xs]
        return {"runs": len(xs), "p50_s": perf.pct(lat, 0.5), "p95_s": perf.pct(lat, 0.95),
                "errors": sum(1 for r in xs if r[2])}

    def summary(xs: list[float]) -> dict:
        return {"median": statistics.median(xs), "p95": perf.pct(xs, 0.95), "runs": [round(x, 4) for x in xs]}

    return {"trials": len(chosen), "viewers": viewers, "indicators": ids, "save_s": summary(save),
            "submit_s": summary(submit), "publish_s": summary(publish), "publish_page_runs": page_runs,
            "viewers_before": window(t_quiet + 2.0, t_start), "viewers_during": window(t_start, t_end)}


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "viewers":
        _viewers(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
    else:
        sys.exit("usage: reporting_bench.py viewers BASE N OUT STOP (bench/bench.py runs the rest)")
