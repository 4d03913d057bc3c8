"""The live feed's cursor on both databases: an event whose transaction committed after a later one had
already been read still reaches the wall, and an id that never commits is given up after a grace time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from gridgov.adapters import tables as t
from gridgov.bootstrap import bootstrap
from gridgov.queries.feed import FeedCursor
from tests.conftest import make_settings


class Ticks:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def event_row(event_id: int | None = None) -> dict:
    row = {"event_type": "CaseReported", "payload": {"case_id": f"c{event_id}"}, "created_at": datetime.now(UTC), "attempts": 0}
    return row if event_id is None else {"id": event_id, **row}


def add_event(engine, event_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(insert(t.outbox).values(**event_row(event_id)))


def test_late_events_are_read_once_and_missing_ids_are_given_up(any_platform):
    engine, ticks = any_platform.engine, Ticks()
    with engine.begin() as conn:
        conn.execute(t.outbox.delete())
    cursor = FeedCursor(after=9000, monotonic=ticks)
    for event_id in (9001, 9004, 9005):  # 9002 and 9003 are taken but not committed yet
        add_event(engine, event_id)
    assert [r.id for r in cursor.read(engine)] == [9001, 9004, 9005]
    assert sorted(cursor.gaps) == [9002, 9003]

    add_event(engine, 9003)
    add_event(engine, 9006)
    ticks.now += 1
    assert [r.id for r in cursor.read(engine)] == [9003, 9006]
    assert [r.id for r in cursor.read(engine)] == []  # nothing is read twice
    assert sorted(cursor.gaps) == [9002]

    ticks.now += FeedCursor.GAP_GRACE_SECONDS  # 9002 rolled back: stop asking for it
    cursor.read(engine)
    assert cursor.gaps == {}


def test_a_reader_that_connects_waits_for_ids_just_below_its_start(any_platform):
    engine, ticks = any_platform.engine, Ticks()
    with engine.begin() as conn:
        conn.execute(t.outbox.delete())
    for event_id in (8001, 8002, 8004):  # 8003 is taken by a transaction still open
        add_event(engine, event_id)
    cursor = FeedCursor(after=8004, monotonic=ticks)  # a new subscriber starts at the newest event
    cursor.watch_below(engine)
    assert [r.id for r in cursor.read(engine)] == []  # what was there before it connected is not replayed
    add_event(engine, 8003)
    assert [r.id for r in cursor.read(engine)] == [8003]


def test_a_jump_in_ids_waits_only_for_the_ids_just_below_it(any_platform):
    engine = any_platform.engine
    with engine.begin() as conn:
        conn.execute(t.outbox.delete())
    cursor = FeedCursor(after=0)
    add_event(engine, 50_000)
    assert [r.id for r in cursor.read(engine)] == [50_000]
    assert len(cursor.gaps) == FeedCursor.MAX_GAP and min(cursor.gaps) == 50_000 - FeedCursor.MAX_GAP


def test_on_postgresql_an_event_committed_after_a_later_one_still_reaches_the_feed(request, tmp_path, clock):
    """Two real concurrent transactions: the first takes its id from the sequence, the second takes the
    next id and commits first; a reader polling between the commits must still get both."""
    platform = bootstrap(make_settings(tmp_path, request.getfixturevalue("pg_schema_url")), clock=clock)
    engine = platform.engine
    try:
        with engine.connect() as conn:
            cursor = FeedCursor(after=conn.execute(select(func.coalesce(func.max(t.outbox.c.id), 0))).scalar_one())
        slow = engine.connect()
        slow_txn = slow.begin()
        early_id = slow.execute(insert(t.outbox).values(**event_row()).returning(t.outbox.c.id)).scalar_one()
        with engine.begin() as conn:
            late_id = conn.execute(insert(t.outbox).values(**event_row()).returning(t.outbox.c.id)).scalar_one()
        assert late_id > early_id
        assert [r.id for r in cursor.read(engine)] == [late_id]  # the early one is not visible yet
        slow_txn.commit()
        slow.close()
        assert [r.id for r in cursor.read(engine)] == [early_id]
        assert cursor.gaps == {}
    finally:
        platform.engine.dispose()

