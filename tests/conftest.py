"""Shared fixtures: every test session builds its own database in a temp dir (NMGDASH_DB),
so tests never touch data/reform.duckdb and always start from data/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="nmgdash-test-"))
os.environ["NMGDASH_DB"] = str(_TMP / "reform.duckdb")
os.environ["NMGDASH_IMPORTS"] = str(_TMP / "imports")  # never read or write the real ledger in data/imports
os.environ.pop("NMGDASH_STORE_URL", None)  # the store is the SQLite file in that folder unless a test sets one

from pg import backend  # noqa: F401 (fixture: the store tests run on SQLite and PostgreSQL)

from nmgdash.storage import build

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def con():
    """A connection to a freshly built test database."""
    build.build_database()
    c = build.connect(read_only=True)
    yield c
    c.close()

