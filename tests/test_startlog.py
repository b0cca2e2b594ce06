"""A start-up log a newcomer does not mistake for an error (issue 17, "Words").

On a fresh copy of the repository (the files git knows, nothing built, plotly.js only as the committed static/plotly-basic.min.js),
``python -m nmgdash db`` says what it did in one line, and the server that ``make run`` starts
prints its address and nothing that reads like a fault: no "WARNING" (Streamlit used to warn
"Static file serving is enabled, but no static folder found", because static/ was only created by
the first map), no "不存在" (the old "built (不存在)" line), no traceback. One server, one page run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_util import streamlit_server
from tests.conftest import ROOT
from tests.st_client import run_page

#: What must not appear in a start-up log.
ALARMING = re.compile(r"warn|error|traceback|exception|不存在|failed|失败|please go to", re.IGNORECASE)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The repository as a fresh clone has it: tracked and new files, nothing ignored or built."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    dest = tmp_path_factory.mktemp("fresh") / "repo"
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    assert (dest / "static" / "plotly-basic.min.js").is_file() and not list((dest / "data").glob("*.duckdb"))
    return dest


def _env(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NMGDASH_")}
    return env | {"NMGDASH_DB": str(root / "data" / "reform.duckdb"), "NMGDASH_IMPORTS": str(root / "data" / "imports")}


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nmgdash", *args], cwd=root, env=_env(root), capture_output=True,
                          text=True, timeout=300)


def test_db_on_a_fresh_copy_says_what_it_did(fresh):
    first = _cli(fresh, "db")
    assert first.returncode == 0 and first.stderr == ""
    assert first.stdout == f"数据库已构建（首次运行）：{fresh / 'data' / 'reform.duckdb'}\n"
    again = _cli(fresh, "db")
    assert again.stdout == f"数据库为最新：{fresh / 'data' / 'reform.duckdb'}\n" and again.stderr == ""
    rebuilt = _cli(fresh, "rebuild")
    assert rebuilt.returncode == 0 and rebuilt.stderr == ""
    assert re.fullmatch(r"数据库已重建：\S+，用时 [\d.]+ 秒，areas 116 行、indicators \d+ 行、sources \d+ 行、"
                        r"observations \d+ 行、innovations \d+ 行\n", rebuilt.stdout), rebuilt.stdout
    for out in (first.stdout, again.stdout, rebuilt.stdout):
        assert not ALARMING.search(out) and "{" not in out


def test_server_start_log_has_no_warning(fresh, tmp_path):
    """The server as ``make run`` starts it (after ``make db``), then one page run."""
    assert (fresh / "static").is_dir()  # in the repository: Streamlit's static serving finds its folder
    log = tmp_path / "server.log"
    with streamlit_server(_env(fresh), log, root=fresh) as base:
        run = run_page(base, "hubs")
        assert run.finished and not run.exceptions
    lines = [ln for ln in log.read_text().splitlines() if ln.strip()]
    assert [ln for ln in lines if ALARMING.search(ln)] == []
    assert any("You can now view your Streamlit app in your browser" in ln for ln in lines)
