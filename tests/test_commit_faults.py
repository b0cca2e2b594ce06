"""Faults around a commit (issue 14 §4): a plan committed after another import changed the same cells
(counts and warnings recomputed under the lock), a killed commit, a read-only or full import folder
(where the embedded store lives), and the CLI's messages for them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from crashpoints import paused_at

from nmgdash import ingest
from nmgdash.core import settings
from nmgdash.storage import build, ledger

ROOT = Path(__file__).resolve().parents[1]

LEAGUES = ["呼和浩特市", "包头市", "乌海市", "赤峰市", "通辽市", "鄂尔多斯市",
           "呼伦贝尔市", "巴彦淖尔市", "乌兰察布市", "兴安盟", "锡林郭勒盟", "阿拉善盟"]


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    """A private database and imports folder, built from data/ (sample values only)."""
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    build.build_database()
    return tmp_path


def hubs_csv(year: int, values: list[int]) -> bytes:
    lines = ["盟市,年份,青年爱里数量（个）"] + [f"{n},{year},{v}" for n, v in zip(LEAGUES, values)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def plan_for(year: int, values: list[int], name: str) -> ingest.ImportPlan:
    con = build.connect(read_only=True)
    try:
        return ingest.load_file(hubs_csv(year, values), name, con)
    finally:
        con.close()


def hubs_2019() -> list[float]:
    con = build.connect(read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT value FROM observations_best WHERE indicator_id = 'hubs' AND year = 2019 "
            "AND adcode IN (SELECT adcode FROM areas WHERE level = 'league') ORDER BY adcode").fetchall()]
    finally:
        con.close()


def test_counts_are_recomputed_under_the_lock(store_dir):
    """Plan A was previewed when the database already held its values (12 unchanged); another import
    changed the same 12 cells before A was committed: the audit log records 修改 12 (used to say 0)."""
    a_values = [1001 + 7 * i for i in range(12)]
    assert ingest.commit(plan_for(2019, a_values, "first.csv"), user="甲", accept_warnings=True)
    plan_a = plan_for(2019, a_values, "a.csv")
    assert plan_a.counts == {"new": 0, "changed": 0, "unchanged": 12}
    plan_b = plan_for(2019, [v + 1 for v in a_values], "b.csv")
    assert plan_b.counts == {"new": 0, "changed": 12, "unchanged": 0}
    warnings_a = [w.text for w in plan_a.warnings]
    ingest.commit(plan_b, user="乙", accept_warnings=True)
    ingest.commit(plan_a, user="甲", accept_warnings=True)  # same warnings (none depend on 2019 values)
    log = ledger.audit_log()
    assert log[["file_name", "n_new", "n_changed", "n_unchanged"]].values.tolist() == [
        ["first.csv", 0, 12, 0], ["b.csv", 0, 12, 0], ["a.csv", 0, 12, 0]]
    assert plan_a.counts == {"new": 0, "changed": 12, "unchanged": 0}
    assert [w.text for w in plan_a.warnings] == warnings_a
    assert sorted(hubs_2019()) == [float(v) for v in a_values]


def test_plan_whose_warnings_changed_is_refused(store_dir):
    """Plan A (2019) had no year-on-year warning when previewed; meanwhile an import of 2018 values
    makes A's 2019 values jump by 900 %: A is refused with ConfirmationRequired, nothing changes."""
    plan_a = plan_for(2019, [100] * 12, "a.csv")
    assert not [w for w in plan_a.warnings if w.kind == "yoy_jump"]
    ingest.commit(plan_for(2018, [10] * 12, "b2018.csv"), user="乙", accept_warnings=True)
    before_log, before_values = ledger.audit_log(), hubs_2019()
    before_records = ledger.read_records()
    with pytest.raises(ingest.ConfirmationRequired) as info:
        ingest.commit(plan_a, user="甲", accept_warnings=True)
    exc = info.value
    assert exc.changed
    assert str(exc) == exc.message_zh == ("在您检查预览期间，其他人导入或撤销了数据，本文件的警告已随之变化；本次未导入任何数据。"
                                          "请重新检查预览和警告后再确认导入。")
    assert len([w for w in exc.warnings if w.kind == "yoy_jump"]) == 12
    pd.testing.assert_frame_equal(ledger.audit_log(), before_log)
    assert hubs_2019() == before_values
    assert ledger.read_records() == before_records


# --- leftovers of a killed commit ------------------------------------------------------------

KILLED_COMMIT = textwrap.dedent("""
    import pandas as pd
    from nmgdash.storage import transaction
    rows = pd.DataFrame({"indicator_id": "hubs", "adcode": ["150100", "150200"], "year": 2019, "value": 500.0})
    print(transaction.commit(rows, file_name="killed.xlsx", sha256="ff" * 32, user="k", counts={"new": 2}), flush=True)
""")


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_killed_commit_leaves_nothing_behind(store_dir):
    """A commit killed inside its store transaction (batch written, not committed) leaves no record, no
    half batch and no half build: the store rolls back, and the next commit cleans the build's files."""
    proc = subprocess.Popen([sys.executable, "-c", paused_at("commit_batch_written", KILLED_COMMIT)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "PAUSED commit_batch_written"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert ledger.read_records() == [] and ledger.audit_log().empty
    batch = ingest.commit(plan_for(2019, [1001 + 7 * i for i in range(12)], "next.csv"), user="甲",
                          accept_warnings=True)
    assert [r["batch_id"] for r in ledger.read_records()] == [batch]
    assert ledger.audit_log()["file_name"].tolist() == ["next.csv"]
    assert build.build_files()["building"] == []
    assert hubs_2019()[0] == 1001.0


# --- settings ---------------------------------------------------------------------------------


def test_empty_imports_setting_counts_as_unset(monkeypatch):
    monkeypatch.setenv("NMGDASH_IMPORTS", "")
    assert settings.imports_dir() == settings.DATA_DIR / "imports"
    monkeypatch.setenv("NMGDASH_IMPORTS", "  ")
    assert ledger.imports_dir() == settings.DATA_DIR / "imports"
    monkeypatch.setenv("NMGDASH_DB", "")
    assert settings.db_path() == settings.DATA_DIR / "reform.duckdb"


# --- read-only and full folders (real mounts in a private mount namespace) -------------------


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    r = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && mount --bind /tmp /tmp "
                        "&& mount -o remount,ro,bind /tmp /tmp"], capture_output=True)
    return r.returncode == 0


needs_unshare = pytest.mark.skipif(not _unshare_works(), reason="needs unshare -m (mount namespace) and tmpfs mounts")

FAULT_PROBE = textwrap.dedent("""
    import json, subprocess, sys
    from nmgdash import ingest
    from nmgdash.storage import build, ledger, transaction
    from nmgdash.storage.database import Database
    out = {}
    r = subprocess.run([sys.executable, "-m", "nmgdash", "db"], capture_output=True, text=True)
    out["db"] = [r.returncode, r.stdout.strip(), r.stderr.strip()]
    d = Database()
    out["value"] = d.run("years", published_only=False).shape[0]
    out["warning"] = d.warning
    with d.cursor() as cur:
        out["imported"] = cur.execute("SELECT count(*) FROM observations_best WHERE status = 'imported'").fetchone()[0]
        plan = ingest.load_file(open(sys.argv[1], "rb").read(), "新文件.csv", cur)
    try:
        ingest.commit(plan, user="甲", accept_warnings=True)
    except ledger.WriteFailed as exc:
        out["commit"] = [exc.kind, str(exc)]
    try:
        transaction.undo(ledger.active_batches()[0], user="甲")
    except ledger.WriteFailed as exc:
        out["undo"] = [exc.kind, str(exc)]
    r = subprocess.run([sys.executable, "-m", "nmgdash", "import", sys.argv[1], "--yes"], capture_output=True, text=True)
    out["cli"] = [r.returncode, r.stderr.strip()]
    out["log"] = ledger.audit_log()["file_name"].tolist()
    print(json.dumps(out, ensure_ascii=False))
""")


def _probe(tmp_path, mount: str) -> dict:
    """Import one batch in a writable folder, then run FAULT_PROBE with the imports folder ``mount``ed."""
    imports, db = tmp_path / "imports", tmp_path / "db" / "r.duckdb"
    env = {**os.environ, "NMGDASH_DB": str(db), "NMGDASH_IMPORTS": str(imports)}
    first = tmp_path / "first.csv"
    first.write_bytes(hubs_csv(2019, [1001 + 7 * i for i in range(12)]))
    r = subprocess.run([sys.executable, "-m", "nmgdash", "import", str(first), "--yes"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for p in build.build_files(db)["versions"]:  # no database: `db` must rebuild it from the ledger
        p.unlink()
    db.unlink()
    second = tmp_path / "second.csv"
    second.write_bytes(hubs_csv(2019, [2001 + 7 * i for i in range(12)]))
    script = f"{mount} && exec \"$0\" -c \"$1\" \"$2\""
    r = subprocess.run(["unshare", "-m", "sh", "-c", script, sys.executable, FAULT_PROBE, str(second)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@needs_unshare
def test_readonly_import_folder_serves_and_refuses_writes_in_chinese(tmp_path):
    imports = tmp_path / "imports"
    out = _probe(tmp_path, f"mount --bind {imports} {imports} && mount -o remount,ro,bind {imports} {imports}")
    # viewing works: `db` rebuilt the database from the read-only ledger (without its lock file)
    assert out["db"][0] == 0 and out["db"][1].startswith("数据库已构建"), out["db"]
    assert out["value"] > 0 and out["warning"] is None and out["imported"] == 12
    msg = ("导入目录只读，无法保存导入或撤销；数据未作任何修改。"
           "请管理员把导入目录（NMGDASH_IMPORTS）和数据库所在目录设为可写后再试。")
    assert out["commit"] == ["readonly", msg] and out["undo"] == ["readonly", msg]
    assert out["cli"] == [1, msg]
    assert out["log"] == ["first.csv"]


@needs_unshare
def test_full_import_folder_refuses_writes_in_chinese(tmp_path):
    imports = tmp_path / "imports"
    mount = (f"cp -a {imports} {tmp_path}/saved && mount -t tmpfs -o size=256k tmpfs {imports} "
             f"&& cp -a {tmp_path}/saved/. {imports}/ && (dd if=/dev/zero of={imports}/fill bs=4k 2>/dev/null; true)")
    out = _probe(tmp_path, mount)
    assert out["db"][0] == 0 and out["imported"] == 12
    msg = "磁盘已满，无法保存导入或撤销；数据未作任何修改。请管理员清理服务器磁盘空间后再试。"
    assert out["commit"] == ["full", msg] and out["undo"] == ["full", msg]
    assert out["cli"] == [1, msg]
    assert out["log"] == ["first.csv"]
