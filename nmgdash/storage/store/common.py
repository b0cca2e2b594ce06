"""Statements shared by the store's modules: the clock, the published version (stamp), the
import ledger's rows (batches, batch_values, audit) and the approved values of the yearly
reporting (:func:`approved_frames`, read by the database build). SQLAlchemy Core; values are always bound."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from ...core.i18n import t
from .schema import audit, batch_values, batches, meta, report_areas, report_rounds, report_values

#: The columns of a batch's rows (see :func:`batch_rows`).
ROW_COLUMNS = ["indicator_id", "adcode", "year", "value", "note"]

#: Audit actions that make up the import ledger (the records of :func:`ledger_records`).
LEDGER_ACTIONS = ("import", "undo")


def now() -> str:
    """The current time as the store writes it: UTC ISO 8601 with microseconds (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def read_stamp(conn: sa.Connection) -> str:
    """The published stamp ``"<version>:<token>"`` on ``conn`` (one SELECT of ``meta``)."""
    v, t = conn.execute(sa.select(meta.c.published_version, meta.c.published_token).where(meta.c.id == 1)).one()
    return f"{int(v)}:{t}"


def bump_version(conn: sa.Connection) -> str:
    """Increment the published version (new random token) inside the transaction ``conn``.

    Returns the new stamp ``"<version>:<token>"``. Being an UPDATE it takes the row's write lock:
    call it first in a write transaction, so concurrent writers queue here."""
    token = secrets.token_hex(8)
    v = conn.execute(
        sa.update(meta).where(meta.c.id == 1)
        .values(published_version=meta.c.published_version + 1, published_token=token)
        .returning(meta.c.published_version)
    ).scalar_one()
    return f"{int(v)}:{token}"


def set_stamp(conn: sa.Connection, stamp: str) -> None:
    """Put the published stamp back to ``stamp`` (a write that is being compensated)."""
    v, t = stamp.split(":", 1)
    conn.execute(sa.update(meta).where(meta.c.id == 1).values(published_version=int(v), published_token=t))


def add_audit(conn: sa.Connection, *, actor: str, action: str, what: dict, at: str | None = None,
              batch_id: str | None = None) -> None:
    """Append one audit row (``what``: a JSON-able dict)."""
    conn.execute(sa.insert(audit).values(at=at or now(), actor=actor, action=action, batch_id=batch_id, what=what))


def insert_batch(conn: sa.Connection, record: dict, rows: pd.DataFrame) -> None:
    """Insert an import ``record`` (the dict of an ``import`` ledger record) and its ``rows``
    (:data:`ROW_COLUMNS`), and its audit row (``what`` = the record)."""
    conn.execute(sa.insert(batches).values(
        batch_id=record["batch_id"], file_name=record["file_name"], sha256=record["sha256"],
        user=record["user"], at=record["at"], n_new=int(record["n_new"]), n_changed=int(record["n_changed"]),
        n_unchanged=int(record["n_unchanged"]), n_rows=len(rows),
    ))
    if len(rows):
        conn.execute(sa.insert(batch_values), [
            {"batch_id": record["batch_id"], "seq": i, "indicator_id": str(r.indicator_id), "adcode": str(r.adcode),
             "year": int(r.year), "value": float(r.value), "note": str(r.note)}
            for i, r in enumerate(rows[ROW_COLUMNS].itertuples(index=False))
        ])
    add_audit(conn, actor=record["user"], action="import", what=record, at=record["at"], batch_id=record["batch_id"])


def mark_undone(conn: sa.Connection, record: dict) -> None:
    """Record an ``undo`` ledger record: the batch's undone_at/by and its audit row."""
    conn.execute(sa.update(batches).where(batches.c.batch_id == record["batch_id"])
                 .values(undone_at=record["at"], undone_by=record["user"]))
    add_audit(conn, actor=record["user"], action="undo", what=record, at=record["at"], batch_id=record["batch_id"])


def ledger_records(conn: sa.Connection) -> list[dict]:
    """The import ledger's records, oldest first: the ``what`` of every import/undo audit row."""
    q = sa.select(audit.c.what).where(audit.c.action.in_(LEDGER_ACTIONS)).order_by(audit.c.id)
    return [dict(w) for (w,) in conn.execute(q)]


def batch_rows(conn: sa.Connection, batch_ids: list[str]) -> dict[str, pd.DataFrame]:
    """The rows of ``batch_ids``: {batch_id: DataFrame of :data:`ROW_COLUMNS`} (indicator_id,
    adcode, note str; year int64; value float64), in the order they were imported."""
    out = {b: [] for b in batch_ids}
    if batch_ids:
        q = (sa.select(batch_values.c.batch_id, *[batch_values.c[c] for c in ROW_COLUMNS])
             .where(batch_values.c.batch_id.in_(batch_ids)).order_by(batch_values.c.batch_id, batch_values.c.seq))
        for row in conn.execute(q):
            out[row[0]].append(row[1:])
    frames = {}
    for b, rows in out.items():
        df = pd.DataFrame(rows, columns=ROW_COLUMNS)
        frames[b] = df.astype({"indicator_id": str, "adcode": str, "year": "int64", "value": "float64", "note": str})
    return frames


def approved_frames(conn: sa.Connection, area_names: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``sources`` and ``observations`` rows of the yearly reporting's approved areas, for the build.

    Only areas in state ``approved`` and only cells with a value (not 暂缺) are included: a draft,
    a submission or a returned area is never in the build. ``area_names``: adcode → Chinese name.
    One source per approved (year, area): ``source_id = 'report_<year>_<adcode>'``, a title naming
    the round and the area, ``publisher`` naming the reporter (who submitted) and the reviewer (who
    approved); observations have status ``approved`` and a locator naming round, area, reporter and
    reviewer (plus the 说明 when the value has one). Columns as in schema.sql.
    """
    q = (sa.select(report_values.c.year, report_values.c.adcode, report_values.c.indicator_id,
                   report_values.c.value, report_values.c.explanation, report_areas.c.submitted_by,
                   report_areas.c.submitted_at, report_areas.c.approved_by, report_areas.c.approved_at,
                   report_rounds.c.deadline)
         .join(report_areas, sa.and_(report_areas.c.year == report_values.c.year,
                                     report_areas.c.adcode == report_values.c.adcode))
         .join(report_rounds, report_rounds.c.year == report_values.c.year)
         .where(report_areas.c.state == "approved", report_values.c.value.is_not(None))
         .order_by(report_values.c.year, report_values.c.adcode, report_values.c.indicator_id))
    rows = conn.execute(q).all()
    src_rows, obs_rows = {}, []
    for r in rows:
        sid = f"report_{r.year}_{r.adcode}"
        names = {"year": r.year, "area": area_names.get(r.adcode, r.adcode), "reporter": r.submitted_by,
                 "reviewer": r.approved_by, "submitted": r.submitted_at[:10], "approved": r.approved_at[:10]}
        if sid not in src_rows:
            src_rows[sid] = {"source_id": sid, "title": t("report_source_title", "zh", **names),
                             "title_en": t("report_source_title", "en", **names),
                             "publisher": t("report_source_publisher", "zh", **names),
                             "issued_on": r.approved_at[:10],
                             "locator": t("report_source_locator", "zh", **names), "licence": None}
        locator = t("report_value_locator", "zh", **names)
        if r.explanation:
            locator += t("report_value_locator_note", "zh", note=r.explanation)
        obs_rows.append({"indicator_id": r.indicator_id, "adcode": r.adcode, "year": int(r.year),
                         "value": float(r.value), "status": "approved", "source_id": sid, "locator": locator})
    sources = pd.DataFrame(list(src_rows.values()),
                           columns=["source_id", "title", "title_en", "publisher", "issued_on", "locator", "licence"])
    cols = ["indicator_id", "adcode", "year", "value", "status", "source_id", "locator"]
    obs = pd.DataFrame(obs_rows, columns=cols).astype({"year": "int64", "value": "float64"})
    return sources, obs
