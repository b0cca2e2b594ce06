"""Database layer under faults: rebuild while open, corrupt/locked/read-only files, killed builds,
broken boundary files. Every test uses its own database folder (NMGDASH_DB / NMGDASH_IMPORTS in tmp)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest
from crashpoints import paused_at

from nmgdash.core import geo, settings
from nmgdash.storage import build
from nmgdash.storage.database import STALE_WARNING, Database, DatabaseUnavailable

ROOT = Path(__file__).resolve().parents[1]

HUBS_SQL = "SELECT value, status FROM observations_best WHERE indicator_id = 'hubs' AND adcode = '150100' AND year = 2019"


@pytest.fixture
def dbdir(tmp_path, monkeypatch):
    """A private database path and imports folder; data/*.csv copied to tmp (build.DATA_DIR) so a
    test can change an input. Returns the database path (not built yet)."""
    data = tmp_path / "data"
    data.mkdir()
    for f in settings.DATA_DIR.glob("*.csv"):
        shutil.copy2(f, data / f.name)
    monkeypatch.setattr(build, "DATA_DIR", data)
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    return tmp_path / "db" / "r.duckdb"


def set_sample_hubs(value: int) -> None:
    """Change 呼和浩特市's 2019 sample hub count in the copied data/observations_sample.csv."""
    f = build.DATA_DIR / "observations_sample.csv"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("hubs,150100,2019,"):
            parts = line.split(",")
            parts[3] = str(value)
            lines[i] = ",".join(parts)
            break
    else:
        raise AssertionError("row not found")
    f.write_text("".join(lines), encoding="utf-8")


def env_for(path: Path) -> dict[str, str]:
    return {**os.environ, "NMGDASH_DB": str(path), "NMGDASH_IMPORTS": os.environ["NMGDASH_IMPORTS"]}


# --- reopen after rebuild ------------------------------------------------------------


def test_reopen_after_rebuild_in_process(dbdir):
    build.build_database()
    database = Database()
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL).fetchone() == (100.0, "sample")
    first = database.version
    set_sample_hubs(4321)
    build.build_database()  # `make rebuild` under a running server
    # a plain connect() to the pointer while the old build is open would return the old data
    # (duckdb#15912); the handle follows the pointer to the new file on its next cursor
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL).fetchone() == (4321.0, "sample")
    assert database.version != first
    assert database.open_connections() == 1  # the old connection was closed once unused
    set_sample_hubs(55)
    build.build_database()
    build.build_database()
    assert database.run("years", published_only=False).shape[0] > 0
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL).fetchone() == (55.0, "sample")
    # the current build and the previous one stay; older builds are deleted
    files = build.build_files(dbdir)
    assert len(files["versions"]) == 2 and files["building"] == []
    assert build.resolve(dbdir) == files["versions"][-1]
    assert dbdir.is_symlink() and not os.readlink(dbdir).startswith("/")
    database.close()


def test_running_query_survives_swap(dbdir):
    build.build_database()
    database = Database()
    expected = 100.0 * 20000
    # 1. a cursor that is half-way through streaming a result when the build is replaced twice
    #    (the second rebuild deletes the file it reads from)
    with database.cursor() as cur:
        cur.execute(f"SELECT value FROM ({HUBS_SQL}) , range(20000)")
        got = sum(r[0] for r in cur.fetchmany(5000))
        set_sample_hubs(7)
        build.build_database()
        with database.cursor() as cur2:  # another session already reads the new build
            assert cur2.execute(HUBS_SQL).fetchone()[0] == 7.0
        set_sample_hubs(8)
        build.build_database()
        assert database.open_connections() == 2  # the old one is still in use
        got += sum(r[0] for r in cur.fetchall())
    assert got == expected
    assert database.open_connections() == 1
    # 2. a query running in another thread while the swap happens finishes on the old build
    results, errors = [], []
    started = threading.Event()

    def long_query():
        try:
            with database.cursor() as c:
                started.set()
                results.append(c.execute(
                    f"SELECT count(*), sum(h.value) FROM ({HUBS_SQL}) h, range(3000) a, range(3000) b"
                ).fetchone())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=long_query)
    t.start()
    started.wait(30)
    set_sample_hubs(9)
    build.build_database()
    with database.cursor() as c:
        assert c.execute(HUBS_SQL).fetchone()[0] == 9.0
    t.join(120)
    assert errors == []
    assert results == [(9_000_000, 8.0 * 9_000_000)]  # its cursor was taken before the swap
    database.close()


# --- faults: Chinese messages without paths, recovery ---------------------------------------


def assert_message(exc: DatabaseUnavailable, kind: str, text: str, tmp_path: Path) -> None:
    assert exc.kind == kind
    assert str(exc) == text
    assert "/" not in str(exc) and str(tmp_path) not in str(exc) and ".duckdb" not in str(exc)
    assert exc.message_en and "/" not in exc.message_en


def test_corrupt_file_message_and_recovery(dbdir, tmp_path):
    build.build_database()
    target = build.resolve(dbdir)
    target.write_bytes(b"not a database" * 100)
    assert build.rebuild_reason(dbdir) == "文件损坏或结构不完整"
    database = Database(auto_build=False)
    for _ in range(2):  # stays unavailable, keeps retrying
        with pytest.raises(DatabaseUnavailable) as info:
            database.run("years", published_only=False)
        assert_message(info.value, "corrupt", "数据库文件损坏，请运行 make rebuild", tmp_path)
    build.build_database()  # make rebuild
    assert database.run("years", published_only=False).shape[0] > 0  # recovered without a restart
    database.close()
    # with a writable data folder the app's handle repairs it by itself
    build.resolve(dbdir).write_bytes(b"\0" * 5000)
    auto = Database()
    with auto.cursor() as cur:
        assert cur.execute(HUBS_SQL).fetchone() == (100.0, "sample")
    auto.close()


HOLDER = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


def test_locked_by_another_process_message_and_recovery(dbdir, tmp_path):
    build.build_database()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(build.resolve(dbdir))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        database = Database()
        with pytest.raises(DatabaseUnavailable) as info:
            database.run("years", published_only=False)
        assert_message(info.value, "busy", "数据正在更新，请稍后刷新", tmp_path)
    finally:
        holder.stdin.close()
        holder.wait(30)
    assert database.run("years", published_only=False).shape[0] > 0  # the lock is gone: the next call works
    database.close()


def erofs(*_args, **_kwargs):
    raise OSError(errno.EROFS, "Read-only file system", "/srv/secret/data/r.duckdb")


def test_readonly_and_missing_message_and_recovery(dbdir, tmp_path, monkeypatch):
    database = Database()
    with monkeypatch.context() as m:
        m.setattr(build, "build_version", erofs)
        with pytest.raises(DatabaseUnavailable) as info:
            database.run("years", published_only=False)
    assert_message(info.value, "readonly_missing",
                   "数据目录只读且数据库不存在，请管理员在可写的数据目录中运行 make rebuild", tmp_path)
    assert build.resolve(dbdir) is None
    # the folder becomes writable again: the next call builds and works
    assert database.run("years", published_only=False).shape[0] > 0
    assert build.resolve(dbdir) is not None
    database.close()


def test_readonly_with_older_database_opens_it_with_a_warning(dbdir, monkeypatch):
    build.build_database()
    set_sample_hubs(999)  # data/ is newer than the database, but it cannot be rebuilt
    later = time.time() + 10
    os.utime(build.DATA_DIR / "observations_sample.csv", (later, later))
    assert build.rebuild_reason(dbdir) == "输入文件有更新"
    monkeypatch.setattr(build, "build_version", erofs)
    database = Database()
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL).fetchone() == (100.0, "sample")
    assert database.warning == "数据可能不是最新的：数据库未能按最新数据重建，请管理员运行 make rebuild"
    assert database.warning_en.startswith("The data may be out of date")
    database.close()


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    r = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind /tmp /tmp && mount -o remount,ro,bind /tmp /tmp"],
                       capture_output=True)
    return r.returncode == 0


READONLY_PROBE = textwrap.dedent("""
    import json
    from nmgdash.storage.database import Database, DatabaseUnavailable
    out = {}
    d = Database()
    try:
        out["value"] = d.run("years", published_only=False).shape[0]
        out["warning"] = d.warning
    except DatabaseUnavailable as exc:
        out["error"] = str(exc)
    print(json.dumps(out, ensure_ascii=False))
""")


@pytest.mark.skipif(not _unshare_works(), reason="needs unshare -m (mount namespace) to make a read-only folder")
def test_real_readonly_folder(tmp_path):
    """The same two cases on a really read-only mount (root ignores file permissions)."""
    old, empty = tmp_path / "old", tmp_path / "empty"
    old.mkdir()
    empty.mkdir()
    env = {**os.environ, "NMGDASH_DB": str(old / "r.duckdb"), "NMGDASH_IMPORTS": str(old / "imports")}
    subprocess.run([sys.executable, "-m", "nmgdash.storage.build"], cwd=ROOT, env=env, check=True, capture_output=True)
    os.utime(build.resolve(old / "r.duckdb"), (0, 0), follow_symlinks=True)  # older than data/*.csv
    outs = {}
    for name, folder in (("old", old), ("empty", empty)):
        env = {**os.environ, "NMGDASH_DB": str(folder / "r.duckdb"), "NMGDASH_IMPORTS": str(folder / "imports")}
        script = f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder} && exec \"$0\" -c \"$1\""
        r = subprocess.run(["unshare", "-m", "sh", "-c", script, sys.executable, READONLY_PROBE],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        outs[name] = json.loads(r.stdout.strip().splitlines()[-1])
    assert outs["old"]["value"] > 0 and outs["old"]["warning"] == STALE_WARNING
    assert outs["empty"] == {"error": "数据目录只读且数据库不存在，请管理员在可写的数据目录中运行 make rebuild"}


# --- broken or stale files --------------------------------------------------------------


def test_truncated_database_is_rebuilt(dbdir):
    build.build_database()
    target = build.resolve(dbdir)
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 3])
    assert build.needs_rebuild(dbdir)  # `make db` used to say "up to date" here
    assert build.rebuild_reason(dbdir) == "文件损坏或结构不完整"
    build.ensure_database(dbdir)
    assert build.rebuild_reason(dbdir) is None
    con = build.connect(read_only=True)
    assert con.execute(HUBS_SQL).fetchone() == (100.0, "sample")
    con.close()
    # an intact DuckDB file without the project's tables is broken too
    dbdir.unlink()
    duckdb.connect(str(dbdir)).close()
    assert build.rebuild_reason(dbdir) == "文件损坏或结构不完整"
    build.ensure_database(dbdir)
    assert dbdir.is_symlink() and build.rebuild_reason(dbdir) is None


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_building_files_are_cleaned(dbdir):
    dbdir.parent.mkdir(parents=True)
    dead = _dead_pid()
    stale = [dbdir.parent / f"r.building-{dead}-1.duckdb", dbdir.parent / f"r.building-{dead}-1.duckdb.wal",
             dbdir.parent / f"r.building-{dead}.duckdb"]
    old_alive = dbdir.parent / f"r.building-{os.getppid()}-2.duckdb"
    fresh_alive = dbdir.parent / f"r.building-{os.getppid()}-3.duckdb"
    other = dbdir.parent / "other.building-1-1.duckdb"
    for f in [*stale, old_alive, fresh_alive, other]:
        f.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old_alive, (two_hours_ago, two_hours_ago))
    build.build_database()
    left = set(os.listdir(dbdir.parent))
    assert not any(f.name in left for f in [*stale, old_alive])
    assert fresh_alive.name in left and other.name in left  # a live build, another database


def test_killed_build_leaves_previous_database_and_is_cleaned(dbdir):
    build.build_database()
    before = build.resolve(dbdir)
    script = paused_at("db_building", "import runpy\nrunpy.run_module('nmgdash.storage.build', run_name='__main__')\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env_for(dbdir),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "PAUSED db_building"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert len(build.build_files(dbdir)["building"]) >= 1  # what a killed build leaves behind
    assert build.resolve(dbdir) == before and build.rebuild_reason(dbdir) is None
    database = Database()
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL).fetchone() == (100.0, "sample")
    database.close()
    build.build_database()
    assert build.build_files(dbdir)["building"] == []


# --- geometry loader ------------------------------------------------------------------------


@pytest.fixture
def geodir(tmp_path):
    d = tmp_path / "geo"
    shutil.copytree(settings.GEO_DIR, d)
    return d


def edit_layer(geodir: Path, level: str, change) -> None:
    f = geodir / geo.LAYER_FILES[level]
    doc = json.loads(f.read_text(encoding="utf-8"))
    change(doc["features"])
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_loader_accepts_the_real_layers(geodir):
    assert len(geo.load_layer("league", geodir)) == 12
    assert len(geo.load_layer("county", geodir)) == 103


def test_loader_rejects_invalid_polygon(geodir):
    def bowtie(features):
        f = next(f for f in features if f["properties"]["adcode"] == "150102")
        f["geometry"] = {"type": "Polygon", "coordinates": [[[111, 40], [112, 41], [112, 40], [111, 41], [111, 40]]]}

    edit_layer(geodir, "county", bowtie)
    with pytest.raises(geo.GeometryError) as info:
        geo.load_layer("county", geodir)
    msg = str(info.value)
    assert msg.startswith("边界文件 counties.geojson 不可用：150102（新城区） 的边界无效：Self-intersection")
    assert str(geodir) not in msg


def test_loader_rejects_duplicate_adcode(geodir):
    def dup(features):
        features[1]["properties"]["adcode"] = features[0]["properties"]["adcode"]

    edit_layer(geodir, "league", dup)
    with pytest.raises(geo.GeometryError) as info:
        geo.load_layer("league", geodir)
    assert str(info.value) == "边界文件 leagues.geojson 不可用：adcode 150100 出现 2 次（每个单位只能有一个要素）；缺少 adcode：150200"


def test_loader_rejects_wrong_count(geodir):
    edit_layer(geodir, "league", lambda features: features.pop(2))  # 乌海市
    with pytest.raises(ValueError) as info:  # GeometryError is a ValueError
        geo.load_layer("league", geodir)
    assert str(info.value) == "边界文件 leagues.geojson 不可用：有 11 个要素，应为 12 个；缺少 adcode：150300"


def test_file_stamp_changes_with_the_file(geodir):
    f = geodir / "leagues.geojson"
    before = settings.file_stamp(f)
    assert before == settings.file_stamp(f) and before[1] == f.stat().st_size
    edit_layer(geodir, "league", lambda features: None)  # rewritten (other size)
    assert settings.file_stamp(f) != before
    assert settings.file_stamp(geodir / "missing.geojson") == (0, -1)
