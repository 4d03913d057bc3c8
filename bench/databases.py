"""Where a benchmark's platform stores its data: SQLite in its own data directory, or a fresh schema
of the machine's PostgreSQL (`GRIDGOV_TEST_POSTGRES_URL`, as the tests use), dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

PG_URL = os.environ.get("GRIDGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def database_url(backend: str) -> Iterator[str | None]:
    """None for SQLite (the settings' data directory holds the file); for PostgreSQL a URL whose
    search_path is a new schema. Dispose the platform's engine before leaving the block."""
    if backend != "postgres":
        yield None
        return
    import psycopg

    admin = PG_URL.replace("+psycopg", "")
    schema = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
