"""Alembic environment: the engine comes from the caller (adapters/database.py), never from an ini file."""

from alembic import context

from gridgov.adapters.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
