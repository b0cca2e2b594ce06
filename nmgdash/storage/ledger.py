"""Durable, append-only ledger of accepted import batches (the store the database build reads).

Layout of :func:`imports_dir` (env ``NMGDASH_IMPORTS``, default ``data/imports/``, git-ignored)::

    audit.jsonl            one JSON object per line, oldest first: every import and undo
    batches/<batch_id>.csv the accepted rows of each batch (indicator_id, adcode, year, value, note)
    .lock                  flock target that serialises imports, undos and database builds

Every write replaces a file atomically (temp file + fsync + ``os.replace``). :func:`commit` and
:func:`undo` build the new database into a new file *before* they touch the audit log; the audit
log's replacement is the commit point, the database swap follows (see :mod:`nmgdash.storage.build`). If
anything fails before the commit point, the ledger and the database are exactly as before; if the
process dies after it, the next build (``make db``, the app's first query) brings the database
up to date, because every build records the SHA-256 of the audit log it read.

Imported values get status ``imported`` (it outranks published/reference/sample in
``observations_best``) and one ``sources`` row per batch: ``source_id = 'import_<batch_id>'``,
``title`` = the uploaded file's name. When two active batches hold the same indicator/area/year,
the later one wins; undoing it brings the earlier value (or the sample/published one) back.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..core import settings
from ..core.i18n import t

AUDIT_FILE = "audit.jsonl"
BATCH_DIR = "batches"
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
ROW_COLUMNS = ["indicator_id", "adcode", "year", "value", "note"]


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
    """The ledger on disk is damaged (unreadable audit line, missing or altered batch file).

    The message is Chinese and names the batch or line, not the server path.
    """


def imports_dir() -> Path:
    """Folder of the ledger: env ``NMGDASH_IMPORTS``, default ``data/imports/``."""
    return settings.imports_dir()


# --- lock ---------------------------------------------------------------------------

_held = threading.local()


@contextmanager
def lock(timeout: float | None = None, *, allow_unlocked: bool = False) -> Iterator[None]:
    """Hold the store's exclusive lock (``fcntl.flock`` on ``<imports>/.lock``).

    Re-entrant within a thread. Another thread or process waits up to ``timeout`` seconds
    (default :data:`LOCK_TIMEOUT`), then gets :class:`ImportBusy`. The kernel releases the lock
    when a process dies, so a killed import never leaves it behind. Raises OSError when the
    folder or the lock file cannot be created (e.g. read-only ``data/``) unless ``allow_unlocked``:
    then (for a build, which only reads the ledger) it goes on without the lock, since nobody can
    write a folder that cannot be written.
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
    if fd is None:  # a read-only folder without a lock file: read without the lock
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
            yield
        finally:
            _held.depth = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- files --------------------------------------------------------------------------


def audit_bytes(records: list[dict]) -> bytes:
    """The audit log's exact bytes for ``records`` (one JSON object per line)."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")


def records_stamp(records: list[dict]) -> str:
    """SHA-256 of :func:`audit_bytes` (what a build records in ``build_info``)."""
    return hashlib.sha256(audit_bytes(records)).hexdigest()


def ledger_stamp() -> str:
    """SHA-256 of the audit log on disk (of b"" when there is none)."""
    try:
        data = (imports_dir() / AUDIT_FILE).read_bytes()
    except FileNotFoundError:
        data = b""
    return hashlib.sha256(data).hexdigest()


def read_records() -> list[dict]:
    """Every audit record on disk, oldest first (dicts with the keys of :data:`AUDIT_COLUMNS`
    except ``undone``, plus ``rows`` and ``rows_sha256``). Raises :class:`LedgerError`."""
    try:
        text = (imports_dir() / AUDIT_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    records = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            raise LedgerError(f"导入记录 {AUDIT_FILE} 第 {n} 行无法读取，请从备份恢复导入目录") from None
        records.append(rec)
    return records


def undone_ids(records: list[dict]) -> set[str]:
    """Batch ids of ``records`` that have been undone."""
    return {r["batch_id"] for r in records if r["action"] == "undo"}


def active_ids(records: list[dict]) -> list[str]:
    """Batch ids of ``records`` that are imported and not undone, in commit order."""
    undone = undone_ids(records)
    return [r["batch_id"] for r in records if r["action"] == "import" and r["batch_id"] not in undone]


def batch_file(batch_id: str) -> Path:
    """Path of the CSV file of one batch in the ledger folder."""
    return imports_dir() / BATCH_DIR / f"{batch_id}.csv"


def read_batch(batch_id: str, expected_sha256: str | None = None) -> pd.DataFrame:
    """The rows of one batch: indicator_id (str), adcode (str), year (int64), value (float64),
    note (str). Raises :class:`LedgerError` when the file is missing or its SHA-256 differs."""
    try:
        data = batch_file(batch_id).read_bytes()
    except FileNotFoundError:
        raise LedgerError(f"导入批次 {batch_id} 的数据文件缺失，请从备份恢复导入目录") from None
    if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise LedgerError(f"导入批次 {batch_id} 的数据文件已被改动，请从备份恢复导入目录")
    df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df[ROW_COLUMNS]


def ledger_frames(records: list[dict] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``sources`` and ``observations`` rows of the active batches, for the build.

    Returns ``(sources, observations)`` with the columns of those tables (schema.sql);
    observations have status ``imported``, ``source_id = 'import_<batch_id>'`` and
    locator ``导入文件 <file name>（批次 <id>）[；note]``. Later batches win per
    indicator/area/year. Raises :class:`LedgerError`.
    """
    records = read_records() if records is None else records
    undone = undone_ids(records)
    src_rows, obs_frames = [], []
    for rec in records:
        if rec["action"] != "import" or rec["batch_id"] in undone:
            continue
        bid = rec["batch_id"]
        sid = f"import_{bid}"
        src_rows.append({
            "source_id": sid,
            "title": rec["file_name"],
            "title_en": rec["file_name"],
            "publisher": f"导入：{rec['user']}",
            "issued_on": rec["at"][:10],
            "locator": f"导入批次 {bid}；文件 SHA-256 {rec['sha256']}；{rec['at']} 由 {rec['user']} 导入",
            "licence": None,
        })
        rows = read_batch(bid, rec.get("rows_sha256"))
        base = f"导入文件 {rec['file_name']}（批次 {bid}）"
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
    """The audit log, oldest first: batch_id (str), action ('import'|'undo'), at (ISO 8601 str
    with offset), user, file_name, sha256 (str), n_new, n_changed, n_unchanged (int64; an undo
    row repeats its batch's counts), undone (bool: the batch has been undone, on both rows)."""
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
