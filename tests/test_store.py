"""The import ledger (nmgdash.store): commits survive rebuilds, undo restores, every write is atomic
for readers and for killed processes, concurrent imports are serialised."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from nmgdash import db, store

ROOT = Path(__file__).resolve().parents[1]
LEAGUES = ["150100", "150200", "150300", "150400", "150500", "150600",
           "150700", "150800", "150900", "152200", "152500", "152900"]
SHA = "0123456789abcdef" * 4
IN_LEAGUES = "('" + "','".join(LEAGUES) + "')"
HUBS_SQL = (
    "SELECT o.value, o.status, s.title FROM observations_best o JOIN sources s USING (source_id) "
    "WHERE indicator_id = 'hubs' AND adcode = $adcode AND year = 2019"
)
CHECKSUM_SQL = (
    "SELECT count(*), sum(value), string_agg(DISTINCT status) FROM observations_best "
    f"WHERE indicator_id = 'hubs' AND year = 2019 AND adcode IN {IN_LEAGUES}"
)


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    """A private database and imports folder, built from data/ (sample values only)."""
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    db.build_database()
    return tmp_path


def hubs_rows(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": "hubs",
        "adcode": list(values),
        "year": 2019,
        "value": [float(v) for v in values.values()],
        "note": [f"表1!C{i + 3}" for i in range(len(values))],
    })


def commit(values: dict[str, float], file_name: str = "2019年青年爱里统计.xlsx", user: str = "张三") -> str:
    return store.commit(hubs_rows(values), file_name=file_name, sha256=SHA, user=user,
                        counts={"new": 0, "changed": len(values), "unchanged": 0})


def hubs(adcode: str = "150100") -> tuple:
    con = db.connect(read_only=True)
    try:
        return con.execute(HUBS_SQL, {"adcode": adcode}).fetchone()
    finally:
        con.close()


def snapshot() -> tuple:
    """Ledger bytes, files in the imports folder, and a content hash of the current build."""
    con = db.connect(read_only=True)
    try:
        content = con.execute(
            "SELECT count(*), sum(hash(indicator_id, adcode, year, value, status, source_id, locator)) FROM observations"
        ).fetchone()
    finally:
        con.close()
    files = sorted(p.relative_to(store.imports_dir()).as_posix() for p in store.imports_dir().rglob("*") if p.is_file())
    return store.ledger_stamp(), files, db.resolve().name, content


def sample_sum() -> float:
    con = db.connect(read_only=True)
    try:
        return con.execute(CHECKSUM_SQL).fetchone()
    finally:
        con.close()


# --- commit, rebuild, undo -----------------------------------------------------------------


def test_commit_then_rebuild_keeps_the_imported_value(ledger):
    assert hubs()[:2] == (100.0, "sample")
    database = db.Database()
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL, {"adcode": "150100"}).fetchone()[:2] == (100.0, "sample")
    batch = commit({"150100": 123, "150200": 45})
    # an open handle sees the import on its next cursor, with the file name as the source
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL, {"adcode": "150100"}).fetchone() == (123.0, "imported", "2019年青年爱里统计.xlsx")
        loc = cur.execute("SELECT locator FROM observations WHERE status = 'imported' AND adcode = '150200'").fetchone()[0]
    assert loc == f"导入文件 2019年青年爱里统计.xlsx（批次 {batch}）；表1!C4"
    db.build_database()  # make rebuild
    assert hubs() == (123.0, "imported", "2019年青年爱里统计.xlsx")
    for f in db.build_files()["versions"]:  # make clean, then make db
        f.unlink()
    db.db_path().unlink()
    assert db.rebuild_reason() == "不存在"
    db.ensure_database()
    assert hubs("150200") == (45.0, "imported", "2019年青年爱里统计.xlsx")
    assert hubs("150300")[1] == "sample"
    assert store.active_batches() == [batch]
    log = store.audit_log()
    assert list(log.columns) == ["batch_id", "action", "at", "user", "file_name", "sha256",
                                 "n_new", "n_changed", "n_unchanged", "undone"]
    assert log.iloc[0].to_dict() | {"at": None} == {
        "batch_id": batch, "action": "import", "at": None, "user": "张三", "file_name": "2019年青年爱里统计.xlsx",
        "sha256": SHA, "n_new": 0, "n_changed": 2, "n_unchanged": 0, "undone": False,
    }
    assert pd.Timestamp(log.iloc[0]["at"]).tzinfo is not None
    database.close()


def test_undo_restores_the_sample_value(ledger):
    batch = commit({"150100": 123})
    assert hubs()[:2] == (123.0, "imported")
    store.undo(batch, user="李四")
    assert hubs()[:2] == (100.0, "sample")
    log = store.audit_log()
    assert log["action"].tolist() == ["import", "undo"]
    assert log["user"].tolist() == ["张三", "李四"]
    assert log["undone"].tolist() == [True, True] and log["batch_id"].tolist() == [batch, batch]
    assert store.active_batches() == []
    db.build_database()
    assert hubs()[:2] == (100.0, "sample")  # the undo survives a rebuild too
    with pytest.raises(ValueError) as info:
        store.undo(batch, user="李四")
    assert str(info.value) == f"导入批次 {batch} 已撤销"
    with pytest.raises(ValueError) as info:
        store.undo("nope", user="李四")
    assert str(info.value) == "没有导入批次 nope"


def test_later_batch_wins_and_undo_brings_the_earlier_value_back(ledger):
    first = commit({"150100": 111}, file_name="a.xlsx")
    second = commit({"150100": 222}, file_name="b.xlsx")
    assert hubs() == (222.0, "imported", "b.xlsx")
    store.undo(second, user="王五")
    assert hubs() == (111.0, "imported", "a.xlsx")
    assert store.active_batches() == [first]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (hubs_rows({"150100": float("nan")}), "导入数据第 1 行数值为空或不是有限数（hubs，150100）"),
        (hubs_rows({"150100": 1}).assign(indicator_id="no_such"), "未知指标：no_such"),
        (hubs_rows({"159999": 1}), "未知地区代码：159999"),
        (pd.concat([hubs_rows({"150100": 1})] * 2), "导入数据有重复的指标/地区/年份：hubs，150100，2019"),
        (hubs_rows({"150100": 1}).assign(indicator_id="hub_activities_per_hub"),
         "指标由其他指标计算得出，不能导入：hub_activities_per_hub"),
        (hubs_rows({"150100": 1}).drop(columns="year"), "导入数据缺少列：year"),
    ],
)
def test_rejected_rows_change_nothing(ledger, rows, message):
    commit({"150100": 5})
    before = snapshot()
    with pytest.raises(ValueError) as info:
        store.commit(rows, file_name="bad.xlsx", sha256=SHA, user="x", counts={})
    assert str(info.value) == message
    assert snapshot() == before


@pytest.mark.parametrize("failing", ["build_version", "publish"])
def test_failure_inside_commit_changes_nothing(ledger, monkeypatch, failing):
    commit({"150100": 5})
    before = snapshot()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(db, failing, boom)
        with pytest.raises(OSError):
            commit({"150100": 6})
    assert snapshot() == before
    assert db.rebuild_reason() is None and hubs()[0] == 5.0


# --- readers during commits -----------------------------------------------------------------


def test_readers_see_all_old_or_all_new_during_commits_and_undos(ledger):
    old = sample_sum()
    new_values = {code: 1000 + i for i, code in enumerate(LEAGUES)}
    new = (12, float(sum(new_values.values())), "imported")
    assert old[0] == 12 and old[2] == "sample"
    database = db.Database()
    stop = threading.Event()
    seen = {old: threading.Event(), new: threading.Event()}
    errors: list[BaseException] = []
    reads = []

    def reader():
        n = 0
        while not stop.is_set():
            try:
                with database.cursor() as cur:
                    got = cur.execute(CHECKSUM_SQL).fetchone()
                    cur.execute("SELECT count(*) FROM observations_best").fetchone()
                if got not in seen:
                    errors.append(AssertionError(f"mixed read {got}"))
                else:
                    seen[got].set()
                n += 1
                if n % 10 == 0:
                    database.run("years", published_only=False)
                time.sleep(0.002)  # leave the 2 CPUs some room for the writer's builds
            except BaseException as exc:
                errors.append(exc)
        reads.append(n)

    threads = [threading.Thread(target=reader) for _ in range(20)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            seen[new].clear()
            batch = commit(new_values)
            assert seen[new].wait(60), "no reader saw the import"
            seen[old].clear()
            store.undo(batch, user="r")
            assert seen[old].wait(60), "no reader saw the undo"
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert errors == []
    assert len(reads) == 20 and min(reads) > 0
    assert database.open_connections() == 1
    database.close()


# --- killed processes -------------------------------------------------------------------------

KILLED_COMMIT = textwrap.dedent("""
    import pandas as pd
    from nmgdash import store
    rows = pd.DataFrame({"indicator_id": "hubs", "adcode": %r, "year": 2019, "value": 500.0})
    print(store.commit(rows, file_name="killed.xlsx", sha256="ff" * 32, user="k", counts={"new": 12}), flush=True)
""") % (LEAGUES,)


@pytest.mark.parametrize(
    "step", ["commit_batch_written", "db_building", "commit_db_built", "commit_ledger_written"]
)
def test_sigkill_during_commit_leaves_previous_data(ledger, step):
    earlier = commit({"150100": 111})
    before = snapshot()
    env = {**os.environ, "NMGDASH_STORE_PAUSE_AT": step}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_COMMIT], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == f"PAUSED {step}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    # the current build is untouched and opens; the lock died with the process
    assert db.resolve().name == before[2]
    log = store.audit_log()
    if step == "commit_ledger_written":
        # past the commit point: the import is durable; the next build catches the database up
        assert len(store.active_batches()) == 2 and log["file_name"].tolist()[-1] == "killed.xlsx"
        assert db.rebuild_reason() == "导入记录有变化"
        database = db.Database()
        with database.cursor() as cur:
            assert cur.execute(HUBS_SQL, {"adcode": "150200"}).fetchone() == (500.0, "imported", "killed.xlsx")
        database.close()
    else:
        assert store.ledger_stamp() == before[0] and store.active_batches() == [earlier]
        assert db.rebuild_reason() is None
        database = db.Database()
        with database.cursor() as cur:
            assert cur.execute(HUBS_SQL, {"adcode": "150100"}).fetchone()[:2] == (111.0, "imported")
            assert cur.execute(HUBS_SQL, {"adcode": "150200"}).fetchone()[1] == "sample"
        database.close()
        # the ledger still works: a new commit succeeds and cleans the dead build's files
        commit({"150300": 7})
        assert hubs("150300")[:2] == (7.0, "imported") and hubs("150100")[0] == 111.0
        assert db.build_files()["building"] == []


# --- concurrent imports ---------------------------------------------------------------------

HOLD_LOCK = "import sys\nfrom nmgdash import store\nwith store.lock():\n    print('ready', flush=True)\n    sys.stdin.read()\n"


def test_import_while_another_holds_the_lock_is_refused(ledger, monkeypatch):
    before = snapshot()
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(store.ImportBusy) as info:
            commit({"150100": 1})
        assert str(info.value) == "另一项导入正在进行，请稍后再试"
        assert snapshot() == before
    finally:
        holder.stdin.close()
        holder.wait(30)
    commit({"150100": 2})  # free again
    assert hubs()[:2] == (2.0, "imported")


def test_two_commits_at_once_are_serialised(ledger):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run(code, value):
        try:
            barrier.wait(30)
            results.append(commit({code: value}, file_name=f"{code}.xlsx"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=a) for a in (("150100", 11), ("150200", 22))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(results) == 2
    assert sorted(store.active_batches()) == sorted(results)
    assert store.audit_log()["action"].tolist() == ["import", "import"]
    assert db.rebuild_reason() is None
    assert hubs("150100") == (11.0, "imported", "150100.xlsx")
    assert hubs("150200") == (22.0, "imported", "150200.xlsx")
