"""The dashboard's read handle on the current DuckDB build (see :mod:`nmgdash.storage.build`).

:class:`Database` is thread-safe, follows rebuilds (a cursor per query, old connections closed
once idle) and turns faults into :class:`DatabaseUnavailable` with a Chinese message and no path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import duckdb
import pandas as pd

from ..core.i18n import t
from ..core.settings import db_path
from . import ledger, queries
from .build import MISSING, ensure_database, is_lock_error, is_readonly_error, rebuild_reason, resolve

#: The warning of a database that is usable but could not be rebuilt (e.g. read-only data/).
STALE_WARNING = t("db_stale", "zh")
STALE_WARNING_EN = t("db_stale", "en")


#: How often (seconds) :class:`Database` compares its build with the store's published stamp.
STORE_CHECK_SECONDS = 2.0


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened. ``str()`` is a Chinese message for the page, with no path.

    Attributes: ``kind`` (one of :attr:`MESSAGES`' keys), ``message_zh``, ``message_en``.
    The cause (with paths, for the server log) is chained as ``__cause__``.
    """

    MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {
        kind: (t(f"db_{kind}", "zh"), t(f"db_{kind}", "en"))
        for kind in ("corrupt", "busy", "missing", "readonly_missing", "build_failed")
    }

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.message_zh, self.message_en = self.MESSAGES[kind]
        super().__init__(self.message_zh)



# --- the app's handle ---------------------------------------------------------------


@dataclass(eq=False)
class _Handle:
    target: Path
    con: duckdb.DuckDBPyConnection
    stamp: str | None = None
    refs: int = 0
    retired: bool = False


class Database:
    """Thread-safe read-only access to the current build that follows rebuilds.

    ``with database.cursor() as cur: queries.run(cur, "areas", ...)`` — each call checks the
    ``reform.duckdb`` symlink (one ``readlink``); when a new build has been published it opens a
    connection to the new file and hands out cursors from it. A connection to an older build is
    closed when its last cursor is returned, so a query that is running during a swap finishes
    on the old build. One instance per server process (``st.cache_resource``).

    On first use (and after a fault) the database is checked with :func:`rebuild_reason` and
    rebuilt when needed (``auto_build``). Faults raise :class:`DatabaseUnavailable` with a Chinese
    message and no path; the next call tries again, so the app recovers once the fault is gone.
    When a new build cannot be opened but an older one is open, the older one keeps serving.
    At most every :data:`STORE_CHECK_SECONDS` a cursor also compares the build's store stamp with
    the store's (one SELECT) and rebuilds when another server (or process) changed the store.
    :attr:`warning` is set when the database is usable but could not be rebuilt (read-only
    ``data/``): show it on the page.
    """

    def __init__(self, path: Path | None = None, *, auto_build: bool = True) -> None:
        self.path = Path(path or db_path())
        self.auto_build = auto_build
        self._lock = threading.Lock()
        self._current: _Handle | None = None
        self._open_handles: list[_Handle] = []
        self._checked = time.monotonic()
        #: Chinese warning for the page (e.g. :data:`STALE_WARNING`) or None.
        self.warning: str | None = None
        #: The same warning in English, or None.
        self.warning_en: str | None = None

    @property
    def version(self) -> str | None:
        """Name of the build the next cursor reads (cheap; use it in ``st.cache_data`` keys).

        Like a cursor, it first compares the build with the store's published stamp (throttled, see
        :data:`STORE_CHECK_SECONDS`) and rebuilds when another server changed the store, so cached
        results keyed on it follow commits made elsewhere."""
        self._follow_store()
        target = resolve(self.path)
        if target is None and self._current is not None:
            target = self._current.target
        return target.name if target else None

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the newest build, closed on exit. Raises :class:`DatabaseUnavailable`."""
        handle = self._acquire()
        try:
            cur = handle.con.cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._release(handle)

    def run(self, name: str, **params: object) -> pd.DataFrame:
        """``queries.run`` on a fresh cursor of the newest build (see :func:`nmgdash.storage.queries.run`)."""
        with self.cursor() as cur:
            return queries.run(cur, name, **params)

    def open_connections(self) -> int:
        """How many DuckDB connections this handle holds open (current + retired in use)."""
        with self._lock:
            return len(self._open_handles)

    def close(self) -> None:
        """Close every connection (cursors in use become invalid)."""
        with self._lock:
            for h in self._open_handles:
                h.con.close()
            self._open_handles.clear()
            self._current = None

    # internals

    def _follow_store(self) -> None:
        """Rebuild when the store's stamp differs from the current build's (throttled)."""
        cur = self._current
        if not self.auto_build or cur is None or time.monotonic() - self._checked < STORE_CHECK_SECONDS:
            return
        self._checked = time.monotonic()
        try:
            if ledger.ledger_stamp() == cur.stamp:
                return
            ensure_database(self.path)
            self.warning = self.warning_en = None
        except Exception:  # store unreachable or build failed: keep serving the last good build
            self.warning, self.warning_en = STALE_WARNING, STALE_WARNING_EN

    def _acquire(self) -> _Handle:
        self._follow_store()
        with self._lock:
            cur = self._current
            target = resolve(self.path)
            if cur is not None and (target is None or target == cur.target):
                cur.refs += 1
                return cur
            try:
                handle = self._open_new(target) if cur is not None else self._open_first()
            except DatabaseUnavailable:
                if cur is None:
                    raise
                cur.refs += 1  # keep serving the last good build
                return cur
            if cur is not None:
                cur.retired = True
                if cur.refs == 0:
                    self._close(cur)
            self._current = handle
            self._open_handles.append(handle)
            handle.refs += 1
            return handle

    def _release(self, handle: _Handle) -> None:
        with self._lock:
            handle.refs -= 1
            if handle.retired and handle.refs == 0:
                self._close(handle)

    def _close(self, handle: _Handle) -> None:
        try:
            handle.con.close()
        finally:
            if handle in self._open_handles:
                self._open_handles.remove(handle)

    def _open_first(self) -> _Handle:
        self.warning = self.warning_en = None
        reason = rebuild_reason(self.path)
        if reason is not None:
            usable = reason.usable
            if not self.auto_build:
                if not usable:
                    raise DatabaseUnavailable("corrupt" if resolve(self.path) else "missing")
                self.warning, self.warning_en = STALE_WARNING, STALE_WARNING_EN
            else:
                try:
                    ensure_database(self.path)
                except ledger.ImportBusy as exc:
                    if not usable:
                        raise DatabaseUnavailable("busy") from exc
                except Exception as exc:
                    if not usable:
                        if is_readonly_error(exc):
                            kind = "readonly_missing" if reason.code == MISSING else "corrupt"
                        else:
                            kind = "build_failed"
                        raise DatabaseUnavailable(kind) from exc
                    self.warning, self.warning_en = STALE_WARNING, STALE_WARNING_EN
        return self._open_new(resolve(self.path))

    def _open_new(self, target: Path | None) -> _Handle:
        for _attempt in range(3):
            if target is None:
                raise DatabaseUnavailable("build_failed")
            try:
                con = duckdb.connect(str(target), read_only=True)
            except duckdb.Error as exc:
                if is_lock_error(exc):
                    raise DatabaseUnavailable("busy") from exc
                if not target.exists():  # pruned between readlink and connect: follow the link again
                    target = resolve(self.path)
                    continue
                raise DatabaseUnavailable("corrupt") from exc
            try:
                queries.rows(con, "build_health")
                stamp_rows = queries.rows(con, "build_stamp")
                row = stamp_rows[0] if stamp_rows else None
            except duckdb.Error as exc:
                con.close()
                raise DatabaseUnavailable("corrupt") from exc
            return _Handle(target, con, row[0] if row else None)
        raise DatabaseUnavailable("busy")


