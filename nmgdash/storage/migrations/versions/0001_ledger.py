"""The import ledger in the store: meta (published version), batches, batch_values, audit.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("published_version", sa.BigInteger, nullable=False),
        sa.Column("published_token", sa.String(32), nullable=False),
        sa.Column("legacy_ledger_sha256", sa.String(64)),
    )
    op.bulk_insert(sa.table("meta", sa.column("id"), sa.column("published_version"),
                            sa.column("published_token")),
                   [{"id": 1, "published_version": 0, "published_token": "0"}])
    op.create_table(
        "batches",
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
    op.create_table(
        "batch_values",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("adcode", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.String(64)),
        sa.Column("what", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for name in ("audit", "batch_values", "batches", "meta"):
        op.drop_table(name)
