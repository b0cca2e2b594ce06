"""N dashboard replicas behind nginx with sticky sessions, on one shared PostgreSQL store
(README "Capacity beyond one process"; docs/部署与运维.md "多台服务器").

Streamlit serves every session of one server from one Python process (one GIL). To use more
cores or machines, start N servers and put a reverse proxy in front:

- every replica has **its own data folders** (``NMGDASH_DB``: its DuckDB build, a local cache;
  ``NMGDASH_IMPORTS``) and the **same store** (``NMGDASH_STORE_URL=postgresql+psycopg://…``). A commit
  made on one replica publishes a new stamp in the store; every other replica compares its build's
  stamp with the store's at most every ``STORE_CHECK_SECONDS`` (one SELECT) and rebuilds its cache.
- the store: a fresh database on the PostgreSQL server of ``NMGDASH_STORE_URL`` when that is set
  (dropped afterwards; the named database itself is never touched), otherwise a throwaway cluster
  started with ``.ci/pg-cluster`` (Debian's ``postgresql``; as root it runs as the ``postgres`` user).
- nginx (Debian's ``nginx-light``) balances with ``hash $sticky consistent``: ``$sticky`` is the
  browser's ``nmg_replica`` cookie, or a fresh ``$request_id`` that nginx sets as that cookie on
  the first response. A browser tab therefore keeps one replica for its page, websocket, uploads
  and media (Streamlit keeps those in the replica's memory), while users behind one NAT address
  still spread over the replicas (``ip_hash`` would send a whole meeting room to one replica).
- the websocket (``/_stcore/stream``) needs ``proxy_http_version 1.1`` and the
  ``Upgrade``/``Connection`` headers, and a long read timeout.

Run: ``.venv/bin/python bench/replicas.py 2`` serves 2 replicas on http://127.0.0.1:8080 until
Ctrl+C; ``--bench 1,2`` measures the 20-user load (p50/p95) through nginx with 1 and 2 replicas and,
with 2 or more, how long a commit on replica 1 takes to show on replica 2 (``--json FILE`` writes the
results). Localhost only. Needs ``apt-get install nginx-light postgresql``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa

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
def shared_store(log=print, fresh: bool = True):
    """Yields the URL of a PostgreSQL store for the replicas.

    With ``NMGDASH_STORE_URL`` naming PostgreSQL: ``fresh`` — a new empty database
    ``nmgdash_bench_<hex>`` on that server, dropped at the end (the named database is never touched);
    not ``fresh`` — that URL itself (serving a real store). Otherwise a new database on a throwaway
    cluster (``.ci/pg-cluster``), stopped and deleted at the end.
    """
    given = os.environ.get("NMGDASH_STORE_URL", "").strip()
    if given.startswith("postgresql") and not fresh:
        log("store: NMGDASH_STORE_URL")
        yield given
        return
    cluster = None
    if given.startswith("postgresql"):
        server = sa.make_url(given)
        log(f"store: a fresh database on the PostgreSQL server of NMGDASH_STORE_URL ({server.host or 'socket'})")
    else:
        r = subprocess.run([str(ROOT / ".ci" / "pg-cluster"), "start"], capture_output=True, text=True, check=True)
        cluster = r.stderr.strip().splitlines()[-1]
        server = sa.make_url(re.search(r"NMGDASH_TEST_PG_URL='([^']+)'", r.stdout)[1])
        log(f"store: a throwaway PostgreSQL cluster in {cluster}")
    name = f"nmgdash_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()
            if cluster:
                subprocess.run([str(ROOT / ".ci" / "pg-cluster"), "stop", cluster], check=False)


def replica_env(folder: Path, store_url: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """The settings of one replica: its own data folders under ``folder``, the shared store."""
    return {**(env or {}), "NMGDASH_DB": str(folder / "reform.duckdb"), "NMGDASH_IMPORTS": str(folder / "imports"),
            "NMGDASH_STORE_URL": store_url}


@contextmanager
def replicas(n: int, store_url: str, env: dict[str, str] | None = None, listen: int | None = None):
    """Start ``n`` dashboard servers, each with its own data folders and the store ``store_url``, and
    nginx in front. Yields (base URL of nginx, [server pids], [each replica's env], [each replica's own
    base URL]). Each replica's DuckDB build is made before it starts (``python -m nmgdash db``; the
    first one also migrates the store)."""
    if not Path(NGINX).exists():
        raise FileNotFoundError("nginx not found: apt-get install nginx-light")
    prefix = Path(tempfile.mkdtemp(prefix="nmgdash-nginx-"))
    os.chmod(prefix, 0o755)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / d).mkdir()
    envs = [replica_env(prefix / f"replica{i + 1}", store_url, env) for i in range(n)]
    for e in envs:
        subprocess.run([sys.executable, "-m", "nmgdash", "db"], cwd=ROOT, env={**os.environ, **e}, check=True,
                       stdout=subprocess.DEVNULL)
    with ExitStack() as stack:
        servers = [stack.enter_context(perf.Server(ROOT / "app.py", e)) for e in envs]
        listen = listen or perf.free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf([s.port for s in servers], listen, prefix))
        log = (prefix / "nginx.out").open("w")
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            base = f"http://127.0.0.1:{listen}"
            perf.bu.wait_http_ok(f"{base}/_stcore/health", proc, timeout_s=30)
            yield base, [s.pid for s in servers], envs, [s.base for s in servers]
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            log.close()
            shutil.rmtree(prefix, ignore_errors=True)


#: A commit as replica 1's 数据管理 page makes it (transaction.commit with that replica's settings):
#: 呼和浩特市's 青年爱里 in 2019 set to argv[1]. Prints the batch id and the commit's start and end time.
COMMIT = """
import hashlib, sys, time
import pandas as pd
from nmgdash.storage import transaction
rows = pd.DataFrame({"indicator_id": ["hubs"], "adcode": ["150100"], "year": [2019],
                     "value": [float(sys.argv[1])], "note": [""]})
t0 = time.time()
batch = transaction.commit(rows, file_name="bench-propagation.xlsx", user="bench", counts={"changed": 1},
                           sha256=hashlib.sha256(sys.argv[1].encode()).hexdigest())
print(batch, t0, time.time())
"""
PROPAGATION_QUERY = "leagues=呼和浩特市&year=2019"


def propagation(env_1: dict[str, str], base_2: str, trials: int = 5, timeout_s: float = 60.0) -> dict:
    """How long a commit made on replica 1 (``env_1``: its settings) takes to show on replica 2
    (``base_2``: its own port, not through nginx). Each trial commits a new value, then runs the hubs
    page on replica 2 in fresh sessions, back to back, until its summary shows the value.

    Returns commit_s (list: replica 1's commit, including its own rebuild) and visible_s (list: from
    the end of the commit to the end of the first page run on replica 2 that shows it, so one page
    run is included), with their medians and maxima, in seconds."""
    commit_s, visible_s = [], []
    for k in range(trials):
        value = 900 + k
        r = subprocess.run([sys.executable, "-c", COMMIT, str(value)], cwd=ROOT, env={**os.environ, **env_1},
                           capture_output=True, text=True, check=True, timeout=120)
        _batch, t0, t1 = r.stdout.split()[-3:]
        t0, t1 = float(t0), float(t1)
        want = f"所选：呼和浩特市第1位（{value}个）"
        while True:
            run = perf.st_client.run_page(base_2, "hubs", PROPAGATION_QUERY, timeout_s=timeout_s)
            if any(want in t for t in run.texts):
                visible_s.append(round(time.time() - t1, 3))
                break
            if time.time() - t1 > timeout_s:
                raise TimeoutError(f"replica 2 did not show the commit within {timeout_s} s")
        commit_s.append(round(t1 - t0, 3))
    return {"trials": trials, "commit_s": commit_s, "visible_s": visible_s,
            "commit_p50_s": statistics.median(commit_s), "visible_p50_s": statistics.median(visible_s),
            "visible_max_s": max(visible_s)}


def bench(counts: list[int], env: dict[str, str] | None = None, users: int = 20, rounds: int = 3,
          log=print) -> dict:
    """The ``users``-user load (``rounds`` rounds; same jobs as perf.LOAD_JOBS) through nginx with
    each replica count in ``counts``, all on one shared PostgreSQL store (:func:`shared_store`, a fresh
    database per count); with 2 or more replicas also :func:`propagation`. Returns
    {str(n): load_level result | {"propagation": …}, or {"error": str}}."""
    out: dict = {}
    for n in counts:
        try:
            with shared_store(log) as url, replicas(n, url, env) as (base, pids, envs, bases):
                log(f"\n{n} replica(s) behind nginx at {base} (pids {pids}), one PostgreSQL store")
                for page, query in perf.LOAD_JOBS * n:  # warm every replica's caches
                    perf.st_client.run_page(base, page, query, timeout_s=120)
                lv = perf.load_level(base, pids, users, rounds, perf.LOAD_JOBS)
                out[str(n)] = lv | {"replicas": n, "store": "postgresql"}
                log(f"  {users} users × {rounds}: p50 {lv['p50_s'] * 1000:.0f} ms, p95 {lv['p95_s'] * 1000:.0f} ms, "
                    f"errors {lv['errors']}, CPU {lv['cpu_per_run_ms']:.0f} ms/run")
                if n >= 2:
                    prop = propagation(envs[0], bases[1])
                    out[str(n)]["propagation"] = prop
                    log(f"  commit on replica 1 ({1000 * prop['commit_p50_s']:.0f} ms) visible on replica 2 after "
                        f"{prop['visible_s']} s (median {prop['visible_p50_s']:.2f} s, max {prop['visible_max_s']:.2f} s)")
        except Exception as exc:  # reported, not fatal for the rest of the benchmark
            out[str(n)] = {"error": repr(exc)[:300]}
            log(f"  {n} replica(s): {exc!r}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=2, help="number of replicas")
    ap.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1")
    ap.add_argument("--bench", default="", help="replica counts to measure, e.g. 1,2 (then exit)")
    ap.add_argument("--json", default="", help="with --bench: write the results to this file")
    args = ap.parse_args()
    if args.bench:
        result = bench([int(x) for x in args.bench.split(",")])
        if args.json:
            Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    with shared_store(fresh=False) as url, replicas(args.n, url, listen=args.port) as (base, pids, _envs, _bases):
        print(f"{args.n} replicas (pids {pids}) behind nginx: open {base} — Ctrl+C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
