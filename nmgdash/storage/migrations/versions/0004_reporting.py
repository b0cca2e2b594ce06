"""Yearly reporting (年度填报与审核): rounds, the state of each area, draft values and every step.

Revision ID: 0004
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_rounds",
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
    op.create_table(
        "report_areas",
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
    op.create_table(
        "report_values",
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
    op.create_table(
        "report_events",
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
    )
    op.create_index("ix_report_events_year_adcode", "report_events", ["year", "adcode", "id"])


def downgrade() -> None:
    for name in ("report_events", "report_values", "report_areas", "report_rounds"):
        op.drop_table(name)
