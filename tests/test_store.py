"""The import ledger (nmgdash.storage.ledger, kept in the store; on SQLite and PostgreSQL): commits survive rebuilds, undo restores, every write is atomic
for readers and for killed processes, concurrent imports are serialised."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from crashpoints import paused_at

from nmgdash.storage import build, ledger, transaction
from nmgdash.storage.database import Database

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
def store_dir(backend, tmp_path, monkeypatch):
    """A private database and imports folder, built from data/ (sample values only); the store is
    the SQLite file in that folder or a fresh PostgreSQL database (``backend``)."""
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    build.build_database()
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
    return transaction.commit(hubs_rows(values), file_name=file_name, sha256=SHA, user=user,
                        counts={"new": 0, "changed": len(values), "unchanged": 0})


def hubs(adcode: str = "150100") -> tuple:
    con = build.connect(read_only=True)
    try:
        return con.execute(HUBS_SQL, {"adcode": adcode}).fetchone()
    finally:
        con.close()


def snapshot() -> tuple:
    """The store's stamp, its ledger records, files in the imports folder, and a content hash of
    the current build."""
    con = build.connect(read_only=True)
    try:
        content = con.execute(
            "SELECT count(*), sum(hash(indicator_id, adcode, year, value, status, source_id, locator)) FROM observations"
        ).fetchone()
    finally:
        con.close()
    files = sorted(p.relative_to(ledger.imports_dir()).as_posix() for p in ledger.imports_dir().rglob("*") if p.is_file())
    return ledger.ledger_stamp(), files, build.resolve().name, content, ledger.read_records()


def sample_sum() -> float:
    con = build.connect(read_only=True)
    try:
        return con.execute(CHECKSUM_SQL).fetchone()
    finally:
        con.close()


# --- commit, rebuild, undo -----------------------------------------------------------------


def test_commit_then_rebuild_keeps_the_imported_value(store_dir):
    assert hubs()[:2] == (100.0, "sample")
    database = Database()
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL, {"adcode": "150100"}).fetchone()[:2] == (100.0, "sample")
    batch = commit({"150100": 123, "150200": 45})
    # an open handle sees the import on its next cursor, with the file name as the source
    with database.cursor() as cur:
        assert cur.execute(HUBS_SQL, {"adcode": "150100"}).fetchone() == (123.0, "imported", "2019年青年爱里统计.xlsx")
        loc = cur.execute("SELECT locator FROM observations WHERE status = 'imported' AND adcode = '150200'").fetchone()[0]
    assert loc == f"导入文件 2019年青年爱里统计.xlsx（批次 {batch}）；表1!C4"
    build.build_database()  # make rebuild
    assert hubs() == (123.0, "imported", "2019年青年爱里统计.xlsx")
    for f in build.build_files()["versions"]:  # make clean, then make db
        f.unlink()
    build.db_path().unlink()
    assert build.rebuild_reason() == "不存在"
    build.ensure_database()
    assert hubs("150200") == (45.0, "imported", "2019年青年爱里统计.xlsx")
    assert hubs("150300")[1] == "sample"
    assert ledger.active_batches() == [batch]
    log = ledger.audit_log()
    assert list(log.columns) == ["batch_id", "action", "at", "user", "file_name", "sha256",
                                 "n_new", "n_changed", "n_unchanged", "undone"]
    assert log.iloc[0].to_dict() | {"at": None} == {
        "batch_id": batch, "action": "import", "at": None, "user": "张三", "file_name": "2019年青年爱里统计.xlsx",
        "sha256": SHA, "n_new": 0, "n_changed": 2, "n_unchanged": 0, "undone": False,
    }
    assert pd.Timestamp(log.iloc[0]["at"]).tzinfo is not None
    database.close()


def test_undo_restores_the_sample_value(store_dir):
    batch = commit({"150100": 123})
    assert hubs()[:2] == (123.0, "imported")
    transaction.undo(batch, user="李四")
    assert hubs()[:2] == (100.0, "sample")
    log = ledger.audit_log()
    assert log["action"].tolist() == ["import", "undo"]
    assert log["user"].tolist() == ["张三", "李四"]
    assert log["undone"].tolist() == [True, True] and log["batch_id"].tolist() == [batch, batch]
    assert ledger.active_batches() == []
    build.build_database()
    assert hubs()[:2] == (100.0, "sample")  # the undo survives a rebuild too
    with pytest.raises(ValueError) as info:
        transaction.undo(batch, user="李四")
    assert str(info.value) == f"导入批次 {batch} 已撤销"
    with pytest.raises(ValueError) as info:
        transaction.undo("nope", user="李四")
    assert str(info.value) == "没有导入批次 nope"


def test_later_batch_wins_and_undo_brings_the_earlier_value_back(store_dir):
    first = commit({"150100": 111}, file_name="a.xlsx")
    second = commit({"150100": 222}, file_name="b.xlsx")
    assert hubs() == (222.0, "imported", "b.xlsx")
    transaction.undo(second, user="王五")
    assert hubs() == (111.0, "imported", "a.xlsx")
    assert ledger.active_batches() == [first]


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
def test_rejected_rows_change_nothing(store_dir, rows, message):
    commit({"150100": 5})
    before = snapshot()
    with pytest.raises(ValueError) as info:
        transaction.commit(rows, file_name="bad.xlsx", sha256=SHA, user="x", counts={})
    assert str(info.value) == message
    assert snapshot() == before


@pytest.mark.parametrize("failing", ["build_version", "publish"])
def test_failure_inside_commit_changes_nothing(store_dir, monkeypatch, failing):
    commit({"150100": 5})
    before = snapshot()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(build, failing, boom)
        with pytest.raises(OSError):
            commit({"150100": 6})
    assert snapshot() == before
    assert build.rebuild_reason() is None and hubs()[0] == 5.0


# --- readers during commits -----------------------------------------------------------------


def test_readers_see_all_old_or_all_new_during_commits_and_undos(store_dir):
    old = sample_sum()
    new_values = {code: 1000 + i for i, code in enumerate(LEAGUES)}
    new = (12, float(sum(new_values.values())), "imported")
    assert old[0] == 12 and old[2] == "sample"
    database = Database()
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
            transaction.undo(batch, user="r")
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
    from nmgdash.storage import transaction
    rows = pd.DataFrame({"indicator_id": "hubs", "adcode": %r, "year": 2019, "value": 500.0})
    print(transaction.commit(rows, file_name="killed.xlsx", sha256="ff" * 32, user="k", counts={"new": 12}), flush=True)
""") % (LEAGUES,)


@pytest.mark.parametrize(
    "step", ["commit_batch_written", "db_building", "commit_db_built", "commit_ledger_written"]
)
def test_sigkill_during_commit_leaves_previous_data(store_dir, step):
    earlier = commit({"150100": 111})
    before = snapshot()
    proc = subprocess.Popen([sys.executable, "-c", paused_at(step, KILLED_COMMIT)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == f"PAUSED {step}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    # the current build is untouched and opens; the lock died with the process
    assert build.resolve().name == before[2]
    log = ledger.audit_log()
    if step == "commit_ledger_written":
        # past the commit point: the import is durable; the next build catches the database up
        assert len(ledger.active_batches()) == 2 and log["file_name"].tolist()[-1] == "killed.xlsx"
        assert build.rebuild_reason() == "导入记录有变化"
        database = Database()
        with database.cursor() as cur:
            assert cur.execute(HUBS_SQL, {"adcode": "150200"}).fetchone() == (500.0, "imported", "killed.xlsx")
        database.close()
    else:
        assert ledger.ledger_stamp() == before[0] and ledger.active_batches() == [earlier]
        assert build.rebuild_reason() is None
        database = Database()
        with database.cursor() as cur:
            assert cur.execute(HUBS_SQL, {"adcode": "150100"}).fetchone()[:2] == (111.0, "imported")
            assert cur.execute(HUBS_SQL, {"adcode": "150200"}).fetchone()[1] == "sample"
        database.close()
        # the ledger still works: a new commit succeeds and cleans the dead build's files
        commit({"150300": 7})
        assert hubs("150300")[:2] == (7.0, "imported") and hubs("150100")[0] == 111.0
        assert build.build_files()["building"] == []


# --- concurrent imports ---------------------------------------------------------------------

HOLD_LOCK = "import sys\nfrom nmgdash.storage import ledger\nwith ledger.lock():\n    print('ready', flush=True)\n    sys.stdin.read()\n"


def test_import_while_another_holds_the_lock_is_refused(store_dir, monkeypatch):
    before = snapshot()
    monkeypatch.setattr(ledger, "LOCK_TIMEOUT", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(ledger.ImportBusy) as info:
            commit({"150100": 1})
        assert str(info.value) == "另一项导入正在进行，请稍后再试"
        assert snapshot() == before
    finally:
        holder.stdin.close()
        holder.wait(30)
    commit({"150100": 2})  # free again
    assert hubs()[:2] == (2.0, "imported")


def test_two_commits_at_once_are_serialised(store_dir):
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
    assert sorted(ledger.active_batches()) == sorted(results)
    assert ledger.audit_log()["action"].tolist() == ["import", "import"]
    assert build.rebuild_reason() is None
    assert hubs("150100") == (11.0, "imported", "150100.xlsx")
    assert hubs("150200") == (22.0, "imported", "150200.xlsx")
