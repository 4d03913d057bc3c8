"""The migrations create exactly the schema the code expects, on both backends, and run idempotently."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gridgov.adapters.database import make_engine, upgrade
from gridgov.adapters.tables import metadata


def _diff(engine):
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def test_sqlite_migrations_match_the_tables_and_can_run_twice(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    upgrade(engine)
    assert _diff(engine) == []


def test_postgres_migrations_match_the_tables(pg_schema_url):
    engine = make_engine(pg_schema_url)
    upgrade(engine)
    assert _diff(engine) == []
    engine.dispose()
