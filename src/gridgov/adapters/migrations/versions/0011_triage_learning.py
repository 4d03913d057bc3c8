"""Triage learning: category phrases, history aliases, models and corrections in the database (issue 11).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the category table's recognition and scene columns (JSON lists; NULL reads as none)
    with op.batch_alter_table("categories") as batch:
        for column in ("synonyms", "phrases", "scenes"):
            batch.add_column(sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        for column in ("scenes", "phrases", "synonyms"):
            batch.drop_column(column)
