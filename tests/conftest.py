"""Shared fixtures: every test session builds its own database in a temp dir (NMGDASH_DB),
so tests never touch data/reform.duckdb and always start from data/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="nmgdash-test-"))
os.environ["NMGDASH_DB"] = str(_TMP / "reform.duckdb")

from nmgdash import db  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def con():
    """A connection to a freshly built test database."""
    db.build_database()
    c = db.connect(read_only=True)
    yield c
    c.close()


def _navigation_mode_for_apptest() -> None:
    """AppTest resets ``PagesManager.uses_pages_directory`` before every run, and because this
    repo has a ``pages/`` folder the flag comes back True, so ``switch_page`` would execute a page
    file on its own (the old v1 multipage mode) without ``app.py``'s sidebar and navigation.
    The real server switches the flag off for good on its first run when ``st.navigation`` is
    called; this makes AppTest do the same from the start."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


_navigation_mode_for_apptest()
