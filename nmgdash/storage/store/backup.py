"""Backup and restore of the whole store as one portable archive (``python -m nmgdash backup|restore``).

The archive is a zip file::

    manifest.json      {"format": "nmgdash-store", "format_version": 1, "revision": "0004",
                        "created_at": "...", "tables": {"<table>": {"file": "<table>.jsonl",
                        "rows": n, "sha256": "<hex of the file>"}}}
    <table>.jsonl      one JSON object per row (column → value), in primary-key order

It does not depend on the database: a SQLite store's archive restores into PostgreSQL and back.
:func:`restore` only loads into an EMPTY store of the same schema revision, checks every file's
SHA-256 first, and loads everything in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from pathlib import Path

import sqlalchemy as sa

from ...core import i18n
from . import common, engine
from .schema import (
    HEAD,
    TABLES,
    accounts,
    audit,
    batches,
    meta,
    report_areas,
    report_events,
    report_rounds,
    report_values,
    signin_events,
)

FORMAT = "nmgdash-store"
FORMAT_VERSION = 1


class BackupError(ValueError):
    """An archive cannot be written or restored. ``str()`` is Chinese, without server paths."""


def _rows(conn: sa.Connection, table: sa.Table) -> list[dict]:
    q = sa.select(table).order_by(*table.primary_key.columns)
    return [dict(r._mapping) for r in conn.execute(q)]


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode("utf-8")


def backup(path: str | os.PathLike) -> dict[str, int]:
    """Write the whole store to the archive ``path`` (replaced atomically). Reads in one
    transaction, so the archive is consistent. Returns rows per table. Raises StoreUnavailable,
    OSError when ``path`` cannot be written."""
    path = Path(path)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "revision": HEAD,
                "created_at": common.now(), "tables": {}}
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{time.time_ns()}"
    try:
        with engine.connect() as conn, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for table in TABLES:
                data = _jsonl(_rows(conn, table))
                name = f"{table.name}.jsonl"
                zf.writestr(name, data)
                manifest["tables"][table.name] = {"file": name, "rows": data.count(b"\n"),
                                                  "sha256": hashlib.sha256(data).hexdigest()}
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return {t: m["rows"] for t, m in manifest["tables"].items()}


def is_empty(conn: sa.Connection) -> tuple[int, int]:
    """(import batches, accounts) in the store on ``conn``; an empty store also has no audit rows
    and published version 0."""
    count = lambda t: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()  # noqa: E731
    return count(batches), count(accounts)


def report_rows(conn: sa.Connection) -> tuple[int, int]:
    """(reporting rounds, other rows of the reporting tables: areas, values, events) in the store on
    ``conn``; an empty store has none."""
    count = lambda t: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()  # noqa: E731
    return count(report_rounds), count(report_areas) + count(report_values) + count(report_events)


def read_archive(path: str | os.PathLike) -> tuple[dict, dict[str, list[dict]]]:
    """The manifest and rows per table of an archive, checksums verified. Raises :class:`BackupError`."""
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            if manifest.get("format") != FORMAT:
                raise BackupError(i18n.t("backup_not_archive", "zh", name=name))
            tables = {}
            for t, m in manifest["tables"].items():
                data = zf.read(m["file"])
                if hashlib.sha256(data).hexdigest() != m["sha256"]:
                    raise BackupError(i18n.t("backup_checksum", "zh", name=name, file=m["file"]))
                tables[t] = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(i18n.t("backup_incomplete", "zh", name=name)) from None
    except FileNotFoundError:
        raise BackupError(i18n.t("backup_not_found", "zh", name=name)) from None
    return manifest, tables


def restore(path: str | os.PathLike) -> dict[str, int]:
    """Load the archive ``path`` into the configured store, which must be empty (no batches, no
    accounts, no audit rows, no reporting rounds, areas, values or events). Returns rows per table. Raises :class:`BackupError` (Chinese: not an
    archive, checksum mismatch, other schema revision, store not empty), StoreUnavailable."""
    manifest, tables = read_archive(path)
    if manifest.get("revision") != HEAD:
        raise BackupError(i18n.t("backup_revision", "zh", theirs=manifest.get("revision"), ours=HEAD))
    known = {t.name: t for t in TABLES}
    with engine.begin() as conn:
        n_batches, n_accounts = is_empty(conn)
        n_audit = conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar_one()
        if n_batches or n_accounts or n_audit or common.read_stamp(conn).split(":")[0] != "0":
            raise BackupError(i18n.t("backup_not_empty", "zh", batches=n_batches, accounts=n_accounts))
        n_rounds, n_report_rows = report_rows(conn)
        if n_rounds or n_report_rows:
            raise BackupError(i18n.t("backup_not_empty_reports", "zh", rounds=n_rounds, rows=n_report_rows))
        for table in TABLES:
            rows = tables.get(table.name, [])
            if table is meta:
                for r in rows:
                    conn.execute(sa.update(meta).where(meta.c.id == r["id"]).values(**r))
            elif rows:
                conn.execute(sa.insert(table), rows)
        if conn.dialect.name == "postgresql":  # ids were inserted explicitly: move the sequences on
            for table in (audit, signin_events, report_events):
                seq = sa.func.pg_get_serial_sequence(table.name, "id")
                conn.execute(sa.select(sa.func.setval(seq, sa.func.coalesce(sa.func.max(table.c.id), 0) + 1, False)))
    return {t: len(tables.get(t, [])) for t in known}
