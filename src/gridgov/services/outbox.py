"""The outbox relay: delivers committed events to their handlers, at least once, in order.

Rows stay in `outbox` until every handler for the event succeeded; a failure increments `attempts`,
keeps `last_error` (visible to admins at /api/v1/admin/outbox) and is retried on the next pass.
Handlers must therefore be idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, select, update

from gridgov.adapters import tables as t

log = logging.getLogger(__name__)

EventHandler = Callable[[str, dict, int], None]  # (event type, payload, outbox id)


class OutboxRelay:
    RECHECK_SPAN = 1000  # ids below the newest seen event that every pass reads again
    FULL_SWEEP_SECONDS = 30.0

    def __init__(self, engine: Engine, clock, handlers: dict[str, list[EventHandler]] | None = None, monotonic=time.monotonic) -> None:
        self.engine = engine
        self.clock = clock
        self.handlers = handlers or {}
        self._monotonic = monotonic
        self._floor: int | None = None  # None until the first pass, which reads from the start
        self._last_sweep = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, event_type: str, handler: EventHandler) -> None:
        self.handlers.setdefault(event_type, []).append(handler)

    def deliver_pending(self, batch: int = 500) -> int:
        """One pass over undelivered events; returns how many were delivered.

        Most passes look only at ids above a floor a little below the newest event seen: delivered rows
        leave dead index entries behind until the database vacuums, and a poll from the first id would
        step over all of them (on PostgreSQL the relay slowed as events went by). The floor sits
        `RECHECK_SPAN` ids back, so an event whose transaction took its id early but committed late is
        still found; every `FULL_SWEEP_SECONDS` a pass looks from the start, so nothing is ever left."""
        query = select(t.outbox.c.id, t.outbox.c.event_type, t.outbox.c.payload).where(t.outbox.c.published_at.is_(None))
        now = self._monotonic()
        sweep = self._floor is None or now - self._last_sweep >= self.FULL_SWEEP_SECONDS
        if not sweep:
            query = query.where(t.outbox.c.id > self._floor)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.outbox.c.id).limit(batch)).fetchall()
            conn.rollback()
        if sweep:
            self._last_sweep = now
        delivered: list[int] = []
        for row in rows:
            try:
                for handler in self.handlers.get(row.event_type, []):
                    handler(row.event_type, row.payload, row.id)
            except Exception as exc:
                log.exception("event %s #%s failed; will retry", row.event_type, row.id)
                self._mark_failed(row.id, repr(exc))
                # the next pass starts with it again (never higher than the floor already kept)
                self._floor = row.id - 1 if self._floor is None else min(self._floor, row.id - 1)
                break  # keep order: later events wait for this one
            delivered.append(row.id)
        else:
            if rows:
                self._floor = max(rows[-1].id - self.RECHECK_SPAN, 0)
            elif self._floor is None:
                self._floor = 0
        if delivered:
            with self.engine.begin() as conn:
                conn.execute(
                    update(t.outbox).where(t.outbox.c.id.in_(delivered)).values(published_at=self.clock.now())
                )
        return len(delivered)

    def _mark_failed(self, row_id: int, error: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == row_id)
                .values(attempts=t.outbox.c.attempts + 1, last_error=error[:2000])
            )

    def wake(self, _events=None) -> None:
        self._wake.set()

    def start(self, interval: float) -> None:
        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.deliver_pending()
                except Exception:
                    log.exception("outbox pass failed")
                self._wake.wait(interval)
                self._wake.clear()

        self._thread = threading.Thread(target=run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)
