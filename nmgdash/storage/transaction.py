"""Commit and undo: the transaction that binds the import ledger and the database build.

:func:`commit` and :func:`undo` hold the ledger's lock, build the new database into a new file
*before* they touch the audit log; the audit log's replacement is the commit point, the database
swap follows. See :mod:`nmgdash.storage.ledger` and :mod:`nmgdash.storage.build`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import pandas as pd

from . import build, files
from .ledger import (
    AUDIT_FILE,
    BATCH_DIR,
    ROW_COLUMNS,
    WriteFailed,
    audit_bytes,
    batch_file,
    imports_dir,
    lock,
    read_records,
    undone_ids,
)

log = logging.getLogger(__name__)

#: A temp file (``.<name>.tmp-<pid>-<ns>``) older than this many seconds, or of a dead process, is a leftover.
LEFTOVER_SECONDS = 60.0
_TMP_RE = re.compile(r"^\..+\.tmp-(\d+)-\d+$")

# --- validation -----------------------------------------------------------------------


def check_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Normalise and check the rows of a batch. Raises ValueError with a Chinese message."""
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
    known_ind = set(build.read_data_csv("indicators.csv")["indicator_id"])
    known_area = set(build.read_data_csv("areas.csv")["adcode"])
    derived = sorted(set(df["indicator_id"]) & build.DERIVED_INDICATORS)
    if derived:
        raise ValueError(f"指标由其他指标计算得出，不能导入：{'、'.join(derived)}")
    unknown = sorted(set(df["indicator_id"]) - known_ind)
    if unknown:
        raise ValueError(f"未知指标：{'、'.join(unknown)}")
    unknown = sorted(set(df["adcode"]) - known_area)
    if unknown:
        raise ValueError(f"未知地区代码：{'、'.join(unknown)}")
    return df[ROW_COLUMNS].reset_index(drop=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(records: list[dict]) -> list[str]:
    """Remove what a process killed during a commit or undo left in the import folder: temp files
    (``.audit.jsonl.tmp-*``, ``batches/.<id>.csv.tmp-*``) of a dead process or older than
    :data:`LEFTOVER_SECONDS`, and batch files no audit record names (written before the commit
    point, never committed). Call under :func:`lock` with the audit records just read. Returns the
    removed names (relative to the import folder) and logs them; errors are logged, not raised.
    """
    folder = imports_dir()
    named = {r["batch_id"] for r in records}
    removed = []
    now = time.time()
    for d in (folder, folder / BATCH_DIR):
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            m = _TMP_RE.match(e.name)
            try:
                if m:
                    pid = int(m.group(1))
                    stale = (pid != os.getpid() and not _pid_alive(pid)) or now - e.stat().st_mtime > LEFTOVER_SECONDS
                else:
                    stale = d != folder and e.name.endswith(".csv") and e.name[:-4] not in named
                if stale:
                    os.unlink(e.path)
                    removed.append(os.path.relpath(e.path, folder))
            except OSError as exc:
                log.warning("could not remove leftover %s: %s", e.path, exc)
    if removed:
        log.warning("removed leftovers of an interrupted import or undo in %s: %s", folder, ", ".join(removed))
    return removed


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


# --- commit / undo ----------------------------------------------------------------------


@contextmanager
def _write_errors() -> Iterator[None]:
    """Turn an OSError (or DuckDB's I/O error) of a write into :class:`WriteFailed` (Chinese, no path)."""
    try:
        yield
    except WriteFailed:
        raise
    except (OSError, duckdb.IOException, duckdb.PermissionException) as exc:
        log.error("import folder write failed: %s", exc)
        raise WriteFailed.from_error(exc) from exc


def _apply(records: list[dict], new_records: list[dict], step: str) -> None:
    """Build the database for ``new_records``, write the audit log (commit point), swap the database."""
    version, _ = build.build_version(records=new_records)
    try:
        files.crashpoint(f"{step}_db_built")
        files.atomic_write(imports_dir() / AUDIT_FILE, audit_bytes(new_records))
        try:
            files.crashpoint(f"{step}_ledger_written")
            build.publish(version)
        except BaseException:
            files.atomic_write(imports_dir() / AUDIT_FILE, audit_bytes(records))
            raise
    except BaseException:
        version.unlink(missing_ok=True)
        raise


def commit(rows: pd.DataFrame, *, file_name: str, sha256: str, user: str, counts: dict[str, int],
           recheck: Callable[[], dict[str, int]] | None = None) -> str:
    """Add one accepted batch to the ledger and publish a database that includes it. Atomic.

    ``rows``: columns indicator_id (str), adcode (str, 6 digits), year (int), value (float,
    in the catalogue's unit; NaN is never allowed), optional note (str, shown in the locator).
    ``file_name``: the uploaded file's name (becomes the source title shown on maps and tables).
    ``sha256``: the uploaded file's SHA-256 (hex). ``user``: who imported. ``counts``: keys
    ``new``, ``changed``, ``unchanged`` (``n_new`` … accepted too), recorded in the audit log.
    ``recheck``: called under the lock, before anything is written, against the current build
    (nothing else can commit meanwhile); it returns the counts to record instead of ``counts``, or
    raises to refuse the commit (e.g. the importer's ConfirmationRequired when the warnings changed).

    Under the lock, leftovers of a killed commit or undo are removed first (:func:`clean_leftovers`).

    Returns the batch id (``YYYYmmdd-HHMMSS-<sha8>-<rand4>``). Raises ValueError (Chinese) for
    bad rows, :class:`ImportBusy` when another import holds the lock for more than
    :data:`LOCK_TIMEOUT` s, :class:`WriteFailed` (an OSError with a Chinese message and no path)
    when the import folder or the database folder is read-only or full; on any error the ledger and
    the database are exactly as before.
    """
    sha256 = str(sha256).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("文件的 SHA-256 应为 64 位十六进制数")
    if not str(file_name).strip() or not str(user).strip():
        raise ValueError("导入需要文件名和用户名")
    df = check_rows(rows)
    data = df.to_csv(index=False, lineterminator="\n").encode("utf-8")

    def count(key: str) -> int:
        return int(counts.get(key, counts.get(f"n_{key}", 0)))

    with _write_errors(), lock():
        records = read_records()
        clean_leftovers(records)
        if recheck is not None:
            counts = recheck()
        batch_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{sha256[:8]}-{secrets.token_hex(2)}"
        rec = {
            "batch_id": batch_id, "action": "import", "at": _now(), "user": user,
            "file_name": file_name, "sha256": sha256,
            "n_new": count("new"), "n_changed": count("changed"), "n_unchanged": count("unchanged"),
            "rows": len(df), "rows_sha256": hashlib.sha256(data).hexdigest(),
        }
        path = batch_file(batch_id)
        files.atomic_write(path, data)
        try:
            files.crashpoint("commit_batch_written")
            _apply(records, [*records, rec], "commit")
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return batch_id


def undo(batch_id: str, *, user: str) -> None:
    """Undo an imported batch: its values go, the previous ones come back. Atomic, recorded
    in the audit log (action ``undo``); the batch file is kept for the record.

    Raises ValueError (Chinese) for an unknown or already undone batch, :class:`ImportBusy`,
    :class:`WriteFailed` when the import folder is read-only or full.
    """
    with _write_errors(), lock():
        records = read_records()
        clean_leftovers(records)
        orig = next((r for r in records if r["action"] == "import" and r["batch_id"] == batch_id), None)
        if orig is None:
            raise ValueError(f"没有导入批次 {batch_id}")
        if batch_id in undone_ids(records):
            raise ValueError(f"导入批次 {batch_id} 已撤销")
        rec = {k: orig[k] for k in ("batch_id", "file_name", "sha256", "n_new", "n_changed", "n_unchanged")}
        rec.update(action="undo", at=_now(), user=user)
        _apply(records, [*records, rec], "undo")


