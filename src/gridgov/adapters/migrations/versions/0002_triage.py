"""Triage: category table, responsibility list, and the triage fields of a case.

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
        "categories",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("major", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("time_limit", sa.String(length=16), nullable=False),
        sa.Column("unit_type", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    op.create_table(
        "routing_rules",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("when", sa.JSON(), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("unit_type", sa.String(length=32), nullable=True),
        sa.Column("loop", sa.String(length=16), nullable=False),
        sa.Column("time_limit", sa.String(length=16), nullable=True),
        sa.Column("ladder", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_routing_rules")),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("sensitive", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("report_count", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("triage_reason", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("triage", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in ("triage", "triage_reason", "triaged_at", "report_count", "sensitive"):
            batch.drop_column(column)
    op.drop_table("routing_rules")
    op.drop_table("categories")
