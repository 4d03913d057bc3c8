"""Sensors: a device's profile, the rules' progress per (device, rule) and alarms (issue 16).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile", sa.String(32), nullable=True))
    op.create_table(
        "telemetry_states",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "rule", name=op.f("pk_telemetry_states")),
    )
    op.create_table(
        "alarms",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", _AT, nullable=True),
        sa.Column("active_key", sa.String(130), nullable=True),
        sa.Column("grid_code", sa.String(32), nullable=True),
        sa.Column("case_id", sa.String(26), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("raised_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("cleared_at", _AT, nullable=True),
        sa.Column("triggers", sa.Integer(), nullable=False),
        sa.Column("last_triggered_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
        sa.UniqueConstraint("active_key", name=op.f("uq_alarms_active_key")),
    )
    op.create_index(op.f("ix_alarms_device_id"), "alarms", ["device_id"])
    op.create_index(op.f("ix_alarms_grid_code"), "alarms", ["grid_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alarms_grid_code"), table_name="alarms")
    op.drop_index(op.f("ix_alarms_device_id"), table_name="alarms")
    op.drop_table("alarms")
    op.drop_table("telemetry_states")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("profile")
