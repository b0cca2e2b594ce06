"""Where the project's files live.

``NMGDASH_DB`` overrides the database path (tests), ``NMGDASH_IMPORTS`` the folder of
imported batches (default ``data/imports/``, git-ignored; see README "导入数据的存放与备份").
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
GEO_DIR = DATA_DIR / "geo"
QUERY_DIR = ROOT / "queries"


def db_path() -> Path:
    """Path of the DuckDB build artefact (default ``data/reform.duckdb``).

    Since builds are versioned this is a symlink to the newest build
    (``reform-<ns>-<pid>.duckdb`` beside it); see :mod:`nmgdash.db`.
    """
    return Path(os.environ.get("NMGDASH_DB", DATA_DIR / "reform.duckdb"))


def imports_dir() -> Path:
    """Folder of the import ledger (env ``NMGDASH_IMPORTS``, default ``data/imports/``)."""
    return Path(os.environ.get("NMGDASH_IMPORTS", DATA_DIR / "imports"))


def file_stamp(path: str | os.PathLike) -> tuple[int, int]:
    """A cheap change stamp of a file for cache keys: ``(st_mtime_ns, st_size)``.

    Follows symlinks. A missing file gives ``(0, -1)`` (so it still hashes, and
    changes once the file appears). Use it as an extra argument of an
    ``st.cache_data``/``st.cache_resource`` function, e.g.
    ``load_layer_cached(level, paths.file_stamp(GEO_DIR / "leagues.geojson"))``,
    so the cache is invalidated when the file changes.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)
