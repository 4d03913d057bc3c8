"""Engine creation and schema migration for SQLite (embedded default) and PostgreSQL (production).

SQLite runs in WAL mode so the live feed and lists read while a case is written; write transactions
start with BEGIN IMMEDIATE so two writers queue on the lock instead of failing half-way on upgrade.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _private_database_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=16,
            pool_reset_on_return=None,  # every unit of work ends in an explicit commit or rollback
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _private_database_file(path: Path) -> None:
    """The SQLite file holds residents' names, phones and addresses and every password hash: only its
    owner may read it. A new data directory is created 0700; the database file is created (empty: a
    valid empty database) or tightened to 0600 before SQLite opens it, and SQLite creates the -wal and
    -shm files with the permissions of the database file, so they are 0600 too. The umask is tightened
    while the file is made, so it is never readable by others, not even for a moment."""
    old = os.umask(0o077)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    finally:
        os.umask(old)
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps commits atomic
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.info.pop("gridgov_immediate", False)
        # straight to the driver: this runs for every transaction, and the full execute path costs more
        # than the statement itself
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def mark_write_transaction(conn) -> None:
    """Ask for BEGIN IMMEDIATE on SQLite for the next transaction on this connection."""
    conn.info["gridgov_immediate"] = True


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("gridgov.adapters") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent; run at every start)."""
    command.upgrade(alembic_config(engine), "head")


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
