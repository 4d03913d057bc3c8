"""State every process shares: ladders, calendar overrides, corrections, photos, work claims (issue 10).

Escalation ladders, the admin's calendar overrides and the dispatchers' corrections of the classifier
used to live in files of one data directory plus each process's memory; they move into tables, and a
`shared_versions` row per kind of state tells every process when to reload. Photos may live in
`photo_blobs` so processes on several machines read the same ones. The outbox and webhook deliveries
get a lease (claimed_by/claimed_until) so two relays or senders never take the same row; failing
outbox events and deadline timers are counted and parked for an admin instead of blocking the rest.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "shared_versions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_shared_versions"),
    )
    op.create_table(
        "escalation_ladders",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_escalation_ladders"),
    )
    op.create_table(
        "calendar_overrides",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_calendar_overrides"),
    )
    op.create_table(
        "classifier_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_classifier_corrections"),
    )
    op.create_table(
        "photo_blobs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_photo_blobs"),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=96), nullable=True))
        batch.add_column(sa.Column("claimed_until", _AT, nullable=True))
        batch.add_column(sa.Column("parked_at", _AT, nullable=True))
        batch.add_column(sa.Column("parked_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=96), nullable=True))
        batch.add_column(sa.Column("claimed_until", _AT, nullable=True))
    with op.batch_alter_table("case_timers") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("parked_at", _AT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_timers") as batch:
        batch.drop_column("parked_at")
        batch.drop_column("last_error")
        batch.drop_column("attempts")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parked_reason")
        batch.drop_column("parked_at")
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
    for table in ("photo_blobs", "classifier_corrections", "calendar_overrides", "escalation_ladders", "shared_versions"):
        op.drop_table(table)
