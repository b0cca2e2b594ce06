"""N dashboard replicas behind nginx with sticky sessions (README "Capacity beyond one process").

Streamlit serves every session of one server from one Python process (one GIL). To use more
cores, start N servers and put a reverse proxy in front:

- every replica opens the same database build **read-only** (``nmgdash.storage.database.Database`` hands out
  cursors of a ``read_only=True`` DuckDB connection; DuckDB lets any number of processes read one
  file at once). The build is made once, before the replicas start.
- nginx (Debian's ``nginx-light``) balances with ``hash $sticky consistent``: ``$sticky`` is the
  browser's ``nmg_replica`` cookie, or a fresh ``$request_id`` that nginx sets as that cookie on
  the first response. A browser tab therefore keeps one replica for its page, websocket, uploads
  and media (Streamlit keeps those in the replica's memory), while users behind one NAT address
  still spread over the replicas (``ip_hash`` would send a whole meeting room to one replica).
- the websocket (``/_stcore/stream``) needs ``proxy_http_version 1.1`` and the
  ``Upgrade``/``Connection`` headers, and a long read timeout.

Run: ``.venv/bin/python bench/replicas.py 2`` serves 2 replicas on http://127.0.0.1:8080 until
Ctrl+C; ``--bench 1,2`` measures the 20-user load (p50/p95) through nginx with 1 and 2 replicas.
Localhost only. Needs ``apt-get install nginx-light`` (or ``nginx``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perf

ROOT = perf.ROOT
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  client_max_body_size 11m;              # Streamlit's maxUploadSize is 10 MB
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  # sticky: the tab's cookie, or a new id that becomes the cookie
  map $cookie_nmg_replica $sticky {{ '' $request_id; default $cookie_nmg_replica; }}
  upstream nmgdash {{
    hash $sticky consistent;
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://nmgdash;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 86400s;         # the websocket stays open for the whole visit
      proxy_buffering off;
      add_header Set-Cookie "nmg_replica=$sticky; Path=/; HttpOnly; SameSite=Lax" always;
    }}
  }}
}}
"""


def nginx_conf(ports: list[int], listen: int, prefix: Path) -> str:
    """The nginx configuration for replicas on 127.0.0.1:``ports`` behind 127.0.0.1:``listen``."""
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=0;" for p in ports)
    return CONF.format(prefix=prefix, servers=servers, port=listen)


@contextmanager
def replicas(n: int, env: dict[str, str] | None = None, listen: int | None = None):
    """Start ``n`` dashboard servers and nginx in front; yields (base URL of nginx, [server pids]).
    The database named by ``NMGDASH_DB`` must exist (built once; the replicas only read it)."""
    if not Path(NGINX).exists():
        raise FileNotFoundError("nginx not found: apt-get install nginx-light")
    prefix = Path(tempfile.mkdtemp(prefix="nmgdash-nginx-"))
    os.chmod(prefix, 0o755)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / d).mkdir()
    with ExitStack() as stack:
        servers = [stack.enter_context(perf.Server(ROOT / "app.py", env)) for _ in range(n)]
        listen = listen or perf.free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf([s.port for s in servers], listen, prefix))
        log = (prefix / "nginx.out").open("w")
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            base = f"http://127.0.0.1:{listen}"
            perf.bu.wait_http_ok(f"{base}/_stcore/health", proc, timeout_s=30)
            yield base, [s.pid for s in servers]
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            log.close()
            shutil.rmtree(prefix, ignore_errors=True)


def bench(counts: list[int], env: dict[str, str] | None = None, users: int = 20, rounds: int = 3,
          log=print) -> dict:
    """The ``users``-user load (``rounds`` rounds; same jobs as perf.LOAD_JOBS) through nginx with
    each replica count in ``counts``. Returns {str(n): load_level result, or {"error": str}}."""
    out: dict = {}
    for n in counts:
        try:
            with replicas(n, env) as (base, pids):
                log(f"\n{n} replica(s) behind nginx at {base} (pids {pids})")
                for page, query in perf.LOAD_JOBS * n:  # warm every replica's caches
                    perf.st_client.run_page(base, page, query, timeout_s=120)
                lv = perf.load_level(base, pids, users, rounds, perf.LOAD_JOBS)
                # which replica served: each replica's CPU share
                out[str(n)] = lv | {"replicas": n}
                log(f"  {users} users × {rounds}: p50 {lv['p50_s'] * 1000:.0f} ms, p95 {lv['p95_s'] * 1000:.0f} ms, "
                    f"errors {lv['errors']}, CPU {lv['cpu_per_run_ms']:.0f} ms/run")
        except Exception as exc:  # reported, not fatal for the rest of the benchmark
            out[str(n)] = {"error": repr(exc)[:300]}
            log(f"  {n} replica(s): {exc!r}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=2, help="number of replicas")
    ap.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1")
    ap.add_argument("--bench", default="", help="replica counts to measure, e.g. 1,2 (then exit)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from nmgdash.storage import build

    build.ensure_database()  # built once, before the replicas open it read-only
    if args.bench:
        bench([int(x) for x in args.bench.split(",")])
        return
    with replicas(args.n, listen=args.port) as (base, pids):
        print(f"{args.n} replicas (pids {pids}) behind nginx: open {base} — Ctrl+C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
