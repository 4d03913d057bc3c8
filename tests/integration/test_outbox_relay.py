"""The outbox relay on both databases: every committed event reaches its handlers in id order, even one
whose transaction took its id early and committed late, while most polls read only the newest ids."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from gridgov.adapters import tables as t
from gridgov.services.outbox import OutboxRelay


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def add_event(engine, event_id: int) -> None:
    row = {"id": event_id, "event_type": "Probe", "payload": {}, "created_at": datetime.now(UTC), "attempts": 0}
    with engine.begin() as conn:
        conn.execute(insert(t.outbox).values(**row))


def pending(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.outbox.c.id).where(t.outbox.c.published_at.is_(None))).scalars())


def test_late_commits_are_delivered_near_ones_at_once_far_ones_by_the_next_sweep(any_platform):
    engine, ticks, seen = any_platform.engine, Ticks(), []
    relay = OutboxRelay(engine, any_platform.clock, {"Probe": [lambda _type, _payload, event_id: seen.append(event_id)]}, monotonic=ticks)
    relay.RECHECK_SPAN = 10
    with engine.begin() as conn:  # start from an empty outbox (set-up may have left events)
        conn.execute(t.outbox.delete())
    first = list(range(5000, 5060, 2))  # even ids; the odd ones are "taken but not yet committed"
    for event_id in first:
        add_event(engine, event_id)
    assert relay.deliver_pending() == 30 and seen == first and pending(engine) == []

    add_event(engine, 5055)  # committed late, within the span below the newest id (5058)
    add_event(engine, 5001)  # committed very late, far below it
    add_event(engine, 5060)
    ticks.now += 1
    relay.deliver_pending()
    assert seen[30:] == [5055, 5060] and pending(engine) == [5001]  # the quick poll does not reach back
    ticks.now += relay.FULL_SWEEP_SECONDS
    relay.deliver_pending()
    assert seen[32:] == [5001] and pending(engine) == []  # the periodic sweep does


def test_a_failing_event_is_retried_first_and_holds_back_the_later_ones(any_platform):
    engine, ticks, seen, failing = any_platform.engine, Ticks(), [], {7003}

    def handler(_type, _payload, event_id):
        if event_id in failing:
            raise RuntimeError("gateway down")
        seen.append(event_id)

    relay = OutboxRelay(engine, any_platform.clock, {"Probe": [handler]}, monotonic=ticks)
    relay.RECHECK_SPAN = 1
    with engine.begin() as conn:
        conn.execute(t.outbox.delete())
    for event_id in range(7000, 7006):
        add_event(engine, event_id)
    assert relay.deliver_pending() == 3 and pending(engine) == [7003, 7004, 7005]
    ticks.now += 1
    add_event(engine, 6000)  # committed very late, far below: only a full sweep reads it
    assert relay.deliver_pending() == 0  # a quick pass (no sweep due) that still starts with 7003
    assert pending(engine) == [6000, 7003, 7004, 7005]
    failing.clear()
    ticks.now += 1  # no sweep due: the retry comes from the floor kept below the failed event
    assert relay.deliver_pending() == 3 and seen == list(range(7000, 7006)) and pending(engine) == [6000]
    with engine.connect() as conn:
        attempts = conn.execute(select(t.outbox.c.attempts).where(t.outbox.c.id == 7003)).scalar_one()
    assert attempts == 2
