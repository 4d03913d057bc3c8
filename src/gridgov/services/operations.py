"""The admin's hand on the platform's queues: give a parked outbox event or deadline timer its attempts back."""

from __future__ import annotations

from sqlalchemy import update

from gridgov.adapters import tables as t
from gridgov.domain.errors import NotFound


def retry_parked_event(uow, event_id: int) -> None:
    """A relay delivers it within its next full sweep; NotFound unless the event is parked and undelivered."""
    o = t.outbox.c
    done = uow.conn.execute(
        update(t.outbox)
        .where(o.id == event_id, o.parked_at.is_not(None), o.published_at.is_(None))
        .values(parked_at=None, parked_reason=None, attempts=0)
    ).rowcount
    if not done:
        raise NotFound(f"no parked event {event_id}")
    uow.commit()


def retry_parked_timer(uow, timer_id: int) -> None:
    """The ticker fires it at its next sweep (it is overdue); NotFound unless it is parked and unfired."""
    c = t.case_timers.c
    done = uow.conn.execute(
        update(t.case_timers)
        .where(c.id == timer_id, c.parked_at.is_not(None), c.fired_at.is_(None))
        .values(parked_at=None, attempts=0)
    ).rowcount
    if not done:
        raise NotFound(f"no parked timer {timer_id}")
    uow.commit()
