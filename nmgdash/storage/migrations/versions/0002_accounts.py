"""Accounts with a role and a scope area, and sign-in events (lockout across sessions and servers).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.CheckConstraint("role IN ('reporter', 'reviewer', 'admin')", name="ck_accounts_role"),
    )
    op.create_table(
        "signin_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("client", sa.String(128), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_index("ix_signin_account_at", "signin_events", ["account", "at"])
    op.create_index("ix_signin_client_at", "signin_events", ["client", "at"])


def downgrade() -> None:
    op.drop_table("signin_events")
    op.drop_table("accounts")
