"""The relay's poll reads undelivered events in id order. An index on (published_at, id) keeps an
entry for every delivered event's old row version until vacuum, and PostgreSQL's bitmap scan of it
never marks them dead, so the poll slowed as events went by (59 → 41 reports/s over 20,000 reports in
bench/triage.py). A partial index holding only undelivered ids is read in order, stops at the batch
limit, and lets plain index scans mark dead entries as they pass.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        sqlite_where=sa.text("published_at IS NULL"),
        postgresql_where=sa.text("published_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "id"])
