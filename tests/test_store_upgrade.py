"""Upgrade from the previous release's file ledger (imports/audit.jsonl + imports/batches/*.csv):
on first use the store takes it over (idempotently, the files kept as they are) and the dashboard
shows exactly the same values. The files are written here byte for byte as that release's
nmgdash.storage.ledger wrote them (json.dumps(..., ensure_ascii=False, sort_keys=True) lines; the
batch CSV of check_rows' columns with "\\n" line ends and its SHA-256 in ``rows_sha256``)."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from nmgdash.storage import build, ledger, transaction
from nmgdash.storage.store import engine as store_engine
from nmgdash.storage.store import schema

SHA_A, SHA_B = "aa" * 32, "bb" * 32
A = "20240301-101500-aaaaaaaa-1a2b"
B = "20240302-090000-bbbbbbbb-3c4d"


def write_file_ledger(folder) -> list[dict]:
    """Two imports and an undo of the second, as the previous release wrote them."""
    (folder / "batches").mkdir(parents=True)
    batches = {
        A: pd.DataFrame({"indicator_id": ["hubs", "hubs"], "adcode": ["150100", "150200"], "year": [2019, 2019],
                         "value": [111.0, 222.5], "note": ["表1!C3", ""]}),
        B: pd.DataFrame({"indicator_id": ["hubs"], "adcode": ["150100"], "year": [2019], "value": [333.0],
                         "note": ["表1!C3"]}),
    }
    sha = {}
    for bid, df in batches.items():
        data = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
        (folder / "batches" / f"{bid}.csv").write_bytes(data)
        sha[bid] = hashlib.sha256(data).hexdigest()
    records = [
        {"batch_id": A, "action": "import", "at": "2024-03-01T10:15:00+08:00", "user": "张三",
         "file_name": "呼和浩特市2019.xlsx", "sha256": SHA_A, "n_new": 0, "n_changed": 2, "n_unchanged": 0,
         "rows": 2, "rows_sha256": sha[A]},
        {"batch_id": B, "action": "import", "at": "2024-03-02T09:00:00+08:00", "user": "李四",
         "file_name": "更正.xlsx", "sha256": SHA_B, "n_new": 0, "n_changed": 1, "n_unchanged": 0,
         "rows": 1, "rows_sha256": sha[B]},
        {"batch_id": B, "action": "undo", "at": "2024-03-02T09:30:00+08:00", "user": "张三",
         "file_name": "更正.xlsx", "sha256": SHA_B, "n_new": 0, "n_changed": 1, "n_unchanged": 0},
    ]
    (folder / "audit.jsonl").write_bytes(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8"))
    return records


IMPORTED_SQL = ("SELECT o.adcode, o.value, o.status, o.locator, s.title, s.publisher, s.issued_on, s.locator "
                "FROM observations_best o JOIN sources s USING (source_id) "
                "WHERE o.indicator_id = 'hubs' AND o.year = 2019 AND o.adcode IN ('150100', '150200') ORDER BY 1")
EXPECTED = [
    ("150100", 111.0, "imported", f"导入文件 呼和浩特市2019.xlsx（批次 {A}）；表1!C3", "呼和浩特市2019.xlsx", "导入：张三",
     "2024-03-01", f"导入批次 {A}；文件 SHA-256 {SHA_A}；2024-03-01T10:15:00+08:00 由 张三 导入"),
    ("150200", 222.5, "imported", f"导入文件 呼和浩特市2019.xlsx（批次 {A}）", "呼和浩特市2019.xlsx", "导入：张三",
     "2024-03-01", f"导入批次 {A}；文件 SHA-256 {SHA_A}；2024-03-01T10:15:00+08:00 由 张三 导入"),
]


def shown() -> list[tuple]:
    con = build.connect(read_only=True)
    try:
        return [tuple(str(v) if k == 6 else v for k, v in enumerate(r)) for r in con.execute(IMPORTED_SQL).fetchall()]
    finally:
        con.close()


@pytest.fixture
def old_server(backend, tmp_path, monkeypatch):
    """A server of the previous release: a database built with its file ledger, no store yet."""
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    records = write_file_ledger(tmp_path / "imports")
    return tmp_path / "imports", records


def test_first_start_moves_the_file_ledger_into_the_store(old_server):
    folder, records = old_server
    files_before = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert build.rebuild_reason() == "不存在"
    build.ensure_database()  # first start
    assert shown() == EXPECTED
    assert ledger.active_batches() == [A]
    assert ledger.read_records() == [{k: v for k, v in r.items() if k != "rows_sha256"} for r in records]
    log = ledger.audit_log()
    assert log[["batch_id", "action", "user", "undone"]].values.tolist() == [
        [A, "import", "张三", False], [B, "import", "李四", True], [B, "undo", "张三", True]]
    # the old files are kept, untouched, as the backup
    assert {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name in files_before} == files_before
    # idempotent: a restart (new engine) copies nothing again
    store_engine.dispose_all()
    assert build.rebuild_reason() is None
    assert len(ledger.read_records()) == 3
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.batches)).scalar_one() == 2
        legacy = conn.execute(sa.select(schema.audit.c.what).where(schema.audit.c.action == "legacy_import")).scalars().all()
    assert [w["records"] for w in legacy] == [3]
    # undoing the migrated batch brings the sample value back; a new import works as before
    transaction.undo(A, user="王五")
    assert [r[2] for r in shown()] == ["sample", "sample"]
    transaction.commit(pd.DataFrame({"indicator_id": ["hubs"], "adcode": ["150200"], "year": [2019], "value": [9.0]}),
                       file_name="新.xlsx", sha256=SHA_A, user="王五", counts={"new": 1})
    assert shown()[1][:3] == ("150200", 9.0, "imported")


def test_records_added_later_by_the_old_release_are_copied_on_the_next_start(old_server):
    folder, records = old_server
    build.ensure_database()
    store_engine.dispose_all()
    # a rollback to the previous release undid batch A in the file ledger
    undo_a = {**{k: records[0][k] for k in ("batch_id", "file_name", "sha256", "n_new", "n_changed", "n_unchanged")},
              "action": "undo", "at": "2024-03-05T08:00:00+08:00", "user": "张三"}
    with open(folder / "audit.jsonl", "ab") as fh:
        fh.write((json.dumps(undo_a, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    assert build.rebuild_reason() == "导入记录有变化"
    build.ensure_database()
    assert ledger.active_batches() == []
    assert [r[2] for r in shown()] == ["sample", "sample"]


def test_a_damaged_file_ledger_is_refused_with_a_chinese_message(old_server):
    folder, _ = old_server
    (folder / "batches" / f"{A}.csv").write_text("indicator_id,adcode,year,value,note\nhubs,150100,2019,1,\n")
    with pytest.raises(ledger.StoreUnavailable) as info:
        ledger.read_records()
    assert str(info.value) == f"旧导入批次 {A} 的数据文件已被改动，请从备份恢复导入目录"
    (folder / "batches" / f"{A}.csv").unlink()
    with pytest.raises(ledger.StoreUnavailable) as info:
        ledger.read_records()
    assert str(info.value) == f"旧导入批次 {A} 的数据文件缺失，请从备份恢复导入目录"
