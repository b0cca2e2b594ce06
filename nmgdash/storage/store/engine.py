"""The store's engine: created from :func:`nmgdash.core.settings.store_url`, migrated on first use.

* SQLite (default ``<imports>/store.sqlite3``): WAL journal, foreign keys on, ``busy_timeout``
  :data:`BUSY_TIMEOUT_MS`.
* PostgreSQL (``NMGDASH_STORE_URL=postgresql+psycopg://…``): writers of all servers are serialised
  by an advisory lock (:func:`advisory_lock`).

:func:`engine` creates one engine per URL (tests switch folders and URLs), runs the Alembic
migrations up to :data:`schema.HEAD` and moves a file ledger of the previous release into the store
(:mod:`.legacy`). Faults surface as :class:`StoreUnavailable` with a Chinese message and no path.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ...core import settings
from ...core.i18n import t
from . import common, legacy

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

#: How long SQLite waits for another writer before "database is locked" (milliseconds).
BUSY_TIMEOUT_MS = 10_000

#: Key of the PostgreSQL advisory lock that serialises imports, undos and account writes.
ADVISORY_KEY = 0x6E6D6764  # "nmgd"

UNAVAILABLE = t("store_unavailable", "zh")
UNAVAILABLE_EN = t("store_unavailable", "en")

_engines: dict[str, sa.Engine] = {}
#: URL → errno (EROFS or ENOSPC) of an embedded store opened read-only because its folder is
#: read-only or full: reading works, a write raises OSError with that errno (see :func:`begin`).
_read_only: dict[str, int] = {}
_guard = threading.Lock()


class StoreUnavailable(RuntimeError):
    """The store cannot be reached, is read-only or full. ``str()`` is Chinese, without paths;
    the cause is chained (``__cause__``)."""

    def __init__(self, message: str = UNAVAILABLE) -> None:
        self.message_zh, self.message_en = message, UNAVAILABLE_EN
        super().__init__(message)


def _sqlite_pragmas(dbapi_con, _record) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_begin(con) -> None:
    # pysqlite's own BEGIN handling is off (see create); a write transaction (begin()) takes the
    # write lock at once, so it waits for another writer instead of failing on upgrade
    con.exec_driver_sql("BEGIN IMMEDIATE" if con.info.get("write") else "BEGIN")


def create(url: str) -> sa.Engine:
    """A new engine for ``url`` (not migrated; see :func:`engine`)."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        eng = sa.create_engine(u, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None})
        sa.event.listen(eng, "connect", _sqlite_pragmas)
        sa.event.listen(eng, "begin", _sqlite_begin)
        return eng
    return sa.create_engine(u, pool_pre_ping=True)


def _folder_fault(url: str) -> int | None:
    """EROFS or ENOSPC when the folder of an existing embedded store cannot be written, else None."""
    u = sa.make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database:
        return None
    folder = Path(u.database).parent
    while not folder.is_dir() and folder != folder.parent:  # a folder that cannot be created: its parent
        folder = folder.parent
    try:
        if os.statvfs(folder).f_bavail == 0:
            return errno.ENOSPC
    except OSError:
        pass
    return None if os.access(folder, os.W_OK) else errno.EROFS


def _read_only_engine(url: str) -> sa.Engine:
    """The embedded store opened read-only and immutable (no journal or -shm file is created): for a
    folder nobody can write. A store that was never created there reads as an empty one (nothing was
    imported). Raises StoreUnavailable when its schema is not the current one."""
    path = sa.make_url(url).database
    if not Path(path).exists():
        eng = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False})
        migrate(eng)
        return eng
    eng = sa.create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true",
                           connect_args={"isolation_level": None})
    with eng.connect() as conn:
        rev = revision(conn)
    script = ScriptDirectory.from_config(_alembic_config())
    if rev != script.get_current_head():
        eng.dispose()
        raise StoreUnavailable()
    return eng


def revision(conn: sa.Connection) -> str | None:
    """The Alembic revision of the store on ``conn`` (None for an empty store)."""
    return MigrationContext.configure(conn).get_current_revision()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(eng: sa.Engine, to: str = "head") -> None:
    """Run the Alembic migrations on ``eng`` up to ``to`` (default: the newest). Idempotent."""
    cfg = _alembic_config()
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)


def engine() -> sa.Engine:
    """The migrated engine of the configured store (one per URL, created on first use).

    On first use the migrations run and a file ledger of the previous release is moved in
    (:func:`.legacy.import_file_ledger`). Raises :class:`StoreUnavailable`.
    """
    url = settings.store_url()
    eng = _engines.get(url)
    if eng is not None:
        return eng
    with _guard:
        eng = _engines.get(url)
        if eng is None:
            try:
                eng = create(url)
                migrate(eng)
                legacy.import_file_ledger(eng)
            except legacy.LegacyLedgerError as exc:
                eng.dispose()
                raise StoreUnavailable(str(exc)) from exc
            except (sa.exc.SQLAlchemyError, OSError) as exc:
                fault = _folder_fault(url)
                if fault is None:
                    raise StoreUnavailable() from exc
                eng = _read_only_engine(url)  # viewing keeps working; writes get a clear message
                _read_only[url] = fault
            _engines[url] = eng
    return eng


def dispose_all() -> None:
    """Close every engine's connections and forget them (tests that drop a database)."""
    with _guard:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()
        _read_only.clear()


@contextmanager
def begin() -> Iterator[sa.Connection]:
    """A write transaction on the store (committed on exit, rolled back on error).

    Raises :class:`StoreUnavailable` when the store cannot be reached or written, and OSError
    (EROFS or ENOSPC) while an embedded store's folder is read-only or full; once the folder is
    writable again the next write reopens the store for writing."""
    eng = engine()
    url = settings.store_url()
    if url in _read_only:
        fault = _folder_fault(url)
        if fault is not None:
            raise OSError(fault, os.strerror(fault))
        with _guard:
            _read_only.pop(url, None)
            _engines.pop(url, eng).dispose()
        eng = engine()
    try:
        with eng.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)
    except sa.exc.OperationalError as exc:
        raise StoreUnavailable() from exc


@contextmanager
def connect() -> Iterator[sa.Connection]:
    """A read-only use of the store (no commit). Raises :class:`StoreUnavailable`."""
    eng = engine()
    try:
        with eng.connect() as conn:
            yield conn
            conn.rollback()
    except sa.exc.OperationalError as exc:
        raise StoreUnavailable() from exc


def stamp() -> str:
    """The store's published stamp ``"<version>:<token>"`` (one cheap SELECT; a build records it).
    Raises :class:`StoreUnavailable`."""
    with connect() as c:
        return common.read_stamp(c)


def is_postgres() -> bool:
    """True when the configured store is PostgreSQL."""
    return sa.make_url(settings.store_url()).get_backend_name() == "postgresql"


class LockTimeout(Exception):
    """The advisory lock was not free within the timeout."""


@contextmanager
def advisory_lock(timeout: float) -> Iterator[None]:
    """On PostgreSQL, hold the session advisory lock :data:`ADVISORY_KEY` (all servers of one store
    share it; it dies with the connection). On SQLite a no-op (the file lock of the imports folder
    and SQLite's write lock serialise writers). Raises :class:`LockTimeout` after ``timeout`` s."""
    if not is_postgres():
        yield
        return
    eng = engine()
    with eng.connect() as conn:
        deadline = time.monotonic() + timeout
        while not conn.execute(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_KEY))).scalar_one():
            conn.rollback()
            if time.monotonic() >= deadline:
                raise LockTimeout
            time.sleep(0.05)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_KEY)))
            conn.commit()
