"""Deleting what nobody needs any more: delivered outbox events, spent idempotency keys and delivered
webhook deliveries. Without it these tables only grow (an event per case change, a key per report).

What is kept, and why: undelivered and parked events (the relay and the admins still need them), dead
webhook deliveries (an admin may retry them), and everything newer than its setting: the live feed
resumes from `Last-Event-ID` within the outbox's keep time, and a field app may retry a report with the
same Idempotency-Key within the key's keep time. Deletes go in batches so a large backlog never holds
one long transaction (and its locks) on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select

from gridgov.adapters import tables as t

BATCH = 5_000


def _delete_batch(conn: Connection, table, key, where) -> int:
    """Delete up to BATCH rows matching `where`; the caller commits and asks again while it gets BATCH."""
    ids = list(conn.execute(select(key).where(*where).order_by(key).limit(BATCH)).scalars())
    if not ids:
        return 0
    return conn.execute(delete(table).where(key.in_(ids))).rowcount or 0


class RetentionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def delivered_events_before(self, cutoff: datetime) -> int:
        o = t.outbox.c
        return _delete_batch(
            self.conn, t.outbox, o.id, (o.published_at.is_not(None), o.published_at < cutoff, o.parked_at.is_(None))
        )

    def idempotency_keys_before(self, cutoff: datetime) -> int:
        # one statement: keys are one row per report, a day's worth is small
        k = t.idempotency_keys.c
        return self.conn.execute(delete(t.idempotency_keys).where(k.created_at < cutoff)).rowcount or 0

    def delivered_webhooks_before(self, cutoff: datetime) -> int:
        d = t.webhook_deliveries.c
        return _delete_batch(
            self.conn, t.webhook_deliveries, d.id, (d.status == "delivered", d.delivered_at < cutoff)
        )
