"""The outbox relay: delivers committed events to their handlers, at least once, in order.

Rows stay in `outbox` until every handler for the event succeeded; a failure increments `attempts`,
keeps `last_error` (visible to admins at /api/v1/admin/outbox) and is retried on the next pass, holding
back the events after it. After `park_after` failed attempts the event is parked (`parked_at`, with the
reason) and the ones after it flow again; an admin retries it with POST /api/v1/admin/outbox/{id}/retry.
Handlers must therefore be idempotent.

Several relays (API processes, `gridgov worker relay` on other machines) may run at once: each pass
claims its batch with a lease (`claimed_by`, `claimed_until`) in one short transaction, on PostgreSQL
with FOR UPDATE SKIP LOCKED, so no two relays deliver the same event. A relay that dies leaves its
claims to expire after `LEASE_SECONDS`; the next full sweep of another relay then takes them. Leases
are measured on the wall clock, never the platform's clock (which tests and replays may stop).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, case, select, update

from gridgov.adapters import tables as t
from gridgov.adapters.database import mark_write_transaction
from gridgov.domain.events import EVENT_TYPES, Event

log = logging.getLogger(__name__)

EventHandler = Callable[[str, dict, int], None]  # (event type, payload, outbox id)


def worker_name() -> str:
    """Who holds a claim: host, process and a random part (two relays in one process differ too)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def wall_clock() -> datetime:
    return datetime.now(UTC)


class OutboxRelay:
    RECHECK_SPAN = 1000  # ids below the newest seen event that every pass reads again
    FULL_SWEEP_SECONDS = 30.0
    LEASE_SECONDS = 120.0  # longer than a batch of 500 takes; a dead relay's claims wait this long

    def __init__(
        self,
        engine: Engine,
        clock,
        handlers: dict[str, list[EventHandler]] | None = None,
        monotonic=time.monotonic,
        *,
        park_after: int = 5,
        name: str | None = None,
        wall=wall_clock,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.handlers = handlers or {}
        self.park_after = park_after
        self.name = name or worker_name()
        self._wall = wall
        self._monotonic = monotonic
        self._floor: int | None = None  # None until the first pass, which reads from the start
        self._last_sweep = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, event: type[Event], handler: EventHandler) -> None:
        """Run `handler` for every committed event of this class. By class, not by name, so a renamed
        event cannot leave its handlers silently waiting for a name nobody writes any more; the class's
        name is the wire name the outbox stores (kept stable: tests/unit/test_events.py)."""
        if not isinstance(event, type) or EVENT_TYPES.get(event.__name__) is not event:
            raise ValueError(f"{event!r} is not a registered domain event (domain/events.EVENT_TYPES)")
        self.handlers.setdefault(event.__name__, []).append(handler)

    def deliver_pending(self, batch: int = 500) -> int:
        """One pass over undelivered events; returns how many were delivered.

        Most passes look only at ids above a floor a little below the newest event seen: delivered rows
        leave dead index entries behind until the database vacuums, and a poll from the first id would
        step over all of them (on PostgreSQL the relay slowed as events went by). The floor sits
        `RECHECK_SPAN` ids back, so an event whose transaction took its id early but committed late is
        still found; every `FULL_SWEEP_SECONDS` a pass looks from the start, so nothing is ever left."""
        now = self._monotonic()
        sweep = self._floor is None or now - self._last_sweep >= self.FULL_SWEEP_SECONDS
        rows = self._claim(batch, None if sweep else self._floor)
        if sweep:
            self._last_sweep = now
        delivered: list[int] = []
        untouched: list[int] = []
        for i, row in enumerate(rows):
            try:
                for handler in self.handlers.get(row.event_type, []):
                    handler(row.event_type, row.payload, row.id)
            except Exception as exc:
                log.exception("event %s #%s failed", row.event_type, row.id)
                if self._mark_failed(row.id, f"{type(exc).__name__}: {exc}"):
                    continue  # parked: the events after it go on
                # the next pass starts with it again (never higher than the floor already kept)
                self._floor = row.id - 1 if self._floor is None else min(self._floor, row.id - 1)
                untouched = [r.id for r in rows[i + 1 :]]
                break  # keep order: later events wait for this one
            delivered.append(row.id)
        else:
            if rows:
                self._floor = max(rows[-1].id - self.RECHECK_SPAN, 0)
            elif self._floor is None:
                self._floor = 0
        with self.engine.begin() as conn:
            o = t.outbox.c
            if delivered:
                conn.execute(update(t.outbox).where(o.id.in_(delivered)).values(published_at=self.clock.now(), claimed_by=None, claimed_until=None))
            if untouched:  # handed back at once: the next pass (here or elsewhere) starts with them
                conn.execute(update(t.outbox).where(o.id.in_(untouched), o.claimed_by == self.name).values(claimed_by=None, claimed_until=None))
        return len(delivered)

    def _claim(self, batch: int, floor: int | None) -> list:
        """Take up to `batch` undelivered, unparked, unclaimed events (lowest ids first) for this relay.

        A read finds candidates (most passes find none, and then write nothing); one short write
        transaction then claims those still free. On PostgreSQL a relay claiming the same rows at that
        moment makes the update wait for its commit and re-check the row, so it skips them."""
        o = t.outbox.c
        now = self._wall()
        free = (o.claimed_until.is_(None)) | (o.claimed_until < now)
        query = select(o.id).where(o.published_at.is_(None), o.parked_at.is_(None), free)
        if floor is not None:
            query = query.where(o.id > floor)
        with self.engine.connect() as conn:
            ids = list(conn.execute(query.order_by(o.id).limit(batch)).scalars())
            conn.rollback()
            if not ids:
                return []
            mark_write_transaction(conn)
            with conn.begin():
                rows = conn.execute(
                    update(t.outbox)
                    .where(o.id.in_(ids), o.published_at.is_(None), o.parked_at.is_(None), free)
                    .values(claimed_by=self.name, claimed_until=now + timedelta(seconds=self.LEASE_SECONDS))
                    .returning(o.id, o.event_type, o.payload)
                ).fetchall()
        return sorted(rows, key=lambda r: r.id)

    def _mark_failed(self, row_id: int, error: str) -> bool:
        """Count the failure and hand the event back; True when this attempt parked it."""
        o = t.outbox.c
        parks = o.attempts + 1 >= self.park_after
        with self.engine.begin() as conn:
            conn.execute(
                update(t.outbox)
                .where(o.id == row_id)
                .values(
                    attempts=o.attempts + 1,
                    last_error=error[:2000],
                    claimed_by=None,
                    claimed_until=None,
                    parked_at=case((parks, self.clock.now()), else_=None),
                    parked_reason=case((parks, f"handler failed {self.park_after} times; last: {error[:500]}"), else_=None),
                )
            )
            return conn.execute(select(o.parked_at).where(o.id == row_id)).scalar() is not None

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
