"""python -m nmgdash import/undo/log/template: exit codes, printed preview and errors, and no change
on a dry run, a rejected file or an unconfirmed warning."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from nmgdash.cli import EXIT_OK, EXIT_REJECTED, EXIT_UNCONFIRMED, main
from nmgdash.storage import accounts, ledger

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "import-cases"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "reform.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return tmp_path


def test_cli_flow(env, capsys, monkeypatch):
    assert main(["import", str(CASES / "s01_clean.xlsx"), "--dry-run"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "将导入 36 个数值：新增 0，修改 36，不变 0" in out and "试运行" in out
    assert ledger.audit_log().empty

    assert main(["import", str(CASES / "s10_negative_count.xlsx"), "--yes"]) == EXIT_REJECTED
    captured = capsys.readouterr()
    assert "「s10_negative_count.xlsx」工作表“2019年”第7行C列（C7）：数量不能为负数" in captured.out
    assert "数据库未作任何修改" in captured.err
    assert ledger.audit_log().empty

    # warnings and no answer on stdin: refused, nothing imported
    assert main(["import", str(CASES / "s05_two_row_header.xlsx")]) == EXIT_UNCONFIRMED
    assert "未确认" in capsys.readouterr().err and ledger.audit_log().empty

    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    accounts.create_account("张三", "correct horse battery", "admin", "内蒙古自治区")  # --user acts as an account
    assert main(["import", str(CASES / "s05_two_row_header.xlsx"), "--user", "张三"]) == EXIT_OK
    log = ledger.audit_log()
    assert log[["action", "user", "file_name", "n_new", "n_changed"]].values.tolist() == [
        ["import", "张三", "s05_two_row_header.xlsx", 0, 48]]
    batch = log.iloc[0]["batch_id"]
    assert f"已导入：批次 {batch}" in capsys.readouterr().out

    assert main(["log"]) == EXIT_OK and batch in capsys.readouterr().out
    assert main(["undo", batch, "--user", "张三"]) == EXIT_OK
    assert main(["undo", batch]) == EXIT_REJECTED
    assert ledger.audit_log()["action"].tolist() == ["import", "undo"]


def test_cli_template_and_missing_file(env, capsys):
    out = env / "模板.xlsx"
    assert main(["template", "-o", str(out), "--year", "2019"]) == EXIT_OK
    assert main(["import", str(out), "--dry-run"]) == EXIT_REJECTED  # an empty template has no values
    assert "没有可导入的数值" in capsys.readouterr().out
    assert main(["import", str(env / "nope.xlsx")]) == EXIT_REJECTED


def test_python_dash_m_rejects_with_nonzero_exit(tmp_path):
    env = {**os.environ, "NMGDASH_DB": str(tmp_path / "reform.duckdb"), "NMGDASH_IMPORTS": str(tmp_path / "imports")}
    proc = subprocess.run([sys.executable, "-m", "nmgdash", "import", str(CASES / "s09_total_row_mismatch.xlsx")],
                          cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == EXIT_REJECTED
    assert "（C14）：合计 1040 与各盟市之和 1042 不一致" in proc.stdout
    assert not (tmp_path / "imports" / "batches").exists()
    store = sqlite3.connect(tmp_path / "imports" / "store.sqlite3")
    assert store.execute("SELECT published_version, (SELECT count(*) FROM batches) FROM meta").fetchone() == (0, 0)
    store.close()
