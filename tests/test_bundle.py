"""The offline bundle (README "离线部署", scripts/build_bundle.py, deploy/): build, check, install with
the network cut, start, import, upgrade, roll back; and the upgrade from the previous release's bundle
(its file ledger moves into the store; built from a temporary git worktree of PREVIOUS_RELEASE).

Network: every install runs in ``unshare -n`` — a new network namespace whose only interface is a
loopback that is DOWN, so nothing outside this process tree is reachable and pip can only use the
bundle's wheelhouse (install.sh also drops pip's config files and PIP_* variables). The server runs in
a second namespace of the same kind, held open by ``unshare -n sleep``, where the test brings ``lo`` up
(``ip link set lo up``) and talks to it from inside via ``nsenter``: so the server, too, runs without
any network but its own loopback. In that fresh namespace no other process listens, so the fixed port
8501 is free by construction. We are root in CI (``.ci/run``), where unshare must work: the test only
skips when it is not permitted, and never in CI.

The wheelhouse is cached in ~/.cache/nmgdash-wheelhouse (keyed on requirements.txt), so only the first
run on a machine downloads wheels. The install times are written to artifacts/bundle-timing.txt.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "import-cases"
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
#: s01_clean.xlsx gives 呼和浩特市 (150100) 118 青年爱里 (indicator hubs) in 2019.
IMPORTED = ("hubs", "150100", 2019, 118.0)
#: The previous release (before the store of issue 15): its imports folder holds the file ledger
#: (audit.jsonl + batches/<batch>.csv). test_upgrade_from_the_previous_release builds its bundle.
PREVIOUS_RELEASE = "625480b8ea32a7f3b1bdbadaf9ed8a83c041ac2b"


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of an operator's shell: none of the test session's NMGDASH_* (conftest sets
    NMGDASH_DB and NMGDASH_IMPORTS to temp paths) and no virtualenv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NMGDASH_", "VIRTUAL_ENV", "PYTEST"))}
    env.update(extra)
    return env


def _unshare_ok() -> tuple[bool, str]:
    if not shutil.which("unshare") or not shutil.which("nsenter") or not shutil.which("ip"):
        return False, "unshare/nsenter (util-linux) or ip (iproute2) is not installed"
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if r.returncode != 0:
        return False, f"unshare -n is not permitted here (needs root or user namespaces): {r.stderr.strip()}"
    return True, ""


_OK, _WHY = _unshare_ok()
if not _OK and (os.environ.get("CI") or os.geteuid() == 0):
    raise AssertionError(f"the offline bundle test needs unshare -n, which must work as root/in CI: {_WHY}")
pytestmark = pytest.mark.skipif(not _OK, reason=_WHY)


def _run(cmd, *, timeout=600, ok=True, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("env", _clean_env())
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if ok and r.returncode != 0:
        raise AssertionError(f"{cmd} exited {r.returncode}\nstdout:\n{r.stdout[-4000:]}\nstderr:\n{r.stderr[-4000:]}")
    return r


def _timing(line: str) -> None:
    (ROOT / "artifacts").mkdir(exist_ok=True)
    with open(ROOT / "artifacts" / "bundle-timing.txt", "a", encoding="utf-8") as fh:
        fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
    print(line)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Two bundles: the project's version and a bumped one (the upgrade), built by scripts/build_bundle.py."""
    out = tmp_path_factory.mktemp("dist")
    built = {}
    for version in (None, "99.0.1"):
        t0 = time.perf_counter()
        r = _run([sys.executable, str(ROOT / "scripts" / "build_bundle.py"), "--out", str(out),
                  *(["--version", version] if version else [])], timeout=1800)
        secs = time.perf_counter() - t0
        archive = Path(re.search(r"done in .*?: (\S+\.tar\.gz)", r.stdout)[1])
        built[version or "base"] = archive
        _timing(f"bundle build {archive.name}: {secs:.1f} s, {archive.stat().st_size / 2**20:.1f} MiB")
    yield built
    shutil.rmtree(out, ignore_errors=True)  # 2 x 270 MiB


def _unpack(archive: Path, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    _run(["tar", "xzf", str(archive), "-C", str(where)])
    return where / archive.name.removesuffix(".tar.gz")


def _install(bundle: Path, prefix: Path, *args: str, units: Path | None = None) -> subprocess.CompletedProcess:
    """./install.sh in a network namespace without any usable interface; returns the result."""
    env = _clean_env(NMGDASH_NO_SYSTEMCTL="1", SYSTEMD_UNIT_DIR=str(units or prefix.parent / "units"))
    t0 = time.perf_counter()
    r = _run(["unshare", "-n", str(bundle / "install.sh"), "--prefix", str(prefix), "--python", BASE_PYTHON, *args],
             env=env, timeout=900)
    _timing(f"offline install {bundle.name} -> {prefix}: {time.perf_counter() - t0:.1f} s "
            f"(unshare -n ./install.sh --prefix DIR {' '.join(args)})")
    return r


def _cli(prefix: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed CLI as an operator runs it: ``python -m nmgdash ...`` with the release's venv, in the
    release folder, with no NMGDASH_* variables (the release's data/imports links to the shared ledger)."""
    app = (prefix / "current").resolve()
    return _run([str(app / ".venv" / "bin" / "python"), "-m", "nmgdash", *args], cwd=app)


def _db_value_any_release(prefix: Path) -> tuple:
    """(value, status, source title) of IMPORTED's cell in the current release's build, read with DuckDB
    alone (the previous release has no nmgdash.storage)."""
    ind, adcode, year, _ = IMPORTED
    code = (
        "import duckdb\n"
        "con = duckdb.connect('data/reform.duckdb', read_only=True)\n"
        "print(repr(con.execute(\"SELECT o.value, o.status, s.title FROM observations_best o "
        "JOIN sources s USING (source_id) WHERE indicator_id = ? AND adcode = ? AND year = ?\", "
        f"[{ind!r}, {adcode!r}, {year}]).fetchone()))\n"
    )
    app = (prefix / "current").resolve()
    out = _run([str(app / ".venv" / "bin" / "python"), "-c", code], cwd=app).stdout.strip().splitlines()[-1]
    return eval(out)  # a repr of a tuple of plain values


def _db_value(prefix: Path) -> tuple:
    """(value, status, source title) of IMPORTED's indicator/area/year in the install's current build."""
    ind, adcode, year, _ = IMPORTED
    code = (
        "from nmgdash.storage import build\n"
        "con = build.connect(read_only=True)\n"
        "print(repr(con.execute(\"SELECT o.value, o.status, s.title FROM observations_best o "
        "JOIN sources s USING (source_id) WHERE indicator_id = ? AND adcode = ? AND year = ?\", "
        f"[{ind!r}, {adcode!r}, {year}]).fetchone()))\n"
    )
    app = (prefix / "current").resolve()
    out = _run([str(app / ".venv" / "bin" / "python"), "-c", code], cwd=app).stdout.strip().splitlines()[-1]
    return eval(out)  # a repr of a tuple of plain values


PROBE = r"""
import json, sys, time, urllib.request
sys.path.insert(0, sys.argv[2])
from st_client import run_page
base = sys.argv[1]
deadline = time.monotonic() + 150
health = None
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(base + "/_stcore/health", timeout=5) as r:
            health = (r.status, r.read().decode())
            break
    except OSError:
        time.sleep(0.5)
with urllib.request.urlopen(base + "/", timeout=30) as r:
    index = (r.status, 'id="root"' in r.read().decode())
run = run_page(base, "", timeout_s=120)
print(json.dumps({"health": health, "index": index, "titles": run.titles, "exceptions": run.exceptions,
                  "finished": run.finished, "texts": run.texts[:200]}, ensure_ascii=False))
"""


def _serve_and_probe(prefix: Path, tmp: Path) -> tuple[dict, str]:
    """Start ``PREFIX/run.sh`` in a network namespace with only loopback up, load the overview over
    localhost from inside it (health, GET /, a Streamlit protocol session of page ""), stop it.
    Returns (probe result, run.sh's output)."""
    holder = subprocess.Popen(["unshare", "-n", "sleep", "900"], start_new_session=True)
    server = None
    log_path = tmp / f"server-{time.time_ns()}.log"
    try:
        own = os.readlink("/proc/self/ns/net")
        for _ in range(100):
            if os.readlink(f"/proc/{holder.pid}/ns/net") != own:
                break
            time.sleep(0.05)
        ns = ["nsenter", "-t", str(holder.pid), "-n"]
        links = _run([*ns, "ip", "-o", "link"]).stdout.strip().splitlines()
        assert any(": lo:" in x for x in links), links
        # nothing but loopback (a kernel may add fallback tunnel devices such as sit0 to every namespace: down)
        assert all(": lo:" in x or ",UP" not in x.split(">")[0] for x in links), links
        _run([*ns, "ip", "link", "set", "lo", "up"])
        assert _run([*ns, "ip", "route", "show", "default"]).stdout.strip() == ""  # no route out
        port = 8501  # a fresh namespace: nothing else listens there
        with open(log_path, "w") as log:
            server = subprocess.Popen([*ns, str(prefix / "run.sh"), "--port", str(port), "--address", "127.0.0.1"],
                                      stdout=log, stderr=subprocess.STDOUT, env=_clean_env(PYTHONUNBUFFERED="1"),
                                      start_new_session=True)
        r = _run([*ns, sys.executable, "-c", PROBE, f"http://127.0.0.1:{port}", str(ROOT / "tests")],
                 timeout=400, ok=False)
        if r.returncode != 0:
            raise AssertionError(f"probe failed: {r.stderr[-3000:]}\nserver log:\n{log_path.read_text()[-3000:]}")
        return json.loads(r.stdout.strip().splitlines()[-1]), log_path.read_text()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        holder.kill()
        holder.wait()


def test_bundle_contents(bundles):
    """Name, runtime-only wheelhouse, database build + boundaries, templates, and a complete SHA256SUMS."""
    archive = bundles["base"]
    assert re.fullmatch(r"nmgdash-offline-0\.1\.0-cp311-manylinux_2_\d+_x86_64\.tar\.gz", archive.name), archive.name
    assert (archive.parent / f"{archive.name}.sha256").read_text().split()[1] == archive.name
    top = archive.name.removesuffix(".tar.gz")
    with tarfile.open(archive) as tar:
        members = {m.name.removeprefix(top + "/"): m for m in tar.getmembers()}
        sums = tar.extractfile(f"{top}/SHA256SUMS").read().decode().splitlines()
        info = tar.extractfile(f"{top}/BUNDLE-INFO").read().decode()
    wheels = [n.removeprefix("wheelhouse/") for n in members if n.startswith("wheelhouse/")]
    names = {re.split(r"-\d", w, maxsplit=1)[0].lower() for w in wheels}
    for needed in ("streamlit", "duckdb", "pandas", "numpy", "plotly", "shapely", "pyogrio", "pyproj", "openpyxl",
                   "python_calamine", "pydantic", "bcrypt", "authlib", "pyarrow"):
        assert needed in names, needed
    for test_only in ("pytest", "playwright", "ruff", "hypothesis", "xlwt", "pluggy", "greenlet"):
        assert test_only not in names, test_only
    assert all(w.endswith(".whl") for w in wheels)
    assert "PYTHON_VERSION=3.11\n" in info and "VERSION=0.1.0\n" in info
    link = members["app/data/reform.duckdb"]
    assert link.issym() and re.fullmatch(r"reform-\d+-\d+\.duckdb", link.linkname)
    assert f"app/data/{link.linkname}" in members
    for f in ("install.sh", "run.sh", "app/app.py", "app/nmgdash/__main__.py", "app/requirements.txt",
              "app/data/geo/leagues.geojson", "app/data/geo/counties.geojson", "app/deploy/nmgdash.service.in",
              "app/scripts/build_bundle.py"):
        assert f in members, f
    assert members["install.sh"].mode & 0o111 and members["run.sh"].mode & 0o111
    assert not [n for n in members if n.startswith("app/data/imports")]  # never this checkout's ledger
    listed = {line.split("  ", 1)[1] for line in sums}
    files = {n for n, m in members.items() if m.isfile()}
    assert listed == files - {"SHA256SUMS"}


def test_check_rejects_damaged_bundle_and_wrong_python(bundles, tmp_path):
    """--check: exit 0 on the intact bundle; a changed file or a Python that is not 3.11 gets a Chinese
    message and a non-zero exit, and nothing is created."""
    bundle = _unpack(bundles["base"], tmp_path / "u")
    prefix = tmp_path / "prefix"
    env = _clean_env()
    ok = _run(["unshare", "-n", str(bundle / "install.sh"), "--check", "--prefix", str(prefix),
               "--python", BASE_PYTHON], env=env)
    assert "SHA-256 校验通过" in ok.stdout and "检查通过，未做任何修改" in ok.stdout

    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\necho 3.9\n")
    fake.chmod(0o755)
    r = _run([str(bundle / "install.sh"), "--prefix", str(prefix), "--python", str(fake)], env=env, ok=False)
    assert r.returncode == 4, r
    assert f"Python 版本不符：{fake} 是 Python 3.9，而本安装包的 wheel 只适用于 Python 3.11（cp311）" in r.stderr

    victim = bundle / "app" / "nmgdash" / "core" / "fmt.py"
    victim.write_bytes(victim.read_bytes() + b"\n# changed\n")
    (bundle / "wheelhouse" / next(n for n in os.listdir(bundle / "wheelhouse") if n.startswith("duckdb"))).unlink()
    r = _run([str(bundle / "install.sh"), "--prefix", str(prefix), "--python", BASE_PYTHON], env=env, ok=False)
    assert r.returncode == 3, r
    assert "安装包已损坏或不完整（SHA-256 校验失败），未做任何修改" in r.stderr
    assert "app/nmgdash/core/fmt.py：内容不符" in r.stderr
    assert re.search(r"wheelhouse/duckdb-\S+\.whl：缺失或无法读取", r.stderr), r.stderr
    assert not prefix.exists()


def test_offline_install_run_import_upgrade_rollback(bundles, tmp_path):
    """Install offline, serve the overview, import s01_clean.xlsx with the installed CLI, upgrade with a
    second bundle: the imported value and the ledger survive; roll back."""
    prefix = tmp_path / "opt" / "nmgdash"
    units = tmp_path / "units"

    # 1. install with the network cut, with the service unit (written to a temp folder, no systemctl)
    r = _install(_unpack(bundles["base"], tmp_path / "u1"), prefix, "--service", "--user", "nobody",
                 "--address", "127.0.0.1", "--port", "8600", units=units)
    assert "安装完成" in r.stdout, r.stdout
    assert (prefix / "current").resolve() == prefix / "releases" / "0.1.0"
    assert os.readlink(prefix / "releases" / "0.1.0" / "data" / "imports") == str(prefix / "imports")
    unit = (units / "nmgdash.service").read_text()
    for line in ("User=nobody", "Restart=on-failure", f"ExecStart={prefix}/run.sh",
                 f"EnvironmentFile={prefix}/nmgdash.env", f"WorkingDirectory={prefix}/current",
                 "WantedBy=multi-user.target"):
        assert f"\n{line}\n" in unit, line
    env_file = (prefix / "nmgdash.env").read_text()
    for line in (f"NMGDASH_IMPORTS={prefix}/imports", "NMGDASH_ADDRESS=127.0.0.1", "NMGDASH_PORT=8600",
                 "NMGDASH_SERVICE_USER=nobody"):
        assert f"\n{line}\n" in env_file, line
    assert (prefix / "releases" / "0.1.0" / "data").stat().st_uid == (prefix / "imports").stat().st_uid != 0
    venv_lib = prefix / "releases" / "0.1.0" / ".venv" / "lib"  # byte-compiled by install.sh (pip --no-compile)
    assert next(venv_lib.glob("python3*/site-packages/streamlit/__pycache__/__init__.cpython-3*.pyc"), None)
    assert next(venv_lib.glob("python3*/site-packages/pandas/core/__pycache__/frame.cpython-3*.pyc"), None)

    # 2. serve it (run.sh, inside a namespace with loopback only) and load the overview
    probe, log = _serve_and_probe(prefix, tmp_path)
    assert probe["health"] == [200, "ok"], probe
    assert probe["index"] == [200, True], probe
    assert probe["finished"] and not probe["exceptions"], probe
    assert "内蒙古共青团改革数据看板" in probe["titles"], probe
    assert "==> 内蒙古共青团改革数据看板 0.1.0：http://127.0.0.1:8501" in log, log

    # 3. import a league report with the installed CLI
    before = _db_value(prefix)
    assert before[1] != "imported" and before[0] != IMPORTED[3], before
    out = _cli(prefix, "import", str(CASES / "s01_clean.xlsx"), "--yes").stdout
    batch = re.search(r"已导入：批次 (\S+)（", out)[1]
    assert _db_value(prefix) == (IMPORTED[3], "imported", "s01_clean.xlsx")
    assert (prefix / "imports" / "store.sqlite3").is_file()  # the shared store, outside releases
    ledger_before = _cli(prefix, "log").stdout
    assert batch in ledger_before

    # 4. upgrade with a second bundle (offline): settings, ledger and imported value survive
    (prefix / "nmgdash.env").write_text(env_file.replace("NMGDASH_PORT=8600", "NMGDASH_PORT=8601"))
    r = _install(_unpack(bundles["99.0.1"], tmp_path / "u2"), prefix)
    assert "保留已有设置" in r.stdout and "已重建（导入记录有变化）" in r.stdout, r.stdout
    assert (prefix / "current").resolve() == prefix / "releases" / "99.0.1"
    assert os.readlink(prefix / "previous") == "releases/0.1.0"
    assert (prefix / "releases" / "0.1.0" / ".venv").is_dir()  # kept for rollback
    assert "NMGDASH_PORT=8601" in (prefix / "nmgdash.env").read_text()
    assert _cli(prefix, "log").stdout == ledger_before
    assert (prefix / "releases" / "99.0.1" / "data").stat().st_uid != 0  # still the service user's
    log_out = _cli(prefix, "log").stdout
    assert batch in log_out and "s01_clean.xlsx" in log_out, log_out
    assert _db_value(prefix) == (IMPORTED[3], "imported", "s01_clean.xlsx")  # in the rebuilt database
    probe, log = _serve_and_probe(prefix, tmp_path)
    assert probe["finished"] and not probe["exceptions"] and "内蒙古共青团改革数据看板" in probe["titles"], probe
    assert "==> 内蒙古共青团改革数据看板 99.0.1：http://127.0.0.1:8501" in log, log

    # 5. roll back: current is 0.1.0 again, with the imported value
    r = _run([str(prefix / "rollback.sh")], env=_clean_env(NMGDASH_NO_SYSTEMCTL="1"))
    assert "已回退：current -> releases/0.1.0" in r.stdout
    assert (prefix / "current").resolve() == prefix / "releases" / "0.1.0"
    assert os.readlink(prefix / "previous") == "releases/99.0.1"
    assert _db_value(prefix) == (IMPORTED[3], "imported", "s01_clean.xlsx")
    for big in (prefix.parent, tmp_path / "u1", tmp_path / "u2"):  # about 2 GB of venvs and wheels
        shutil.rmtree(big, ignore_errors=True)


@pytest.fixture(scope="module")
def previous_bundle(tmp_path_factory):
    """The offline bundle of the previous release (PREVIOUS_RELEASE, version 0.1.0, the file ledger), built
    by that release's own scripts/build_bundle.py in a temporary git worktree of it."""
    if subprocess.run(["git", "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"], cwd=ROOT,
                      capture_output=True).returncode != 0:
        pytest.skip(f"the previous release {PREVIOUS_RELEASE[:7]} is not in this checkout's git history")
    where = tmp_path_factory.mktemp("previous")
    tree, out = where / "src", where / "dist"
    _run(["git", "worktree", "add", "--detach", str(tree), PREVIOUS_RELEASE], cwd=ROOT)
    try:
        t0 = time.perf_counter()
        r = _run([sys.executable, str(tree / "scripts" / "build_bundle.py"), "--out", str(out)], cwd=tree,
                 timeout=1800)
        archive = Path(re.search(r"done in .*?: (\S+\.tar\.gz)", r.stdout)[1])
        _timing(f"bundle build of the previous release {archive.name}: {time.perf_counter() - t0:.1f} s")
    finally:
        _run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, ok=False)
        _run(["git", "worktree", "prune"], cwd=ROOT, ok=False)
    yield archive
    shutil.rmtree(where, ignore_errors=True)


def test_upgrade_from_the_previous_release(previous_bundle, bundles, tmp_path):
    """Install the previous release's bundle offline, import s01_clean.xlsx with its CLI (into its file
    ledger), install this release's bundle over it: the ledger moves into the store, the dashboard's build
    shows exactly the same imported value, status and source, the log lists the batch, and the old ledger
    files stay untouched as the backup. Rolling back to the previous release still shows the value."""
    prefix = tmp_path / "opt" / "nmgdash"

    # 1. the previous release, installed offline, imports with its CLI into the file ledger
    r = _install(_unpack(previous_bundle, tmp_path / "u0"), prefix)
    assert "安装完成" in r.stdout, r.stdout
    assert (prefix / "current").resolve() == prefix / "releases" / "0.1.0"
    assert not (prefix / "current" / "nmgdash" / "storage").exists()  # really the release before the store
    out = _cli(prefix, "import", str(CASES / "s01_clean.xlsx"), "--yes").stdout
    batch = re.search(r"已导入：批次 (\S+)（新增 0，修改 36，不变 0）", out)[1]
    assert _db_value_any_release(prefix) == (IMPORTED[3], "imported", "s01_clean.xlsx")
    ledger = prefix / "imports"
    old_files = {p.relative_to(ledger).as_posix(): p.read_bytes() for p in ledger.rglob("*")
                 if p.is_file() and p.name != ".lock"}  # the ledger's lock file holds no data
    assert set(old_files) == {"audit.jsonl", f"batches/{batch}.csv"}, sorted(old_files)
    assert [json.loads(x)["batch_id"] for x in old_files["audit.jsonl"].decode().splitlines()] == [batch]

    # 2. this release over it (releases/0.1.0 -> releases/99.0.1): the install's build step moves the ledger
    r = _install(_unpack(bundles["99.0.1"], tmp_path / "u1"), prefix)
    assert "保留已有设置" in r.stdout and "已重建（" in r.stdout, r.stdout
    assert (prefix / "current").resolve() == prefix / "releases" / "99.0.1"
    assert os.readlink(prefix / "previous") == "releases/0.1.0"
    assert (ledger / "store.sqlite3").is_file()
    assert _db_value(prefix) == (IMPORTED[3], "imported", "s01_clean.xlsx")
    log_out = _cli(prefix, "log").stdout
    assert batch in log_out and "s01_clean.xlsx" in log_out, log_out
    for name, data in old_files.items():  # the file ledger is kept, byte for byte, as the backup
        assert (ledger / name).read_bytes() == data, name

    # 3. roll back: the previous release reads its file ledger again
    r = _run([str(prefix / "rollback.sh")], env=_clean_env(NMGDASH_NO_SYSTEMCTL="1"))
    assert "已回退：current -> releases/0.1.0" in r.stdout
    assert _db_value_any_release(prefix) == (IMPORTED[3], "imported", "s01_clean.xlsx")
    for big in (prefix.parent, tmp_path / "u0", tmp_path / "u1"):
        shutil.rmtree(big, ignore_errors=True)
