"""Commit and undo: the transaction that binds the store and the database build.

:func:`commit` and :func:`undo` hold the ledger's lock and open one store transaction: they bump
the store's published stamp, write the batch (or mark it undone) and build the new database into a
new file from that uncommitted transaction. The store's COMMIT is the commit point; the database
swap follows. If the swap fails, a second transaction takes the change back and restores the
stamp, so on any error the store and the database are as before. A process killed after the commit
point leaves a durable change whose build the next check (stamp differs) catches up.
See :mod:`nmgdash.storage.ledger` and :mod:`nmgdash.storage.build`.
"""

from __future__ import annotations

import errno
import logging
import math
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import pandas as pd
import sqlalchemy as sa

from ..core.i18n import t
from . import build, files
from .accounts import Account, NotPermitted, area_name, get_account
from .ledger import ROW_COLUMNS, WriteFailed, lock, read_records, undone_ids
from .store import common
from .store import engine as store_engine
from .store.schema import audit, batch_values, batches

log = logging.getLogger(__name__)

# --- validation -----------------------------------------------------------------------


def check_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Normalise and check the rows of a batch. Raises ValueError with a Chinese message."""
    missing = [c for c in ROW_COLUMNS[:4] if c not in rows.columns]
    if missing:
        raise ValueError(t("rows_missing_columns", "zh", columns="、".join(missing)))
    if len(rows) == 0:
        raise ValueError(t("rows_empty", "zh"))
    df = pd.DataFrame({
        "indicator_id": rows["indicator_id"].astype(str).str.strip(),
        "adcode": rows["adcode"].astype(str).str.strip(),
    })
    years = pd.to_numeric(rows["year"], errors="coerce")
    values = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    bad_year = years.isna() | (years != years.round())
    bad_value = ~values.map(lambda v: math.isfinite(v))
    for mask, what in ((bad_year, "rows_bad_year"), (bad_value, "rows_bad_value")):
        if mask.any():
            i = int(mask.to_numpy().nonzero()[0][0])
            raise ValueError(t("rows_bad_row", "zh", row=i + 1, problem=t(what, "zh"),
                               indicator=df["indicator_id"].iloc[i], adcode=df["adcode"].iloc[i]))
    df["year"] = years.astype("int64").to_numpy()
    df["value"] = values.to_numpy()
    df["note"] = rows["note"].fillna("").astype(str).to_numpy() if "note" in rows.columns else ""
    dup = df.duplicated(["indicator_id", "adcode", "year"], keep=False)
    if dup.any():
        r = df[dup].iloc[0]
        raise ValueError(t("rows_duplicate", "zh", indicator=r["indicator_id"], adcode=r["adcode"], year=r["year"]))
    known_ind = set(build.read_data_csv("indicators.csv")["indicator_id"])
    known_area = set(build.read_data_csv("areas.csv")["adcode"])
    derived = sorted(set(df["indicator_id"]) & build.DERIVED_INDICATORS)
    if derived:
        raise ValueError(t("rows_derived", "zh", ids="、".join(derived)))
    unknown = sorted(set(df["indicator_id"]) - known_ind)
    if unknown:
        raise ValueError(t("rows_unknown_indicator", "zh", ids="、".join(unknown)))
    unknown = sorted(set(df["adcode"]) - known_area)
    if unknown:
        raise ValueError(t("rows_unknown_area", "zh", ids="、".join(unknown)))
    return df[ROW_COLUMNS].reset_index(drop=True)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


# --- commit / undo ----------------------------------------------------------------------


@contextmanager
def _write_errors() -> Iterator[None]:
    """Turn a failed write (an OSError, DuckDB's I/O error, or the store's read-only or full disk) into
    :class:`WriteFailed` (Chinese, no path)."""
    try:
        yield
    except WriteFailed:
        raise
    except (OSError, duckdb.IOException, duckdb.PermissionException) as exc:
        log.error("write failed: %s", exc)
        raise WriteFailed.from_error(exc) from exc
    except sa.exc.OperationalError as exc:
        text = str(exc.orig).lower()
        if "readonly" in text or "read-only" in text:
            kind_err = OSError(errno.EROFS, "read-only store")
        elif "full" in text:
            kind_err = OSError(errno.ENOSPC, "store is full")
        else:
            raise
        log.error("store write failed: %s", exc)
        raise WriteFailed.from_error(kind_err) from exc


def _take_back(step: str, batch_id: str, stamp: str) -> None:
    """Compensate a committed change whose database swap failed: remove the batch (commit) or
    its undo (undo), and put the published stamp back to ``stamp``."""
    with store_engine.begin() as conn:
        if step == "commit":
            conn.execute(sa.delete(batch_values).where(batch_values.c.batch_id == batch_id))
            conn.execute(sa.delete(audit).where(audit.c.batch_id == batch_id))
            conn.execute(sa.delete(batches).where(batches.c.batch_id == batch_id))
        else:
            conn.execute(sa.update(batches).where(batches.c.batch_id == batch_id).values(undone_at=None, undone_by=None))
            conn.execute(sa.delete(audit).where(audit.c.batch_id == batch_id, audit.c.action == "undo"))
        common.set_stamp(conn, stamp)


def _write(step: str, change) -> str:
    """One write: under the lock, a store transaction that bumps the stamp and runs
    ``change(conn) -> batch_id``, the build from that transaction, COMMIT, then the swap."""
    with lock():
        version = None
        try:
            with store_engine.begin() as conn:
                before = common.read_stamp(conn)
                stamp = common.bump_version(conn)
                batch_id = change(conn)
                version, _ = build.build_version(conn=conn, stamp=stamp)
                files.crashpoint(f"{step}_db_built")
        except BaseException:
            if version is not None:
                version.unlink(missing_ok=True)
            raise
        try:
            files.crashpoint(f"{step}_ledger_written")
            build.publish(version)
        except BaseException:
            try:
                _take_back(step, batch_id, before)
            finally:
                version.unlink(missing_ok=True)
            raise
    return batch_id


def scope_problems(account: Account, adcodes, labels=None) -> list[str]:
    """One Chinese line per row whose area ``account`` may not write, e.g.
    "第5行：包头市不在您的填报范围（兴安盟）内". ``labels``: how to name each row (default
    "导入数据第 N 行")."""
    labels = labels if labels is not None else [t("rows_row_label", "zh", row=i + 1) for i in range(len(adcodes))]
    lines = [t("scope_outside", "zh", label=label, area=area_name(code), scope=account.scope_name)
             for label, code in zip(labels, adcodes, strict=True) if not account.may_write(code)]
    return list(dict.fromkeys(lines))  # a row of a wide file holds several values: name it once


def _current(account: Account, conn: sa.Connection) -> Account:
    """``account`` as the store holds it now (role, scope or disabled may have changed since sign-in)."""
    acc = get_account(account.name, conn)
    if acc is None or acc.disabled:
        raise NotPermitted(t("write_account_unusable", "zh", name=account.name))
    return acc


def commit(rows: pd.DataFrame, *, file_name: str, sha256: str, user: str | Account, counts: dict[str, int],
           recheck: Callable[[], dict[str, int]] | None = None) -> str:
    """Add one accepted batch to the ledger and publish a database that includes it. Atomic.

    ``rows``: columns indicator_id (str), adcode (str, 6 digits), year (int), value (float,
    in the catalogue's unit; NaN is never allowed), optional note (str, shown in the locator).
    ``file_name``: the uploaded file's name (becomes the source title shown on maps and tables).
    ``sha256``: the uploaded file's SHA-256 (hex). ``user``: who imported: an :class:`Account`
    (its current role and scope are checked: a row outside the scope refuses the whole batch
    with :class:`NotPermitted`, one line per row) or a name (the server's operator, no checks).
    ``counts``: keys
    ``new``, ``changed``, ``unchanged`` (``n_new`` … accepted too), recorded in the audit log.
    ``recheck``: called under the lock, before anything is written, against the current build
    (nothing else can commit meanwhile); it returns the counts to record instead of ``counts``, or
    raises to refuse the commit (e.g. the importer's ConfirmationRequired when the warnings changed).


    Returns the batch id (``YYYYmmdd-HHMMSS-<sha8>-<rand4>``). Raises ValueError (Chinese) for
    bad rows, :class:`NotPermitted` (a ValueError) for rows outside the account's scope or a
    disabled account, :class:`ImportBusy` when another import holds the lock for more than
    :data:`LOCK_TIMEOUT` s, :class:`WriteFailed` (an OSError with a Chinese message and no path)
    when the store or the database folder is read-only or full; on any error the store and the
    database are exactly as before.
    """
    sha256 = str(sha256).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(t("commit_bad_sha256", "zh"))
    account = user if isinstance(user, Account) else None
    user = account.name if account else user
    if not str(file_name).strip() or not str(user).strip():
        raise ValueError(t("commit_needs_names", "zh"))
    df = check_rows(rows)

    def count(key: str) -> int:
        return int(counts.get(key, counts.get(f"n_{key}", 0)))

    def change(conn: sa.Connection) -> str:
        nonlocal counts
        if account is not None:
            problems = scope_problems(_current(account, conn), df["adcode"].tolist())
            if problems:
                raise NotPermitted("\n".join(problems), problems)
        if recheck is not None:
            counts = recheck()
        batch_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{sha256[:8]}-{secrets.token_hex(2)}"
        rec = {
            "batch_id": batch_id, "action": "import", "at": _now(), "user": user,
            "file_name": file_name, "sha256": sha256,
            "n_new": count("new"), "n_changed": count("changed"), "n_unchanged": count("unchanged"),
            "rows": len(df),
        }
        common.insert_batch(conn, rec, df)
        files.crashpoint("commit_batch_written")
        return batch_id

    with _write_errors():
        return _write("commit", change)


def undo(batch_id: str, *, user: str | Account) -> None:
    """Undo an imported batch: its values go, the previous ones come back. Atomic, recorded
    in the audit log (action ``undo``); the batch and its rows are kept for the record.
    ``user``: an :class:`Account` (only the batch's author or an admin may undo) or the
    operator's name (no checks).

    Raises ValueError (Chinese) for an unknown or already undone batch, :class:`NotPermitted`
    (a ValueError) for someone else's batch, :class:`ImportBusy`, :class:`WriteFailed` when the
    store is read-only or full.
    """
    account = user if isinstance(user, Account) else None
    user = account.name if account else user

    def change(conn: sa.Connection) -> str:
        records = read_records(conn)
        orig = next((r for r in records if r["action"] == "import" and r["batch_id"] == batch_id), None)
        if orig is None:
            raise ValueError(t("undo_no_batch", "zh", batch=batch_id))
        if batch_id in undone_ids(records):
            raise ValueError(t("undo_already", "zh", batch=batch_id))
        if account is not None and not _current(account, conn).may_undo(orig["user"]):
            raise NotPermitted(t("undo_not_permitted", "zh", user=orig["user"], batch=batch_id))
        rec = {k: orig[k] for k in ("batch_id", "file_name", "sha256", "n_new", "n_changed", "n_unchanged")}
        rec.update(action="undo", at=_now(), user=user)
        common.mark_undone(conn, rec)
        return batch_id

    with _write_errors():
        _write("undo", change)
