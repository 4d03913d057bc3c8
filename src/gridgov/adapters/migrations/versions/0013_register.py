"""The grid's people and work: the register of residents, buildings and houses, with its change history,
organisations and merchants, and care files with their visits (issue 14).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "register_buildings",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("grid_code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_buildings")),
        sa.UniqueConstraint("grid_code", "name", name=op.f("uq_register_buildings_grid_code_name")),
    )
    op.create_index(op.f("ix_register_buildings_grid_code"), "register_buildings", ["grid_code"])
    op.create_table(
        "register_houses",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("building_id", sa.String(26), nullable=False),
        sa.Column("grid_code", sa.String(64), nullable=False),
        sa.Column("room", sa.String(64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["register_buildings.id"], name=op.f("fk_register_houses_building_id_register_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_houses")),
        sa.UniqueConstraint("building_id", "room", name=op.f("uq_register_houses_building_id_room")),
    )
    op.create_index(op.f("ix_register_houses_grid_code"), "register_houses", ["grid_code"])
    op.create_table(
        "register_residents",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("id_sealed", sa.Text(), nullable=False),
        sa.Column("id_masked", sa.String(18), nullable=False),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("phone_sealed", sa.Text(), nullable=True),
        sa.Column("phone_masked", sa.String(20), nullable=True),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("grid_code", sa.String(64), nullable=False),
        sa.Column("house_id", sa.String(26), nullable=True),
        sa.Column("residence", sa.String(16), nullable=False),
        sa.Column("separated", sa.Boolean(), nullable=False),
        sa.Column("household_no", sa.String(32), nullable=True),
        sa.Column("relation", sa.String(16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"], ["register_houses.id"], name=op.f("fk_register_residents_house_id_register_houses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_residents")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_register_residents_id_hash")),
    )
    for column in ("name", "phone_hash", "grid_code", "house_id", "household_no"):
        op.create_index(op.f(f"ix_register_residents_{column}"), "register_residents", [column])
    op.create_table(
        "register_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(26), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_history")),
    )
    op.create_index(op.f("ix_register_history_subject_id"), "register_history", ["subject_id"])
    op.create_table(
        "register_organisations",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("grid_code", sa.String(64), nullable=False),
        sa.Column("building_id", sa.String(26), nullable=True),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("contact", sa.String(64), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("phone_sealed", sa.Text(), nullable=True),
        sa.Column("phone_masked", sa.String(20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["register_buildings.id"], name=op.f("fk_register_organisations_building_id_register_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_organisations")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_register_organisations_credit_code")),
    )
    for column in ("name", "grid_code", "phone_hash"):
        op.create_index(op.f(f"ix_register_organisations_{column}"), "register_organisations", [column])
    op.create_table(
        "care_persons",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("resident_id", sa.String(26), nullable=False),
        sa.Column("grid_code", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("contacts_sealed", sa.Text(), nullable=True),
        sa.Column("contacts_masked", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("opened_on", sa.String(10), nullable=False),
        sa.Column("last_visit_on", sa.String(10), nullable=True),
        sa.Column("next_due_on", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["register_residents.id"], name=op.f("fk_care_persons_resident_id_register_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_persons")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_care_persons_resident_id")),
    )
    op.create_index(op.f("ix_care_persons_grid_code"), "care_persons", ["grid_code"])
    op.create_index(op.f("ix_care_persons_next_due_on"), "care_persons", ["next_due_on"])
    op.create_table(
        "care_visits",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("care_person_id", sa.String(26), nullable=False),
        sa.Column("visitor_id", sa.String(64), nullable=False),
        sa.Column("client_ref", sa.String(64), nullable=False),
        sa.Column("visited_at", _AT, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["care_person_id"], ["care_persons.id"], name=op.f("fk_care_visits_care_person_id_care_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_visits")),
        sa.UniqueConstraint("visitor_id", "client_ref", name=op.f("uq_care_visits_visitor_id_client_ref")),
    )
    op.create_index(op.f("ix_care_visits_care_person_id"), "care_visits", ["care_person_id"])


def downgrade() -> None:
    op.drop_table("care_visits")
    op.drop_table("care_persons")
    op.drop_table("register_organisations")
    op.drop_table("register_history")
    op.drop_table("register_residents")
    op.drop_table("register_houses")
    op.drop_table("register_buildings")
