"""The import ledger: accepted import batches and the audit log, kept in the store
(:mod:`nmgdash.storage.store`; SQLite ``<imports>/store.sqlite3`` by default, PostgreSQL with
``NMGDASH_STORE_URL``). The database build reads it.

The store holds each batch (``batches``), its rows (``batch_values``) and an audit row per import
and undo (``audit``; ``what`` is the ledger record: batch_id, action, at, user, file_name, sha256,
n_new, n_changed, n_unchanged, and ``rows`` for imports). Every commit and undo bumps the store's
published stamp (``meta``); a build records the stamp it read, so a changed store means
"rebuild" (:func:`ledger_stamp`, one SELECT). The imports folder keeps ``.lock``, the flock
target that serialises imports, undos and builds on this server; on PostgreSQL an advisory lock
serialises the writers of every server sharing the store.

Imported values get status ``imported`` (it outranks published/reference/sample in
``observations_best``) and one ``sources`` row per batch: ``source_id = 'import_<batch_id>'``,
``title`` = the uploaded file's name. When two active batches hold the same indicator/area/year,
the later one wins; undoing it brings the earlier value (or the sample/published one) back.
A file ledger of the previous release (``audit.jsonl`` + ``batches/``) is moved into the store on
first use (:mod:`nmgdash.storage.store.legacy`).
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..core import settings
from ..core.i18n import t
from .store import common, engine

LOCK_FILE = ".lock"

#: Seconds :func:`commit`/:func:`undo` wait for another import, undo or build before ImportBusy.
LOCK_TIMEOUT = 10.0

BUSY_MESSAGE = t("store_busy", "zh")
BUSY_MESSAGE_EN = t("store_busy", "en")

#: errno values of a folder that cannot be written (read-only mount, no permission) and of a full disk.
READONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)
FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)

AUDIT_COLUMNS = [
    "batch_id", "action", "at", "user", "file_name", "sha256",
    "n_new", "n_changed", "n_unchanged", "undone",
]
ROW_COLUMNS = common.ROW_COLUMNS

#: The store cannot be reached, is read-only or full (Chinese message, no path).
StoreUnavailable = engine.StoreUnavailable


class ImportBusy(Exception):
    """Another import/undo/build holds the store lock. ``str()``: "另一项导入正在进行，请稍后再试"."""

    def __init__(self, message: str = BUSY_MESSAGE) -> None:
        self.message_zh, self.message_en = message, BUSY_MESSAGE_EN
        super().__init__(message)


class WriteFailed(OSError):
    """A write to the import folder (or the database beside it) failed; nothing was changed.

    ``kind``: ``"readonly"`` (EROFS/EACCES/EPERM), ``"full"`` (ENOSPC/EDQUOT) or ``"other"``;
    ``str()`` / ``message_zh`` and ``message_en`` say what is wrong and who can fix it, without
    paths; ``errno`` is the cause's; the cause (with the path, for the server log) is chained.
    """

    def __init__(self, kind: str, err: int | None = None) -> None:
        self.kind = kind
        self.message_zh, self.message_en = t(f"store_write_{kind}", "zh"), t(f"store_write_{kind}", "en")
        super().__init__(self.message_zh)
        self.errno = err

    @classmethod
    def from_error(cls, exc: BaseException) -> WriteFailed:
        """The WriteFailed for an OSError (or a DuckDB I/O error, recognised by its text)."""
        if isinstance(exc, WriteFailed):
            return exc
        err = getattr(exc, "errno", None)
        text = str(exc)
        if err in FULL_ERRNOS or "No space left on device" in text or "Disk quota exceeded" in text:
            return cls("full", err)
        if err in READONLY_ERRNOS or "Read-only file system" in text or "Permission denied" in text:
            return cls("readonly", err)
        return cls("other", err)


class LedgerError(RuntimeError):
    """The ledger is damaged (a batch without its rows). The message is Chinese and names the
    batch, not the server path."""


def imports_dir() -> Path:
    """Folder of the ledger: env ``NMGDASH_IMPORTS``, default ``data/imports/``."""
    return settings.imports_dir()


# --- lock ---------------------------------------------------------------------------

_held = threading.local()


@contextmanager
def lock(timeout: float | None = None, *, allow_unlocked: bool = False, shared: bool = True) -> Iterator[None]:
    """Hold the store's exclusive lock: ``fcntl.flock`` on ``<imports>/.lock`` and, with
    ``shared`` and a PostgreSQL store, the advisory lock every server of the store shares
    (a build of the local DuckDB cache passes ``shared=False``).

    Re-entrant within a thread. Another thread or process waits up to ``timeout`` seconds
    (default :data:`LOCK_TIMEOUT`), then gets :class:`ImportBusy`. The kernel (and PostgreSQL)
    release the lock when a process dies, so a killed import never leaves it behind. Raises
    OSError when the folder or the lock file cannot be created (e.g. read-only ``data/``) unless
    ``allow_unlocked``: then (for a build, which only reads) it goes on without the file lock,
    since nobody can write a folder that cannot be written. Raises StoreUnavailable.
    """
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    folder = imports_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if not (allow_unlocked and exc.errno in READONLY_ERRNOS):
            raise
        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDONLY)  # an existing lock file can still be locked
        except OSError:
            fd = None
    if fd is None:  # a read-only folder without a lock file: read without the file lock
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ImportBusy() from None
                time.sleep(0.05)
        _held.depth = 1
        try:
            if shared:
                try:
                    with engine.advisory_lock(max(0.0, deadline - time.monotonic())):
                        yield
                except engine.LockTimeout:
                    raise ImportBusy() from None
            else:
                yield
        finally:
            _held.depth = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- reading the ledger -------------------------------------------------------------------


def ledger_stamp() -> str:
    """The store's published stamp ``"<version>:<token>"`` (changes with every commit and undo;
    a build records it in ``build_info.store_stamp``). One SELECT. Raises StoreUnavailable."""
    return engine.stamp()


def read_records(conn: sa.Connection | None = None) -> list[dict]:
    """Every ledger record in the store, oldest first: dicts with the keys of
    :data:`AUDIT_COLUMNS` except ``undone`` (imports also ``rows``). ``conn``: read inside that
    store transaction (it sees its own uncommitted writes). Raises StoreUnavailable."""
    if conn is not None:
        return common.ledger_records(conn)
    with engine.connect() as c:
        return common.ledger_records(c)


def undone_ids(records: list[dict]) -> set[str]:
    """Batch ids of ``records`` that have been undone."""
    return {r["batch_id"] for r in records if r["action"] == "undo"}


def active_ids(records: list[dict]) -> list[str]:
    """Batch ids of ``records`` that are imported and not undone, in commit order."""
    undone = undone_ids(records)
    return [r["batch_id"] for r in records if r["action"] == "import" and r["batch_id"] not in undone]


def read_batch(batch_id: str, conn: sa.Connection | None = None) -> pd.DataFrame:
    """The rows of one batch: indicator_id (str), adcode (str), year (int64), value (float64),
    note (str). Raises :class:`LedgerError` when the store has no rows for it."""
    if conn is None:
        with engine.connect() as c:
            return read_batch(batch_id, c)
    df = common.batch_rows(conn, [batch_id])[batch_id]
    if df.empty:
        raise LedgerError(t("ledger_batch_missing", "zh", batch=batch_id))
    return df


def ledger_frames(records: list[dict] | None = None, conn: sa.Connection | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``sources`` and ``observations`` rows of the active batches, for the build.

    ``records``: the ledger (default: :func:`read_records`); ``conn``: the store transaction to
    read the batches' rows in (default: a new one). Returns ``(sources, observations)`` with the
    columns of those tables (schema.sql); observations have status ``imported``,
    ``source_id = 'import_<batch_id>'`` and locator ``导入文件 <file name>（批次 <id>）[；note]``.
    Later batches win per indicator/area/year. Raises :class:`LedgerError`, StoreUnavailable.
    """
    if conn is None:
        with engine.connect() as c:
            return ledger_frames(records, c)
    records = read_records(conn) if records is None else records
    active = set(active_ids(records))
    imports = [r for r in records if r["action"] == "import" and r["batch_id"] in active]
    all_rows = common.batch_rows(conn, [r["batch_id"] for r in imports])
    src_rows, obs_frames = [], []
    for rec in imports:
        bid = rec["batch_id"]
        sid = f"import_{bid}"
        src_rows.append({
            "source_id": sid,
            "title": rec["file_name"],
            "title_en": rec["file_name"],
            "publisher": t("ledger_publisher", "zh", user=rec["user"]),
            "issued_on": rec["at"][:10],
            "locator": t("ledger_source_locator", "zh", batch=bid, sha256=rec["sha256"], at=rec["at"], user=rec["user"]),
            "licence": None,
        })
        rows = all_rows[bid]
        if rows.empty:
            raise LedgerError(t("ledger_batch_missing", "zh", batch=bid))
        base = t("ledger_locator", "zh", file=rec["file_name"], batch=bid)
        obs_frames.append(pd.DataFrame({
            "indicator_id": rows["indicator_id"],
            "adcode": rows["adcode"],
            "year": rows["year"],
            "value": rows["value"],
            "status": "imported",
            "source_id": sid,
            "locator": [base + (f"；{n}" if n else "") for n in rows["note"]],
        }))
    sources = pd.DataFrame(src_rows, columns=["source_id", "title", "title_en", "publisher", "issued_on", "locator", "licence"])
    cols = ["indicator_id", "adcode", "year", "value", "status", "source_id", "locator"]
    if obs_frames:
        obs = pd.concat(obs_frames, ignore_index=True)
        obs = obs.drop_duplicates(["indicator_id", "adcode", "year"], keep="last").reset_index(drop=True)
    else:
        obs = pd.DataFrame({c: pd.Series(dtype="int64" if c == "year" else "float64" if c == "value" else "object") for c in cols})
    return sources, obs[cols]


def audit_log() -> pd.DataFrame:
    """The audit log of imports and undos, oldest first: batch_id (str), action
    ('import'|'undo'), at (ISO 8601 str with offset), user, file_name, sha256 (str), n_new,
    n_changed, n_unchanged (int64; an undo row repeats its batch's counts), undone (bool: the
    batch has been undone, on both rows). Raises StoreUnavailable."""
    records = read_records()
    undone = undone_ids(records)
    df = pd.DataFrame(
        [{**{c: r.get(c) for c in AUDIT_COLUMNS[:-1]}, "undone": r["batch_id"] in undone} for r in records],
        columns=AUDIT_COLUMNS,
    )
    for c in ("n_new", "n_changed", "n_unchanged"):
        df[c] = df[c].astype("int64")
    df["undone"] = df["undone"].astype(bool)
    return df


def active_batches() -> list[str]:
    """Ids of the batches that are in effect (imported, not undone), oldest first."""
    return active_ids(read_records())
