"""Backup and restore of the store (python -m nmgdash backup|restore): SQLite → archive →
PostgreSQL keeps every row of every table; restore refuses a non-empty store and a damaged archive."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
import sqlalchemy as sa
from pg import fresh_database

from nmgdash import cli
from nmgdash.storage import build, ledger, transaction
from nmgdash.storage.store import backup, common, schema
from nmgdash.storage.store import engine as store_engine

SHA = "ef" * 32


def rows(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": "hubs", "adcode": list(values), "year": 2019,
                         "value": [float(v) for v in values.values()], "note": ["表1!C3"] * len(values)})


def every_table() -> dict[str, list[tuple]]:
    with store_engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
                for t in schema.TABLES}


@pytest.fixture
def filled_sqlite_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    monkeypatch.delenv("NMGDASH_STORE_URL", raising=False)
    build.build_database()
    a = transaction.commit(rows({"150100": 1.25, "150200": 2}), file_name="甲.xlsx", sha256=SHA, user="张三",
                           counts={"new": 2})
    b = transaction.commit(rows({"150100": 3}), file_name="乙.xlsx", sha256=SHA, user="李四", counts={"changed": 1})
    transaction.undo(b, user="张三")
    with store_engine.begin() as conn:
        conn.execute(sa.insert(schema.accounts).values(
            name="admin", password_hash="$argon2id$v=19$m=65536,t=3,p=4$x$y", role="admin", scope="150000",
            disabled=False, created_at=common.now(), updated_at=common.now()))
        conn.execute(sa.insert(schema.signin_events).values(account="admin", client="10.0.0.1", ok=True, at=common.now()))
        common.add_audit(conn, actor="admin", action="signin", what={"ok": True, "client": "10.0.0.1"})
    return a


def test_sqlite_store_round_trips_through_an_archive_into_postgresql(filled_sqlite_store, tmp_path, monkeypatch, capsys):
    before = every_table()
    assert [len(before[t]) for t in ("batches", "batch_values", "audit", "accounts", "signin_events")] == [2, 3, 4, 1, 1]
    archive = tmp_path / "store-backup.zip"
    assert cli.main(["backup", str(archive)]) == 0
    assert capsys.readouterr().out.startswith(f"已备份数据存储到 {archive}：meta 1 行，batches 2 行，batch_values 3 行")
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == sorted(["manifest.json", *(f"{t.name}.jsonl" for t in schema.TABLES)])
    with fresh_database() as url:
        monkeypatch.setenv("NMGDASH_STORE_URL", url)
        monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db2" / "r.duckdb"))
        assert store_engine.engine().dialect.name == "postgresql"
        assert cli.main(["restore", str(archive)]) == 0
        assert every_table() == before
        assert ledger.active_batches() == [filled_sqlite_store]
        # ids go on after the restored ones
        with store_engine.begin() as conn:
            common.add_audit(conn, actor="x", action="signin", what={})
        assert [r[0] for r in every_table()["audit"]] == [1, 2, 3, 4, 5]
        # restoring again into the now non-empty store is refused and changes nothing
        assert cli.main(["restore", str(archive)]) == 1
        assert capsys.readouterr().err.strip() == (
            "恢复失败，数据存储未作任何修改：数据存储不是空的（已有 2 个导入批次、1 个账号），恢复只能导入到空的数据存储中")
        assert len(every_table()["audit"]) == 5


def test_a_damaged_archive_is_refused(filled_sqlite_store, tmp_path, monkeypatch):
    archive = tmp_path / "b.zip"
    backup.backup(archive)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            dst.writestr(item, data.replace("乙.xlsx".encode(), "丙.xlsx".encode()) if item == "batches.jsonl" else data)
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "empty"))
    with pytest.raises(backup.BackupError) as info:
        backup.restore(damaged)
    assert str(info.value) == "备份“damaged.zip”中的 batches.jsonl 校验和不符，文件已损坏或被改动"
    (tmp_path / "not.zip").write_text("hello")
    with pytest.raises(backup.BackupError) as info:
        backup.restore(tmp_path / "not.zip")
    assert str(info.value) == "文件“not.zip”不是完整的看板数据存储备份"
    assert every_table()["batches"] == []
    backup.restore(archive)  # the intact archive restores into the empty SQLite store
    assert len(every_table()["batches"]) == 2
