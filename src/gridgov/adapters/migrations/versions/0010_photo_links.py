"""Photos are seen only by who uploaded them or may see a case showing them: a link table from photo
to user and case, filled from the uploads and the photo lists already on cases.

Revision ID: 0010
Revises: 0009
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "photo_links",
        sa.Column("photo_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("ref", sa.String(64), primary_key=True),
    )
    conn = op.get_bind()
    links = {(p, "user", u) for p, u in conn.execute(sa.text("SELECT id, uploaded_by FROM photos"))}
    for case_id, photos, result_photos in conn.execute(sa.text("SELECT id, photos, result_photos FROM cases")):
        for value in (photos, result_photos):
            if isinstance(value, str):
                value = json.loads(value or "[]")
            links.update((p, "case", case_id) for p in value or () if isinstance(p, str))
    if links:
        op.bulk_insert(table, [{"photo_id": p, "kind": k, "ref": r} for p, k, r in sorted(links)])


def downgrade() -> None:
    op.drop_table("photo_links")
