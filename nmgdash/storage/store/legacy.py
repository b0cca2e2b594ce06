"""Upgrade from the file ledger of the previous release into the store (on first use).

The previous release kept what staff imported in the imports folder::

    audit.jsonl             one JSON object per line, oldest first: every import and undo
                            (batch_id, action, at, user, file_name, sha256, n_new, n_changed,
                            n_unchanged; imports also rows, rows_sha256)
    batches/<batch_id>.csv  the accepted rows of each batch (indicator_id, adcode, year, value, note)

:func:`import_file_ledger` copies every record the store does not hold yet (same batch ids, times,
users and file names, so sources and locators read exactly as before), in one transaction, and
records the SHA-256 of the audit log it read in ``meta.legacy_ledger_sha256`` plus an audit row
``legacy_import``. The files stay where they are, untouched, as the backup (and for a rollback to
the previous release). Running it again is a no-op; records added later by an older release are
copied on the next start.
"""

from __future__ import annotations

import hashlib
import io
import json

import pandas as pd
import sqlalchemy as sa

from ...core import settings
from ...core.i18n import t
from . import common
from .schema import batches, meta

AUDIT_FILE = "audit.jsonl"
BATCH_DIR = "batches"


class LegacyLedgerError(RuntimeError):
    """The old file ledger cannot be read (Chinese message naming the line or batch, no path)."""


def read_file_records(data: bytes) -> list[dict]:
    """The records of an ``audit.jsonl`` (bytes), oldest first. Raises :class:`LegacyLedgerError`."""
    records = []
    for n, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            raise LegacyLedgerError(t("legacy_record_unreadable", "zh", file=AUDIT_FILE, line=n)) from None
    return records


def read_file_batch(batch_id: str, expected_sha256: str | None) -> pd.DataFrame:
    """The rows of one batch file of the old ledger (columns of :data:`common.ROW_COLUMNS`)."""
    try:
        data = (settings.imports_dir() / BATCH_DIR / f"{batch_id}.csv").read_bytes()
    except FileNotFoundError:
        raise LegacyLedgerError(t("legacy_batch_missing", "zh", batch=batch_id)) from None
    if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise LegacyLedgerError(t("legacy_batch_changed", "zh", batch=batch_id))
    df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    if "note" not in df:
        df["note"] = ""
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df[common.ROW_COLUMNS]


def import_file_ledger(eng: sa.Engine) -> int:
    """Copy the file ledger of the imports folder into the store on ``eng`` (idempotent).

    Returns how many records were copied (0 when there is no file ledger or all are in).
    Raises :class:`LegacyLedgerError` for a damaged file ledger (nothing is copied then).
    """
    try:
        data = (settings.imports_dir() / AUDIT_FILE).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return 0
    sha = hashlib.sha256(data).hexdigest()
    with eng.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x6E6D6764)))
            if conn.execute(sa.select(meta.c.legacy_ledger_sha256).where(meta.c.id == 1)).scalar_one() == sha:
                return 0
            have = {b: u for b, u in conn.execute(sa.select(batches.c.batch_id, batches.c.undone_at))}
            copied = 0
            for rec in read_file_records(data):
                bid = rec["batch_id"]
                if rec["action"] == "import" and bid not in have:
                    rows = read_file_batch(bid, rec.get("rows_sha256") or None)
                    common.insert_batch(conn, {k: v for k, v in rec.items() if k != "rows_sha256"}, rows)
                    have[bid] = None
                    copied += 1
                elif rec["action"] == "undo" and bid in have and have[bid] is None:
                    common.mark_undone(conn, rec)
                    have[bid] = rec["at"]
                    copied += 1
            if copied:
                common.bump_version(conn)
            conn.execute(sa.update(meta).where(meta.c.id == 1).values(legacy_ledger_sha256=sha))
            common.add_audit(conn, actor="system", action="legacy_import",
                             what={"file": AUDIT_FILE, "sha256": sha, "records": copied})
    return copied
