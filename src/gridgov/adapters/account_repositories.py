"""Storage of account security state every API process must share: revoked tokens and login attempts.

Both live in the database rather than in a process's memory, so a logout, a used stream ticket or a
locked user name holds on every worker at once (several uvicorn workers, several machines).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from gridgov.adapters import tables as t
from gridgov.domain.login_throttle import FRESH, ThrottleRules, ThrottleState


def _insert_ignoring_duplicates(conn: Connection, table, row: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when the row is new. Two processes racing for one key both
    succeed without an error, and exactly one of them learns it was first."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # RETURNING rather than rowcount, which psycopg reports as -1 for this statement
    key = next(iter(table.primary_key.columns))
    return conn.execute(insert(table).values(**row).on_conflict_do_nothing().returning(key)).first() is not None


class RevokedTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def revoke(self, jti: str, user_id: str, expires_at: datetime) -> bool:
        """Mark a token id revoked until its expiry; False when it already was (a reused ticket)."""
        return _insert_ignoring_duplicates(self.conn, t.revoked_tokens, {"jti": jti, "user_id": user_id, "expires_at": expires_at})

    def purge(self, now: datetime) -> None:
        """Forget revocations of tokens that have expired anyway (indexed on expires_at)."""
        self.conn.execute(delete(t.revoked_tokens).where(t.revoked_tokens.c.expires_at < now))


class LoginThrottleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def load_for_update(self, key: str, now: datetime) -> ThrottleState:
        """A key's state, row-locked until the transaction ends (PostgreSQL; SQLite's write transaction
        already holds the database lock), so parallel attempts are counted one after the other."""
        _insert_ignoring_duplicates(
            self.conn, t.login_throttle,
            {"key": key, "failures": 0, "window_started": None, "locked_until": None, "lockouts": 0, "expires_at": now},
        )  # fmt: skip
        c = t.login_throttle.c
        row = self.conn.execute(select(t.login_throttle).where(c.key == key).with_for_update()).first()
        if row is None:
            return FRESH
        return ThrottleState(
            failures=row.failures, window_started=row.window_started, locked_until=row.locked_until, lockouts=row.lockouts
        )

    def save(self, key: str, state: ThrottleState, rules: ThrottleRules) -> None:
        expires = state.expires_at(rules)
        c = t.login_throttle.c
        if expires is None:
            self.conn.execute(delete(t.login_throttle).where(c.key == key))
            return
        self.conn.execute(
            update(t.login_throttle).where(c.key == key).values(
                failures=state.failures, window_started=state.window_started, locked_until=state.locked_until,
                lockouts=state.lockouts, expires_at=expires,
            )
        )  # fmt: skip

    def clear(self, key: str) -> None:
        self.conn.execute(delete(t.login_throttle).where(t.login_throttle.c.key == key))

    def purge(self, now: datetime) -> None:
        self.conn.execute(delete(t.login_throttle).where(t.login_throttle.c.expires_at < now))
