"""The store's tables (SQLAlchemy Core), at the newest migration (``HEAD``).

Times are ISO 8601 text: ``batches.at`` keeps the text written at import (it is shown in
source locators, so it must survive a move between databases unchanged); every other time is
UTC with microseconds (``2024-05-01T08:00:00.000000+00:00``), which sorts as text.

* ``meta`` — one row (``id`` = 1): ``published_version`` (integer, bumped by every commit and
  undo), ``published_token`` (random, new with every bump: a build records ``"<version>:<token>"``,
  so a version number reused after a rolled-back publish never matches an old build) and ``legacy_ledger_sha256`` (SHA-256 of the
  file ledger ``audit.jsonl`` moved into the store on upgrade, or NULL).
* ``accounts`` — name, password hash (argon2id, or bcrypt kept from secrets.toml), role
  (reporter|reviewer|admin), scope (adcode of data/areas.csv), disabled, created/updated.
* ``signin_events`` — every sign-in attempt: account name as typed, client address, ok, at.
* ``batches`` / ``batch_values`` — accepted import batches and their rows (``seq``: row order).
* ``audit`` — every action (import, undo, signin, account_*, report_*): who, when, what (JSON).
* ``report_rounds`` — the yearly reporting tasks (填报任务, :mod:`nmgdash.storage.reporting`): year,
  deadline (``YYYY-MM-DD``, Beijing time), the indicators asked (JSON list), note, open/closed, who and when.
* ``report_areas`` — one row per (year, area) once anything happened there: state
  (draft|submitted|returned|approved; no row = 未开始), who and when of every step, the return
  reason, and ``reopened`` (an admin's lock exception in a closed round).
* ``report_values`` — the cells of the drafts: (year, adcode, indicator_id) → value or 暂缺 with a
  reason, the 说明 of a flagged value, the reviewer's comment, the last writer and ``seq`` (the
  report_events id of the last change: a draft's version is the largest seq within its scope).
* ``report_events`` — every step of every round (save, unavailable, explain, submit, return,
  comment, approve, reopen, open, close), per value where it concerns one: who, when, old → new.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Alembic revision of the tables below.
HEAD = "0004"

ROLES = ("reporter", "reviewer", "admin")

metadata = sa.MetaData()

meta = sa.Table(
    "meta", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("published_version", sa.BigInteger, nullable=False),
    sa.Column("published_token", sa.String(32), nullable=False),
    sa.Column("legacy_ledger_sha256", sa.String(64)),
)

batches = sa.Table(
    "batches", metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("user", sa.String(128), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("n_new", sa.Integer, nullable=False),
    sa.Column("n_changed", sa.Integer, nullable=False),
    sa.Column("n_unchanged", sa.Integer, nullable=False),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("undone_at", sa.String(40)),
    sa.Column("undone_by", sa.String(128)),
)

batch_values = sa.Table(
    "batch_values", metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("indicator_id", sa.String(64), nullable=False),
    sa.Column("adcode", sa.String(12), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
)

audit = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("batch_id", sa.String(64)),
    sa.Column("what", sa.JSON, nullable=False),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(12), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.CheckConstraint("role IN ('reporter', 'reviewer', 'admin')", name="ck_accounts_role"),
)

signin_events = sa.Table(
    "signin_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account", sa.String(128), nullable=False),
    sa.Column("client", sa.String(128), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Index("ix_signin_account_at", "account", "at"),
    sa.Index("ix_signin_client_at", "client", "at"),
)

REPORT_STATES = ("draft", "submitted", "returned", "approved")

report_rounds = sa.Table(
    "report_rounds", metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("deadline", sa.String(10), nullable=False),
    sa.Column("indicators", sa.JSON, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("opened_by", sa.String(128), nullable=False),
    sa.Column("opened_at", sa.String(40), nullable=False),
    sa.Column("closed_by", sa.String(128)),
    sa.Column("closed_at", sa.String(40)),
    sa.CheckConstraint("state IN ('open', 'closed')", name="ck_report_rounds_state"),
)

report_areas = sa.Table(
    "report_areas", metadata,
    sa.Column("year", sa.Integer, sa.ForeignKey("report_rounds.year"), primary_key=True),
    sa.Column("adcode", sa.String(12), primary_key=True),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("reopened", sa.Boolean, nullable=False),
    sa.Column("started_by", sa.String(128)),
    sa.Column("started_at", sa.String(40)),
    sa.Column("saved_by", sa.String(128)),
    sa.Column("saved_at", sa.String(40)),
    sa.Column("submitted_by", sa.String(128)),
    sa.Column("submitted_at", sa.String(40)),
    sa.Column("first_submitted_at", sa.String(40)),
    sa.Column("returned_by", sa.String(128)),
    sa.Column("returned_at", sa.String(40)),
    sa.Column("return_reason", sa.Text),
    sa.Column("approved_by", sa.String(128)),
    sa.Column("approved_at", sa.String(40)),
    sa.Column("reopened_by", sa.String(128)),
    sa.Column("reopened_at", sa.String(40)),
    sa.Column("reopen_reason", sa.Text),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'returned', 'approved')", name="ck_report_areas_state"),
)

report_values = sa.Table(
    "report_values", metadata,
    sa.Column("year", sa.Integer, sa.ForeignKey("report_rounds.year"), primary_key=True),
    sa.Column("adcode", sa.String(12), primary_key=True),
    sa.Column("indicator_id", sa.String(64), primary_key=True),
    sa.Column("value", sa.Double),
    sa.Column("unavailable", sa.Text),
    sa.Column("explanation", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("saved_by", sa.String(128), nullable=False),
    sa.Column("saved_at", sa.String(40), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.CheckConstraint("(value IS NULL) <> (unavailable IS NULL)", name="ck_report_values_one"),
)

report_events = sa.Table(
    "report_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("adcode", sa.String(12)),
    sa.Column("indicator_id", sa.String(64)),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("old_value", sa.Double),
    sa.Column("new_value", sa.Double),
    sa.Column("old_text", sa.Text),
    sa.Column("new_text", sa.Text),
    sa.Index("ix_report_events_year_adcode", "year", "adcode", "id"),
)

#: Every table, in an order that respects foreign keys (backup/restore).
TABLES = [meta, batches, batch_values, audit, accounts, signin_events,
          report_rounds, report_areas, report_values, report_events]
