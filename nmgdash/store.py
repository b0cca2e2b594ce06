"""Durable, append-only ledger of accepted import batches (the store the database build reads).

Layout of :func:`imports_dir` (env ``NMGDASH_IMPORTS``, default ``data/imports/``, git-ignored)::

    audit.jsonl            one JSON object per line, oldest first: every import and undo
    batches/<batch_id>.csv the accepted rows of each batch (indicator_id, adcode, year, value, note)
    .lock                  flock target that serialises imports, undos and database builds

Every write replaces a file atomically (temp file + fsync + ``os.replace``). :func:`commit` and
:func:`undo` build the new database into a new file *before* they touch the audit log; the audit
log's replacement is the commit point, the database swap follows (see :mod:`nmgdash.db`). If
anything fails before the commit point, the ledger and the database are exactly as before; if the
process dies after it, the next build (``make db``, the app's first query) brings the database
up to date, because every build records the SHA-256 of the audit log it read.

Imported values get status ``imported`` (it outranks published/reference/sample in
``observations_best``) and one ``sources`` row per batch: ``source_id = 'import_<batch_id>'``,
``title`` = the uploaded file's name. When two active batches hold the same indicator/area/year,
the later one wins; undoing it brings the earlier value (or the sample/published one) back.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd

from . import paths

AUDIT_FILE = "audit.jsonl"
BATCH_DIR = "batches"
LOCK_FILE = ".lock"

#: Seconds :func:`commit`/:func:`undo` wait for another import, undo or build before ImportBusy.
LOCK_TIMEOUT = 10.0

BUSY_MESSAGE = "另一项导入正在进行，请稍后再试"
BUSY_MESSAGE_EN = "Another import is in progress; please try again shortly."

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


class LedgerError(RuntimeError):
    """The ledger on disk is damaged (unreadable audit line, missing or altered batch file).

    The message is Chinese and names the batch or line, not the server path.
    """


def imports_dir() -> Path:
    """Folder of the ledger: env ``NMGDASH_IMPORTS``, default ``data/imports/``."""
    return paths.imports_dir()


# --- lock ---------------------------------------------------------------------------

_held = threading.local()


@contextmanager
def lock(timeout: float | None = None) -> Iterator[None]:
    """Hold the store's exclusive lock (``fcntl.flock`` on ``<imports>/.lock``).

    Re-entrant within a thread. Another thread or process waits up to ``timeout`` seconds
    (default :data:`LOCK_TIMEOUT`), then gets :class:`ImportBusy`. The kernel releases the lock
    when a process dies, so a killed import never leaves it behind. Raises OSError when the
    folder cannot be created (e.g. read-only ``data/``).
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
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
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


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{time.time_ns()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    from .db import _fsync_dir

    _fsync_dir(path.parent)


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


def _undone_ids(records: list[dict]) -> set[str]:
    return {r["batch_id"] for r in records if r["action"] == "undo"}


def active_ids(records: list[dict]) -> list[str]:
    """Batch ids of ``records`` that are imported and not undone, in commit order."""
    undone = _undone_ids(records)
    return [r["batch_id"] for r in records if r["action"] == "import" and r["batch_id"] not in undone]


def _batch_file(batch_id: str) -> Path:
    return imports_dir() / BATCH_DIR / f"{batch_id}.csv"


def read_batch(batch_id: str, expected_sha256: str | None = None) -> pd.DataFrame:
    """The rows of one batch: indicator_id (str), adcode (str), year (int64), value (float64),
    note (str). Raises :class:`LedgerError` when the file is missing or its SHA-256 differs."""
    try:
        data = _batch_file(batch_id).read_bytes()
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
    undone = _undone_ids(records)
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


# --- validation -----------------------------------------------------------------------


def _check_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Normalise and check the rows of a batch. Raises ValueError with a Chinese message."""
    from . import db

    missing = [c for c in ROW_COLUMNS[:4] if c not in rows.columns]
    if missing:
        raise ValueError(f"导入数据缺少列：{'、'.join(missing)}")
    if len(rows) == 0:
        raise ValueError("导入数据为空，没有可导入的数值")
    df = pd.DataFrame({
        "indicator_id": rows["indicator_id"].astype(str).str.strip(),
        "adcode": rows["adcode"].astype(str).str.strip(),
    })
    years = pd.to_numeric(rows["year"], errors="coerce")
    values = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    bad_year = years.isna() | (years != years.round())
    bad_value = ~values.map(lambda v: math.isfinite(v))
    for mask, what in ((bad_year, "年份不是整数"), (bad_value, "数值为空或不是有限数")):
        if mask.any():
            i = int(mask.to_numpy().nonzero()[0][0])
            raise ValueError(f"导入数据第 {i + 1} 行{what}（{df['indicator_id'].iloc[i]}，{df['adcode'].iloc[i]}）")
    df["year"] = years.astype("int64").to_numpy()
    df["value"] = values.to_numpy()
    df["note"] = rows["note"].fillna("").astype(str).to_numpy() if "note" in rows.columns else ""
    dup = df.duplicated(["indicator_id", "adcode", "year"], keep=False)
    if dup.any():
        r = df[dup].iloc[0]
        raise ValueError(f"导入数据有重复的指标/地区/年份：{r['indicator_id']}，{r['adcode']}，{r['year']}")
    known_ind = set(db._read_csv("indicators.csv")["indicator_id"])
    known_area = set(db._read_csv("areas.csv")["adcode"])
    derived = sorted(set(df["indicator_id"]) & db.DERIVED_INDICATORS)
    if derived:
        raise ValueError(f"指标由其他指标计算得出，不能导入：{'、'.join(derived)}")
    unknown = sorted(set(df["indicator_id"]) - known_ind)
    if unknown:
        raise ValueError(f"未知指标：{'、'.join(unknown)}")
    unknown = sorted(set(df["adcode"]) - known_area)
    if unknown:
        raise ValueError(f"未知地区代码：{'、'.join(unknown)}")
    return df[ROW_COLUMNS].reset_index(drop=True)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


# --- commit / undo ----------------------------------------------------------------------


def _apply(records: list[dict], new_records: list[dict], step: str) -> None:
    """Build the database for ``new_records``, write the audit log (commit point), swap the database."""
    from . import db

    version, _ = db.build_version(records=new_records)
    try:
        db._test_pause(f"{step}_db_built")
        _atomic_write(imports_dir() / AUDIT_FILE, audit_bytes(new_records))
        try:
            db._test_pause(f"{step}_ledger_written")
            db.publish(version)
        except BaseException:
            _atomic_write(imports_dir() / AUDIT_FILE, audit_bytes(records))
            raise
    except BaseException:
        version.unlink(missing_ok=True)
        raise


def commit(rows: pd.DataFrame, *, file_name: str, sha256: str, user: str, counts: dict[str, int]) -> str:
    """Add one accepted batch to the ledger and publish a database that includes it. Atomic.

    ``rows``: columns indicator_id (str), adcode (str, 6 digits), year (int), value (float,
    in the catalogue's unit; NaN is never allowed), optional note (str, shown in the locator).
    ``file_name``: the uploaded file's name (becomes the source title shown on maps and tables).
    ``sha256``: the uploaded file's SHA-256 (hex). ``user``: who imported. ``counts``: keys
    ``new``, ``changed``, ``unchanged`` (``n_new`` … accepted too), recorded in the audit log.

    Returns the batch id (``YYYYmmdd-HHMMSS-<sha8>-<rand4>``). Raises ValueError (Chinese) for
    bad rows, :class:`ImportBusy` when another import holds the lock for more than
    :data:`LOCK_TIMEOUT` s; on any error the ledger and the database are exactly as before.
    """
    from . import db

    sha256 = str(sha256).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("文件的 SHA-256 应为 64 位十六进制数")
    if not str(file_name).strip() or not str(user).strip():
        raise ValueError("导入需要文件名和用户名")
    df = _check_rows(rows)
    data = df.to_csv(index=False, lineterminator="\n").encode("utf-8")

    def count(key: str) -> int:
        return int(counts.get(key, counts.get(f"n_{key}", 0)))

    with lock():
        records = read_records()
        batch_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{sha256[:8]}-{secrets.token_hex(2)}"
        rec = {
            "batch_id": batch_id, "action": "import", "at": _now(), "user": user,
            "file_name": file_name, "sha256": sha256,
            "n_new": count("new"), "n_changed": count("changed"), "n_unchanged": count("unchanged"),
            "rows": len(df), "rows_sha256": hashlib.sha256(data).hexdigest(),
        }
        path = _batch_file(batch_id)
        _atomic_write(path, data)
        try:
            db._test_pause("commit_batch_written")
            _apply(records, [*records, rec], "commit")
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return batch_id


def undo(batch_id: str, *, user: str) -> None:
    """Undo an imported batch: its values go, the previous ones come back. Atomic, recorded
    in the audit log (action ``undo``); the batch file is kept for the record.

    Raises ValueError (Chinese) for an unknown or already undone batch, :class:`ImportBusy`.
    """
    with lock():
        records = read_records()
        orig = next((r for r in records if r["action"] == "import" and r["batch_id"] == batch_id), None)
        if orig is None:
            raise ValueError(f"没有导入批次 {batch_id}")
        if batch_id in _undone_ids(records):
            raise ValueError(f"导入批次 {batch_id} 已撤销")
        rec = {k: orig[k] for k in ("batch_id", "file_name", "sha256", "n_new", "n_changed", "n_unchanged")}
        rec.update(action="undo", at=_now(), user=user)
        _apply(records, [*records, rec], "undo")


def audit_log() -> pd.DataFrame:
    """The audit log, oldest first: batch_id (str), action ('import'|'undo'), at (ISO 8601 str
    with offset), user, file_name, sha256 (str), n_new, n_changed, n_unchanged (int64; an undo
    row repeats its batch's counts), undone (bool: the batch has been undone, on both rows)."""
    records = read_records()
    undone = _undone_ids(records)
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
