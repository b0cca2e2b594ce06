"""Where the project's files live. ``NMGDASH_DB`` overrides the database path (tests)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
GEO_DIR = DATA_DIR / "geo"
QUERY_DIR = ROOT / "queries"


def db_path() -> Path:
    """Path of the DuckDB build artefact (default ``data/reform.duckdb``)."""
    return Path(os.environ.get("NMGDASH_DB", DATA_DIR / "reform.duckdb"))
