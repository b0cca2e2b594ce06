"""The store (nmgdash.storage.store) on SQLite and PostgreSQL: migrations from an empty store and
from the previous revision, SQLite settings, two servers sharing one store, and faults."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from nmgdash.core import settings
from nmgdash.storage import build, database, ledger, transaction
from nmgdash.storage.database import Database
from nmgdash.storage.store import common, schema
from nmgdash.storage.store import engine as store_engine

ROOT = Path(__file__).resolve().parents[1]
SHA = "ab" * 32
HUBS_SQL = ("SELECT o.value, o.status, s.title FROM observations_best o JOIN sources s USING (source_id) "
            "WHERE indicator_id = 'hubs' AND adcode = $adcode AND year = 2019")


@pytest.fixture
def folders(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    return tmp_path


def rows(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": "hubs", "adcode": list(values), "year": 2019,
                         "value": [float(v) for v in values.values()], "note": ""})


def table_names(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


def test_first_use_migrates_an_empty_store_to_head(folders, backend):
    eng = store_engine.engine()
    with eng.connect() as conn:
        assert store_engine.revision(conn) == schema.HEAD == "0004"
        assert {t.name for t in schema.TABLES} <= table_names(conn)
        assert conn.execute(sa.select(schema.meta.c.id, schema.meta.c.published_version)).all() == [(1, 0)]
    assert ledger.ledger_stamp() == "0:0" and ledger.read_records() == []
    if backend == "sqlite":
        assert (folders / "imports" / "store.sqlite3").is_file()


def test_upgrade_from_the_previous_revision_keeps_the_data(folders):
    old = store_engine.create(settings.store_url())
    store_engine.migrate(old, "0001")
    with old.connect() as conn:
        assert store_engine.revision(conn) == "0001"
        assert "accounts" not in table_names(conn)
    with old.begin() as conn:
        common.bump_version(conn)
        common.insert_batch(conn, {"batch_id": "20240101-000000-abababab-0001", "action": "import",
                                   "at": "2024-01-01T08:00:00+08:00", "user": "张三", "file_name": "旧.xlsx",
                                   "sha256": SHA, "n_new": 1, "n_changed": 0, "n_unchanged": 0, "rows": 1},
                            rows({"150100": 42}))
    old.dispose()
    eng = store_engine.engine()  # first use: migrates 0001 -> head
    with eng.connect() as conn:
        assert store_engine.revision(conn) == schema.HEAD
        assert {"accounts", "signin_events"} <= table_names(conn)
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.accounts)).scalar_one() == 0
    assert ledger.active_batches() == ["20240101-000000-abababab-0001"]
    assert ledger.ledger_stamp().startswith("1:")
    build.build_database()
    con = build.connect(read_only=True)
    try:
        assert con.execute(HUBS_SQL, {"adcode": "150100"}).fetchone() == (42.0, "imported", "旧.xlsx")
    finally:
        con.close()


def test_sqlite_store_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    monkeypatch.delenv("NMGDASH_STORE_URL", raising=False)
    assert settings.store_url() == f"sqlite:///{tmp_path / 'imports' / 'store.sqlite3'}"
    with store_engine.engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 10_000
    with pytest.raises(sa.exc.IntegrityError):  # a value of a batch that does not exist
        with store_engine.begin() as conn:
            conn.execute(sa.insert(schema.batch_values).values(
                batch_id="nope", seq=0, indicator_id="hubs", adcode="150100", year=2019, value=1.0, note=""))


def test_commit_and_undo_bump_the_published_version(folders):
    build.build_database()
    assert ledger.ledger_stamp().split(":")[0] == "0"
    batch = transaction.commit(rows({"150100": 5}), file_name="a.xlsx", sha256=SHA, user="张三", counts={"new": 1})
    assert ledger.ledger_stamp().split(":")[0] == "1"
    transaction.undo(batch, user="李四")
    assert ledger.ledger_stamp().split(":")[0] == "2"
    with store_engine.connect() as conn:
        b = conn.execute(sa.select(schema.batches)).one()._mapping
        assert (b["batch_id"], b["user"], b["n_rows"], b["undone_by"]) == (batch, "张三", 1, "李四")
        assert [tuple(r) for r in conn.execute(sa.select(schema.audit.c.actor, schema.audit.c.action))] == [
            ("张三", "import"), ("李四", "undo")]
    assert build.rebuild_reason() is None


COMMIT_ON_SERVER_A = textwrap.dedent("""
    import pandas as pd
    from nmgdash.storage import build, transaction
    build.build_database()
    rows = pd.DataFrame({"indicator_id": "hubs", "adcode": ["150200"], "year": 2019, "value": [777.0]})
    print(transaction.commit(rows, file_name="A.xlsx", sha256="cd" * 32, user="a", counts={"new": 1}))
""")


def test_two_servers_with_separate_folders_share_one_store(backend, tmp_path, monkeypatch):
    """Server B keeps its own DuckDB build; a commit made on server A (another process, other
    folders) shows on B's next query, with no restart."""
    if backend == "sqlite":  # both servers name the same SQLite file explicitly
        monkeypatch.setenv("NMGDASH_STORE_URL", f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "b" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "b" / "imports"))
    monkeypatch.setattr(database, "STORE_CHECK_SECONDS", 0.0)
    db_b = Database()
    with db_b.cursor() as cur:
        assert cur.execute(HUBS_SQL, {"adcode": "150200"}).fetchone()[1] == "sample"
    before = db_b.version
    env = {**os.environ, "NMGDASH_DB": str(tmp_path / "a" / "r.duckdb"),
           "NMGDASH_IMPORTS": str(tmp_path / "a" / "imports")}
    r = subprocess.run([sys.executable, "-c", COMMIT_ON_SERVER_A], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert db_b.version != before  # the pages' cache key (ui.data.version) follows the store, too
    with db_b.cursor() as cur:
        assert cur.execute(HUBS_SQL, {"adcode": "150200"}).fetchone() == (777.0, "imported", "A.xlsx")
    assert db_b.warning is None
    db_b.close()


UNREACHABLE = "postgresql+psycopg://nobody@/nmgdash?host=/nonexistent-socket-dir&connect_timeout=2"


def test_unreachable_store_keeps_the_last_build_for_viewers_and_refuses_writers(tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    monkeypatch.delenv("NMGDASH_STORE_URL", raising=False)
    build.build_database()
    monkeypatch.setenv("NMGDASH_STORE_URL", UNREACHABLE)
    assert build.rebuild_reason() == "导入记录无法读取"
    db = Database()
    with db.cursor() as cur:
        assert cur.execute(HUBS_SQL, {"adcode": "150100"}).fetchone()[1] == "sample"
    assert db.warning == "数据可能不是最新的：数据库未能按最新数据重建，请管理员运行 make rebuild"
    db.close()
    with pytest.raises(ledger.StoreUnavailable) as info:
        transaction.commit(rows({"150100": 1}), file_name="x.xlsx", sha256=SHA, user="x", counts={})
    assert str(info.value) == "数据存储暂时无法访问，请稍后再试；如持续出现请联系管理员"
