"""PostgreSQL for the store tests: a fresh database per test on the server of ``NMGDASH_TEST_PG_URL``.

Without ``NMGDASH_TEST_PG_URL`` the PostgreSQL variants skip with a message, unless
``NMGDASH_REQUIRE_POSTGRES=1`` (``.ci/run`` sets both and starts a throwaway cluster with
``.ci/pg-cluster``), then they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from nmgdash.storage.store import engine as store_engine

SKIP_MESSAGE = ("PostgreSQL store tests skipped: set NMGDASH_TEST_PG_URL=postgresql+psycopg://… "
                "(.ci/pg-cluster start prints one), or NMGDASH_REQUIRE_POSTGRES=1 to make this fail")


def server_url() -> str:
    """The test server's URL, or skip/fail (see the module docstring)."""
    url = os.environ.get("NMGDASH_TEST_PG_URL", "").strip()
    if not url:
        if os.environ.get("NMGDASH_REQUIRE_POSTGRES") == "1":
            pytest.fail("NMGDASH_REQUIRE_POSTGRES=1 but NMGDASH_TEST_PG_URL is not set")
        pytest.skip(SKIP_MESSAGE)
    return url


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty database on the test server; yield its URL; drop it afterwards."""
    base = sa.make_url(server_url())
    name = f"nmgdash_t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("NMGDASH_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL at NMGDASH_TEST_PG_URL cannot be reached: {exc.orig}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        store_engine.dispose_all()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, monkeypatch) -> Iterator[str]:
    """Run a test on the default SQLite store and on a fresh PostgreSQL database
    (``NMGDASH_STORE_URL`` set for the test and its child processes). Yields the backend name."""
    if request.param == "sqlite":
        monkeypatch.delenv("NMGDASH_STORE_URL", raising=False)
        yield "sqlite"
        return
    with fresh_database() as url:
        monkeypatch.setenv("NMGDASH_STORE_URL", url)
        yield "postgresql"
