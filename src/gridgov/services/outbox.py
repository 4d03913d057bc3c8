"""The outbox relay: delivers committed events to their handlers, at least once, in order.

Rows stay in `outbox` until every handler for the event succeeded; a failure increments `attempts`,
keeps `last_error` (visible to admins at /api/v1/admin/outbox) and is retried on the next pass.
Handlers must therefore be idempotent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, select, update

from gridgov.adapters import tables as t

log = logging.getLogger(__name__)

EventHandler = Callable[[str, dict, int], None]  # (event type, payload, outbox id)


class OutboxRelay:
    def __init__(self, engine: Engine, clock, handlers: dict[str, list[EventHandler]] | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.handlers = handlers or {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, event_type: str, handler: EventHandler) -> None:
        self.handlers.setdefault(event_type, []).append(handler)

    def deliver_pending(self, batch: int = 500) -> int:
        """One pass over undelivered events; returns how many were delivered."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.outbox.c.id, t.outbox.c.event_type, t.outbox.c.payload)
                .where(t.outbox.c.published_at.is_(None))
                .order_by(t.outbox.c.id)
                .limit(batch)
            ).fetchall()
            conn.rollback()
        delivered: list[int] = []
        for row in rows:
            try:
                for handler in self.handlers.get(row.event_type, []):
                    handler(row.event_type, row.payload, row.id)
            except Exception as exc:
                log.exception("event %s #%s failed; will retry", row.event_type, row.id)
                self._mark_failed(row.id, repr(exc))
                break  # keep order: later events wait for this one
            delivered.append(row.id)
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
