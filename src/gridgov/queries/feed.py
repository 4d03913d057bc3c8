"""Read side of the live feed: where one reader stands in the outbox and what it has not seen yet."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from gridgov.adapters import tables as t


class FeedCursor:
    """Where one reader of the feed stands in the outbox, and which ids it is still waiting for.

    Ids are taken when a transaction inserts its event, not when it commits: on PostgreSQL with several
    writers, event 41 may commit after event 42 has been read. A reader that only asked for ids above
    the newest it had seen would never show 41, and the wall would miss a case. So every id skipped
    over is remembered for `GAP_GRACE_SECONDS` and asked for again on each read; an id that never
    arrives (its transaction rolled back) is forgotten after that. On SQLite writers take turns and
    ids commit in order, so the gap list stays empty."""

    GAP_GRACE_SECONDS = 15.0
    MAX_GAP = 1000  # a larger jump (a sequence restarted higher) waits only for the ids just below it

    def __init__(self, after: int, monotonic=time.monotonic) -> None:
        self.after = after
        self.gaps: dict[int, float] = {}  # skipped id -> when to stop waiting for it
        self._monotonic = monotonic

    def watch_below(self, engine, span: int = 200) -> None:
        """At (re)connect: ids just below the starting point that are not committed yet may still be, so
        they are waited for like any other gap."""
        low = max(self.after - span, 0)
        with engine.connect() as conn:
            present = set(
                conn.execute(select(t.outbox.c.id).where(t.outbox.c.id > low, t.outbox.c.id <= self.after)).scalars()
            )
        until = self._monotonic() + self.GAP_GRACE_SECONDS
        self.gaps.update({i: until for i in range(low + 1, self.after + 1) if i not in present})

    def read(self, engine, limit: int = 200) -> list:
        """The next events in id order: new ones above `after`, and any late arrivals among the gaps."""
        now = self._monotonic()
        self.gaps = {gap: until for gap, until in self.gaps.items() if until > now}
        columns = (t.outbox.c.id, t.outbox.c.event_type, t.outbox.c.payload)
        with engine.connect() as conn:
            late = []
            if self.gaps:
                late = conn.execute(
                    select(*columns).where(t.outbox.c.id.in_(sorted(self.gaps))).order_by(t.outbox.c.id)
                ).fetchall()
            fresh = conn.execute(
                select(*columns).where(t.outbox.c.id > self.after).order_by(t.outbox.c.id).limit(limit)
            ).fetchall()
        for row in late:
            del self.gaps[row.id]
        for row in fresh:
            for skipped in range(max(self.after + 1, row.id - self.MAX_GAP), row.id):
                self.gaps[skipped] = now + self.GAP_GRACE_SECONDS
            self.after = row.id
        return [*late, *fresh]


def last_event_id(engine) -> int:
    """The newest event id: where a new reader without Last-Event-ID starts."""
    with engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(t.outbox.c.id), 0))).scalar_one()
