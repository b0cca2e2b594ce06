"""Where the server's CPU of one fresh session goes (README "Benchmark", docs/developer-guide.md).

``.venv/bin/python bench/profile_session.py [--pages hubs,overview] [--sessions 10]`` starts the
dashboard on a free localhost port with every script run profiled by cProfile in its own thread
(after ``--warm`` runs that fill the caches), opens ``--sessions`` fresh sessions of each page with
the protocol client (tests/st_client.py), stops the server and prints the functions with the most
cumulative time per session (``--out``: the pstats file, for snakeviz or ``python -m pstats``).
Also prints the server's CPU per session from /proc without the profiler (a second server).

``--app bench/hello_app.py --pages ''`` profiles the hello app the same way; ``--no-profile`` only
measures the CPU per session.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import os
import pstats
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _serve(out: str, skip: int, argv: list[str]) -> None:
    """The profiled server: ScriptRunner._run_script wrapped in a per-thread cProfile (runs after
    the first ``skip`` only); the merged stats are written to ``out`` at exit."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.web import cli

    lock, profiles, count = threading.Lock(), [], [0]
    original = script_runner.ScriptRunner._run_script

    def run_script(self, *a, **kw):
        with lock:
            count[0] += 1
            on = count[0] > skip
        if not on:
            return original(self, *a, **kw)
        prof = cProfile.Profile()
        prof.enable()
        try:
            return original(self, *a, **kw)
        finally:
            prof.disable()
            with lock:
                profiles.append(prof)

    script_runner.ScriptRunner._run_script = run_script

    def dump() -> None:
        if profiles:
            stats = pstats.Stats(profiles[0])
            for p in profiles[1:]:
                stats.add(p)
            stats.dump_stats(out)
            Path(out + ".runs").write_text(str(len(profiles)))

    atexit.register(dump)
    sys.argv = ["streamlit", *argv]
    cli.main()


def main() -> None:
    import perf

    ap = argparse.ArgumentParser()
    ap.add_argument("--app", default=str(perf.ROOT / "app.py"))
    ap.add_argument("--pages", default="hubs,overview", help="URL paths ('' = the app's first page)")
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--warm", type=int, default=2, help="unprofiled runs of each page first")
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--out", default=str(perf.ROOT / "artifacts" / "profile-session.prof"))
    ap.add_argument("--no-profile", action="store_true", help="only the CPU per session, without the profiler")
    args = ap.parse_args()
    pages = args.pages.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="nmgdash-profile-"))
    env = {"NMGDASH_DB": str(tmp / "reform.duckdb"), "NMGDASH_IMPORTS": str(tmp / "imports")}
    os.environ.update(env)
    from nmgdash.storage import build

    build.build_database()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    # 1. CPU per fresh session without the profiler
    with perf.Server(Path(args.app), env) as srv:
        for page in pages:
            for _ in range(args.warm):
                perf.st_client.run_page(srv.base, page, "")
            c0, _ = srv.stats()
            for _ in range(args.sessions):
                perf.st_client.run_page(srv.base, page, "")
            c1, _ = srv.stats()
            print(f"/{page}: server CPU per fresh session {1000 * (c1 - c0) / args.sessions:.1f} ms "
                  f"(mean of {args.sessions}, no profiler)")
    if args.no_profile:
        return
    # 2. the same sessions with every script run profiled
    prof = perf.Server.__new__(perf.Server)
    perf.Server.__init__(prof, Path(args.app), env)
    script = [sys.executable, __file__, "serve", args.out, str(args.warm * len(pages)), "run", str(prof.app),
              "--server.port", str(prof.port), "--server.address", "127.0.0.1", "--server.headless", "true",
              "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    import subprocess

    with open(prof.log_path, "w") as log:
        proc = subprocess.Popen(script, cwd=perf.ROOT, env=prof.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            perf.bu.wait_http_ok(f"{prof.base}/_stcore/health", proc, timeout_s=90)
            for page in pages:
                for _ in range(args.warm):
                    perf.st_client.run_page(prof.base, page, "")
            for page in pages:
                for _ in range(args.sessions):
                    perf.st_client.run_page(prof.base, page, "")
        finally:
            proc.terminate()
            proc.wait(30)
    runs = int(Path(args.out + ".runs").read_text())
    stats = pstats.Stats(args.out)
    print(f"\n{runs} profiled script runs ({', '.join('/' + p for p in pages)} × {args.sessions}); "
          f"cumulative seconds per run, top {args.top}:")
    rows = []
    for (file, line, fn), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        rows.append((ct / runs, f"{Path(file).name}:{line}({fn})" if line else fn, file))
    rows.sort(reverse=True)
    for ct, name, file in rows[: args.top]:
        where = "nmgdash" if "/nmgdash/" in file else "streamlit" if "/streamlit/" in file else ""
        print(f"  {1000 * ct:7.1f} ms  {name}  {where}")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "serve":
        _serve(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    else:
        main()
