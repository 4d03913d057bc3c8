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
    op.create_table(
        "routing_aliases",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("alias", sa.String(128), primary_key=True),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        for column in ("scenes", "phrases", "synonyms"):
            batch.drop_column(column)
    op.drop_table("routing_aliases")
