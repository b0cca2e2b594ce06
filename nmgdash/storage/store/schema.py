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
* ``audit`` — every action (import, undo, signin, account_*): who, when, what (JSON).
"""

from __future__ import annotations

import sqlalchemy as sa

#: Alembic revision of the tables below.
HEAD = "0002"

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

#: Every table, in an order that respects foreign keys (backup/restore).
TABLES = [meta, batches, batch_values, audit, accounts, signin_events]
