"""Every setting of the dashboard in one place: where its files live and each environment variable.

| variable | default | what it sets |
|---|---|---|
| ``NMGDASH_DB`` | ``data/reform.duckdb`` | the DuckDB build (a symlink to the newest versioned build) |
| ``NMGDASH_IMPORTS`` | ``data/imports/`` | the folder of what staff wrote (imported batches, audit log); empty = unset |
| ``NMGDASH_STORE_URL`` | SQLite ``store.sqlite3`` in the imports folder | the store of what staff wrote (SQLAlchemy URL, e.g. ``postgresql+psycopg://…``) |
| ``NMGDASH_CHROMIUM`` | ``/usr/bin/chromium`` | the Chromium that kaleido drives for PNG/PPTX exports |
| ``NMGDASH_USER`` | the login name | who the command line acts as (``python -m nmgdash import``) |

The README's settings table lists the same variables (``tests/test_docs.py`` checks it).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
GEO_DIR = DATA_DIR / "geo"
QUERY_DIR = ROOT / "queries"

#: The pre-reform baseline year: "较2017年变化" compares with it (the bulletin's reform began in 2018).
BASELINE_YEAR = 2017

#: The largest value one area may report, by what its unit measures (``nmgdash.core.rules.measure``):
#: a physical bound, above which a value is refused wherever it is written (import, reporting grid,
#: Excel upload, command line). ``people`` (人, 名) is further bounded by the area's census population
#: (data/leagues_census_2020.csv: a league's own, a county's league's); this figure is Inner Mongolia's
#: 2020 census population (24,049,155) rounded up. ``money`` is in 元 (1,000亿元 = 10,000,000 万元),
#: converted to the indicator's unit. Every bound is far below 2**53, so whole numbers stay exact.
VALUE_LIMITS = {"percent": 100.0, "people": 25_000_000.0, "count": 10_000_000.0, "money": 100_000_000_000.0,
                "amount": 1_000_000_000.0}

#: Most decimal places a value may have, by measure: a value with more is refused, not rounded.
VALUE_DECIMALS = {"count": 0, "percent": 2, "money": 2, "amount": 2}

#: Years a reporting round may be opened for: from the first year of the data (:data:`BASELINE_YEAR`)
#: to this many years after the current one.
REPORT_FIRST_YEAR = BASELINE_YEAR
REPORT_YEARS_AHEAD = 1

#: A round for year Y is due after Y has ended (deadline ≥ Y+1-01-01) and at the latest by the later
#: of the end of Y+1 and this many days from today (a late round for a past year may still get a
#: deadline a few months ahead).
REPORT_DEADLINE_HORIZON_DAYS = 366


def env(name: str, default: str | None = None) -> str | None:
    """The environment variable ``name``; an empty value counts as unset (``default``)."""
    value = os.environ.get(name, "")
    return value if value.strip() else default


def db_path() -> Path:
    """Path of the DuckDB build artefact (env ``NMGDASH_DB``, default ``data/reform.duckdb``).

    Since builds are versioned this is a symlink to the newest build
    (``reform-<ns>-<pid>.duckdb`` beside it); see :mod:`nmgdash.storage.build`.
    """
    return Path(env("NMGDASH_DB") or DATA_DIR / "reform.duckdb")


def imports_dir() -> Path:
    """Folder of what staff wrote (env ``NMGDASH_IMPORTS``, default ``data/imports/``)."""
    return Path(env("NMGDASH_IMPORTS") or DATA_DIR / "imports")


def store_url() -> str:
    """SQLAlchemy URL of the store (accounts, import batches, audit log): env ``NMGDASH_STORE_URL``,
    default a SQLite file ``store.sqlite3`` in :func:`imports_dir`. Use
    ``postgresql+psycopg://user:password@host/db`` when several servers share one store."""
    return env("NMGDASH_STORE_URL") or f"sqlite:///{(imports_dir() / 'store.sqlite3').resolve()}"


def chromium_path() -> Path:
    """The Chromium binary kaleido drives for image exports (env ``NMGDASH_CHROMIUM``)."""
    return Path(env("NMGDASH_CHROMIUM") or "/usr/bin/chromium")


def cli_user() -> str | None:
    """Who the command line acts as when ``--user`` is not given (env ``NMGDASH_USER``), or None."""
    return env("NMGDASH_USER")


def file_stamp(path: str | os.PathLike) -> tuple[int, int]:
    """A cheap change stamp of a file for cache keys: ``(st_mtime_ns, st_size)``.

    Follows symlinks. A missing file gives ``(0, -1)`` (so it still hashes, and
    changes once the file appears). Use it as an extra argument of an
    ``st.cache_data``/``st.cache_resource`` function, e.g.
    ``load_layer_cached(level, settings.file_stamp(GEO_DIR / "leagues.geojson"))``,
    so the cache is invalidated when the file changes.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)
