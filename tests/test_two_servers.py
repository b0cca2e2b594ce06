"""Two dashboard servers, one store (issue 15 "Several servers, one store").

Two real Streamlit servers with separate data folders (their own NMGDASH_DB build and NMGDASH_IMPORTS
folder) share one PostgreSQL store (NMGDASH_STORE_URL on a fresh database from tests/pg.py). An import
committed by the operator's CLI with server A's settings shows on server B at its next page run, and an
undo made with B's settings shows on A, with no restart: each server's
:class:`nmgdash.storage.database.Database` compares its build's store stamp with the store's published one
at most every ``STORE_CHECK_SECONDS`` and rebuilds its local DuckDB cache when they differ.

The pages are run over Streamlit's own websocket protocol (tests/st_client.py), as a browser tab would.
Skips without PostgreSQL (NMGDASH_TEST_PG_URL) unless NMGDASH_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
import pg
from st_client import run_page

from nmgdash.storage import database

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "import-cases"
#: s01_clean.xlsx sets 呼和浩特市's 青年爱里 in 2019 from the sample's 100 to 118 (rank 5 → 3).
HUBS_QUERY = "leagues=呼和浩特市&year=2019"
SAMPLE = "所选：呼和浩特市第5位（100个）。"
IMPORTED = "所选：呼和浩特市第3位（118个）。"


def _env(folder: Path, store_url: str) -> dict[str, str]:
    folder.mkdir(parents=True)
    return {**os.environ, "NMGDASH_DB": str(folder / "reform.duckdb"), "NMGDASH_IMPORTS": str(folder / "imports"),
            "NMGDASH_STORE_URL": store_url, "PYTHONUNBUFFERED": "1", "NMGDASH_USER": "operator"}


def _cli(env: dict[str, str], *args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "nmgdash", *args], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r.stdout


def _summary(base: str) -> str:
    """The hubs page's summary line for 呼和浩特市 in 2019 from a fresh session (one page run)."""
    run = run_page(base, "hubs", HUBS_QUERY, timeout_s=120)
    assert run.finished and not run.exceptions, (run.finished, run.exceptions)
    lines = [t for t in run.texts if t.startswith("**摘要：**")]
    assert len(lines) == 1, run.texts
    return lines[0]


NOTHING_TO_UNDO = "没有可以撤销的导入批次。"


def _log_texts(base: str) -> tuple[list[str], bool]:
    """From a fresh session of 数据管理: the undo list's entries (markdown naming each batch in effect)
    and whether the list says there is nothing to undo."""
    run = run_page(base, "data", timeout_s=120)
    assert run.finished and not run.exceptions, (run.finished, run.exceptions)
    return [t for t in run.texts if "批次 `" in t], NOTHING_TO_UNDO in run.texts


def test_a_commit_on_one_server_shows_on_the_other_without_restart(tmp_path):
    with pg.fresh_database() as url, ExitStack() as stack:
        env_a, env_b = _env(tmp_path / "a", url), _env(tmp_path / "b", url)
        base_a = stack.enter_context(bu.streamlit_server(env_a, tmp_path / "a.log"))
        base_b = stack.enter_context(bu.streamlit_server(env_b, tmp_path / "b.log"))
        # both servers have built and serve their own cache of the (empty) store
        assert SAMPLE in _summary(base_a) and SAMPLE in _summary(base_b)
        assert _log_texts(base_b) == ([], True)

        # commit on A's side (the operator's CLI with A's folders); B's folders are never written by it
        out = _cli(env_a, "import", str(CASES / "s01_clean.xlsx"), "--yes")
        batch = re.search(r"已导入：批次 (\S+)（新增 0，修改 36，不变 0）", out)[1]
        committed = time.monotonic()
        assert not (tmp_path / "b" / "imports" / "audit.jsonl").exists()

        # B: the next run after its stamp check interval shows the imported value and the batch
        time.sleep(database.STORE_CHECK_SECONDS + 0.2)
        assert IMPORTED in _summary(base_b)
        seen = time.monotonic() - committed
        log_b, nothing = _log_texts(base_b)
        assert not nothing
        assert len(log_b) == 1 and log_b[0].startswith("**s01_clean.xlsx** · "), log_b
        assert f"批次 `{batch}` · 新增 0 · 修改 36 · 不变 0" in log_b[0] and " · operator" in log_b[0], log_b
        assert seen < 30, f"B showed the commit only after {seen:.1f} s"

        # undo on B's side: A shows the sample value again; nothing is left to undo there
        assert IMPORTED in _summary(base_a)
        undo = _cli(env_b, "undo", batch)
        assert batch in undo, undo
        time.sleep(database.STORE_CHECK_SECONDS + 0.2)
        assert SAMPLE in _summary(base_a)
        assert _log_texts(base_a) == ([], True)
        assert SAMPLE in _summary(base_b)
