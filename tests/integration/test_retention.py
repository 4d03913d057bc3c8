"""The purge job deletes what is past its keep time and nothing the relay, the live feed, a retrying field
app or an admin still needs (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from gridgov.adapters import tables as t
from gridgov.domain.commands import ReportCase
from gridgov.services.retention import purge
from tests.conftest import point_in, populate


def _report(platform, actor, n, key=None):
    lon, lat, _ = point_in(platform, "grid", n)
    return platform.bus.handle(
        ReportCase(actor=actor, description=f"井盖破损 {n}", lon=lon, lat=lat, channel="resident_app",
                   idempotency_key=key, request_hash=f"h{n}")
    )  # fmt: skip


def _count(platform, table, *where) -> int:
    with platform.engine.connect() as conn:
        return len(conn.execute(select(table).where(*where)).all())


def test_delivered_events_and_spent_keys_go_after_their_keep_time_the_rest_stays(any_platform, clock):
    actors = populate(any_platform)
    ann = actors["ann"]
    _report(any_platform, ann, 0, key="old-key")
    any_platform.relay.deliver_pending()  # delivered (triage ran)
    long_ago = clock.now()
    with any_platform.engine.begin() as conn:  # a parked event of the same age
        conn.execute(insert(t.outbox), [
            {"event_type": "CaseWarned", "payload": {"case_id": "y"}, "created_at": long_ago, "attempts": 5,
             "parked_at": long_ago, "parked_reason": "handler failed 5 times"},
        ])  # fmt: skip
    old_delivered = _count(any_platform, t.outbox, t.outbox.c.published_at.is_not(None))
    assert old_delivered > 0

    clock.advance(days=8)
    _report(any_platform, ann, 1, key="new-key")
    any_platform.relay.deliver_pending()
    new_delivered = _count(any_platform, t.outbox, t.outbox.c.published_at.is_not(None)) - old_delivered
    with any_platform.engine.begin() as conn:  # and one that no relay has delivered yet, as old
        conn.execute(insert(t.outbox), [{"event_type": "CaseWarned", "payload": {"case_id": "x"}, "created_at": long_ago, "attempts": 0}])

    undelivered = _count(any_platform, t.outbox, t.outbox.c.published_at.is_(None))
    counts = purge(any_platform.uow, clock.now(), any_platform.settings)

    assert counts["outbox_events"] == old_delivered
    assert counts["idempotency_keys"] == 1
    assert _count(any_platform, t.outbox, t.outbox.c.published_at.is_not(None)) == new_delivered
    assert _count(any_platform, t.outbox, t.outbox.c.published_at.is_(None)) == undelivered  # none of them
    with any_platform.engine.connect() as conn:
        kept = {r.payload["case_id"] for r in conn.execute(select(t.outbox.c.payload).where(t.outbox.c.event_type == "CaseWarned"))}
    assert kept == {"x", "y"}  # the old undelivered one and the parked one
    with any_platform.engine.connect() as conn:
        keys = sorted(conn.execute(select(t.idempotency_keys.c.key)).scalars())
    assert keys == ["new-key"]
    # a second run finds nothing more to delete
    assert purge(any_platform.uow, clock.now(), any_platform.settings) == {
        "outbox_events": 0, "idempotency_keys": 0, "webhook_deliveries": 0,
    }  # fmt: skip


def test_delivered_webhooks_go_after_thirty_days_dead_ones_stay(any_platform, clock):
    populate(any_platform)
    with any_platform.engine.begin() as conn:
        conn.execute(insert(t.webhooks), [{"id": "sms", "name": "短信网关", "url": "https://sms.example/hook", "secret": "s" * 32,
                                           "event_types": ["*"], "active": True, "created_at": clock.now()}])  # fmt: skip
        rows = [
            {"webhook_id": "sms", "source": f"outbox:{i}", "event_type": "CaseWarned", "payload": {"n": i},
             "status": status, "attempts": 1, "next_attempt_at": clock.now(), "created_at": clock.now(),
             "delivered_at": clock.now() if status == "delivered" else None}
            for i, status in enumerate(["delivered", "delivered", "dead"])
        ]  # fmt: skip
        conn.execute(insert(t.webhook_deliveries), rows)
    clock.advance(days=31)
    with any_platform.engine.begin() as conn:  # one delivered lately
        conn.execute(update(t.webhook_deliveries).where(t.webhook_deliveries.c.source == "outbox:1").values(delivered_at=clock.now()))
    counts = purge(any_platform.uow, clock.now(), any_platform.settings)
    assert counts["webhook_deliveries"] == 1
    with any_platform.engine.connect() as conn:
        left = sorted(conn.execute(select(t.webhook_deliveries.c.source)).scalars())
    assert left == ["outbox:1", "outbox:2"]
