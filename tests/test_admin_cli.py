"""The CLI walk-through of issue 7 end to end: ``python -m nmgdash import --yes`` → the database
shows the values as 已导入 with the file name as source → ``log`` → ``undo`` → the sample values
are back (tests/test_ingest_cli.py covers dry run, rejection and confirmation)."""

from __future__ import annotations

import hashlib
import io
import sys

import pytest

from nmgdash.cli import EXIT_OK, main
from nmgdash.storage import accounts, build, queries
from tests.conftest import ROOT

CASES = ROOT.parent / "shared" / "import-cases"
HUBS_2019 = ("SELECT o.adcode, o.value, o.status, s.title FROM observations_best o JOIN sources s USING (source_id) "
             "JOIN areas a USING (adcode) WHERE o.indicator_id = 'hubs' AND o.year = 2019 AND a.level = 'league' ORDER BY 1")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "reform.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    build.build_database()
    return tmp_path


def hubs_2019() -> list[tuple]:
    con = build.connect(read_only=True)
    try:
        return con.execute(HUBS_2019).fetchall()
    finally:
        con.close()


def test_cli_import_log_undo_round_trip(env, capsys):
    before = hubs_2019()
    assert {r[2] for r in before} == {"sample"}
    accounts.create_account("运维", "correct horse battery", "admin", "150000")  # --user acts as an account
    assert main(["import", str(CASES / "s01_clean.xlsx"), "--yes", "--user", "运维"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "将导入 36 个数值：新增 0，修改 36，不变 0" in out and "已导入：批次 " in out
    after = hubs_2019()
    assert {(r[2], r[3]) for r in after} == {("imported", "s01_clean.xlsx")}
    assert dict((r[0], r[1]) for r in after)["150100"] == 118 and sum(r[1] for r in after) == 1042

    assert main(["log"]) == EXIT_OK
    log = capsys.readouterr().out
    sha = hashlib.sha256((CASES / "s01_clean.xlsx").read_bytes()).hexdigest()
    assert "s01_clean.xlsx" in log and sha in log and "运维" in log
    batch = next(line.split()[0] for line in log.splitlines() if "s01_clean.xlsx" in line)

    assert main(["undo", batch, "--user", "运维"]) == EXIT_OK
    assert f"已撤销批次 {batch}" in capsys.readouterr().out
    assert hubs_2019() == before
    con = build.connect(read_only=True)
    try:
        assert queries.run(con, "completeness", indicator_ids=["hubs"], year=2019)["status"].eq("sample").all()
    finally:
        con.close()
