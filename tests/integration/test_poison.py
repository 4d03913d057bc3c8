"""Poison work does not stop the rest, on both databases: an event whose handler always raises and a
timer whose step always fails are parked after a few attempts with the reason (admins see and retry
them), and the events and timers after them go on; two relays never deliver one event twice."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from gridgov.adapters import tables as t
from gridgov.api.app import create_app
from gridgov.domain.commands import ActOnCase, ReportCase, SweepTimers
from gridgov.domain.roles import SYSTEM_ACTOR
from gridgov.domain.workflow import Action
from gridgov.services.ladders import save_ladder
from gridgov.services.outbox import OutboxRelay
from gridgov.services.shared_state import LADDERS, bump
from tests.conftest import PASSWORD, populate, spread_points


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextlib.contextmanager
def admin(platform):
    with TestClient(create_app(platform=platform, run_relay=False)) as api:
        r = api.post("/api/v1/auth/token", data={"username": "root", "password": PASSWORD})
        assert r.status_code == 200, r.text
        api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield api


def add_events(engine, ids) -> None:
    with engine.begin() as conn:
        conn.execute(t.outbox.delete())
        conn.execute(insert(t.outbox), [{"id": i, "event_type": "Probe", "payload": {}, "created_at": datetime.now(UTC), "attempts": 0} for i in ids])


def outbox_row(engine, event_id):
    with engine.connect() as conn:
        return conn.execute(select(t.outbox).where(t.outbox.c.id == event_id)).one()


def test_an_event_whose_handler_always_fails_is_parked_and_the_events_after_it_are_delivered(any_platform):
    p, ticks, seen, poison = any_platform, Ticks(), [], {102}
    populate(p)

    def handler(_type, _payload, event_id):
        if event_id in poison:
            raise RuntimeError("the SMS gateway answers 500")
        seen.append(event_id)

    relay = OutboxRelay(p.engine, p.clock, {"Probe": [handler]}, monotonic=ticks, park_after=3)
    add_events(p.engine, range(100, 105))
    assert relay.deliver_pending() == 2 and seen == [100, 101]  # 102 failed once; the ones after it wait
    ticks.now += 1
    assert relay.deliver_pending() == 0  # failed twice
    ticks.now += 1
    assert relay.deliver_pending() == 2 and seen == [100, 101, 103, 104]  # third failure parks it: the rest flow
    row = outbox_row(p.engine, 102)
    assert row.published_at is None and row.attempts == 3 and row.parked_at is not None
    assert row.parked_reason == "handler failed 3 times; last: RuntimeError: the SMS gateway answers 500"
    assert row.claimed_by is None  # handed back, not held

    with admin(p) as api:
        parked = api.get("/api/v1/admin/outbox?status=parked").json()
        assert [(e["id"], e["attempts"], e["last_error"]) for e in parked] == [(102, 3, "RuntimeError: the SMS gateway answers 500")]
        assert api.get("/api/v1/admin/outbox?status=pending").json() == []
        assert api.post("/api/v1/admin/outbox/102/retry").status_code == 204
        r = api.post("/api/v1/admin/outbox/102/retry")  # no longer parked
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert api.post("/api/v1/admin/outbox/104/retry").status_code == 404  # delivered, never parked
    poison.clear()  # the gateway is repaired
    ticks.now += relay.FULL_SWEEP_SECONDS  # an old id: the next full sweep finds it
    assert relay.deliver_pending() == 1 and seen[-1] == 102
    assert outbox_row(p.engine, 102).published_at is not None


def test_two_relays_never_deliver_one_event_twice(any_platform):
    engine, seen, lock = any_platform.engine, [], threading.Lock()
    add_events(engine, range(1, 301))

    def relay(name):
        def handler(_type, _payload, event_id):
            with lock:
                seen.append((name, event_id))

        return OutboxRelay(engine, any_platform.clock, {"Probe": [handler]}, name=name)

    relays = [relay("a"), relay("b")]
    start = threading.Barrier(2)

    def run(r):
        start.wait()
        while r.deliver_pending(batch=10):
            pass

    threads = [threading.Thread(target=run, args=(r,)) for r in relays]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    while any(r.deliver_pending(batch=10) for r in relays):  # what one left while the other held it
        pass
    ids = [event_id for _name, event_id in seen]
    assert sorted(ids) == list(range(1, 301))  # every event once: none twice, none lost
    with engine.connect() as conn:
        assert conn.execute(select(t.outbox.c.id).where(t.outbox.c.published_at.is_(None))).all() == []


def camera_case(platform, actors, where) -> str:
    cid = platform.bus.handle(
        ReportCase(actor=actors["disp"], description="垃圾桶满溢", lon=where[0], lat=where[1], channel="ai_camera", category="E0109")
    ).case_id
    while platform.relay.deliver_pending():  # triage: to the property company, on the Luohu ladder
        pass
    return cid


def actions(platform, case_id) -> list[str]:
    with platform.engine.connect() as conn:
        c = t.case_timeline.c
        return list(conn.execute(select(c.action).where(c.case_id == case_id).order_by(c.id)).scalars())


def timer(platform, case_id, prefix):
    with platform.engine.connect() as conn:
        c = t.case_timers.c
        return conn.execute(select(t.case_timers).where(c.case_id == case_id, c.key.like(prefix + "%"))).one()


def test_a_timer_whose_step_always_fails_is_parked_and_the_other_timers_fire(any_platform):
    p = any_platform
    actors = populate(p)
    here, there = spread_points(p, 2, spacing_m=300)
    bad, good = camera_case(p, actors, here), camera_case(p, actors, there)
    with p.engine.begin() as conn:  # a timer row that can never be applied (its warning level is gone)
        c = t.case_timers.c
        conn.execute(update(t.case_timers).where(c.case_id == bad, c.key.like("handle:yellow%")).values(data={"kind": "warning"}))
    p.clock.advance(minutes=24)  # the yellow warnings of both cases are due
    fired = p.bus.handle(SweepTimers())
    assert [(f["case_id"], f["key"].split(":")[1]) for f in fired] == [(good, "yellow")]
    for _ in range(4):  # park_after_attempts is 5
        assert p.bus.handle(SweepTimers()) == []
    yellow = timer(p, bad, "handle:yellow")
    assert yellow.fired_at is None and yellow.attempts == 5 and yellow.parked_at is not None
    assert yellow.last_error == "KeyError: 'level'"

    p.clock.advance(minutes=6)  # 30 minutes: red warnings and the first ladder step of both cases
    fired = p.bus.handle(SweepTimers())
    assert sorted((f["case_id"] == bad, f["key"].split(":")[0]) for f in fired) == [
        (False, "handle"), (False, "ladder"), (True, "handle"), (True, "ladder")]  # fmt: skip
    assert sorted(actions(p, bad)[-2:]) == ["escalate_remind", "warning_red"]
    assert "warning_yellow" not in actions(p, bad) and "warning_yellow" in actions(p, good)

    with admin(p) as api:
        parked = api.get("/api/v1/admin/timers?status=parked").json()
        assert [(x["id"], x["case_id"], x["attempts"], x["last_error"]) for x in parked] == [(yellow.id, bad, 5, "KeyError: 'level'")]
        assert api.post(f"/api/v1/admin/timers/{yellow.id}/retry").status_code == 204
        assert api.get("/api/v1/admin/timers?status=parked").json() == []
        r = api.post(f"/api/v1/admin/timers/{yellow.id}/retry")
        assert r.status_code == 404 and r.json()["detail"] == f"no parked timer {yellow.id}"
        assert api.get("/api/v1/admin/timers?status=parked", headers={"Authorization": "Bearer nope"}).status_code == 401
    p.bus.handle(SweepTimers())  # tried again at once, still broken: counted afresh
    assert timer(p, bad, "handle:yellow").attempts == 1


def test_a_step_of_a_ladder_no_process_knows_is_parked_with_the_reason_never_marked_fired(any_platform):
    p = any_platform
    actors = populate(p)
    save_ladder(p, SYSTEM_ACTOR, {"code": "gone", "name": "将被删除", "steps": [
        {"after": "10m", "action": "remind", "target": {"kind": "unit_type", "value": "community"}}]}, None)  # fmt: skip
    where = spread_points(p, 1)[0]
    cid = p.bus.handle(ReportCase(actor=actors["disp"], description="路面坑洼", lon=where[0], lat=where[1], channel="grid_app")).case_id
    v = p.bus.handle(ActOnCase(actors["disp"], cid, Action.ACCEPT, 1, {})).version
    p.bus.handle(ActOnCase(actors["disp"], cid, Action.DISPATCH, v, {"unit_id": "wuye-1", "ladder": "gone", "time_limit": "1h"}))
    with p.engine.begin() as conn:  # the ladder is lost (say, it lived only in one machine's old file)
        conn.execute(t.escalation_ladders.delete())
        bump(conn, LADDERS, p.clock.now())
    p.clock.advance(minutes=15)
    assert p.bus.handle(SweepTimers()) == []
    step = timer(p, cid, "ladder:gone:0")
    assert step.fired_at is None and step.parked_at is not None and step.attempts == 1
    assert step.last_error == "escalation ladder 'gone' is not known to this process; step 0 was not applied"
    p.clock.advance(minutes=50)  # the case's warnings still fire, and the parked step stays for an admin
    assert {f["key"].split(":")[1] for f in p.bus.handle(SweepTimers())} == {"yellow", "red"}
    assert timer(p, cid, "ladder:gone:0").parked_at is not None
    assert not [a for a in actions(p, cid) if a.startswith("escalate")]


def test_two_webhook_senders_never_send_one_delivery_twice(any_platform):
    from gridgov.services import webhooks

    p, sent, lock = any_platform, [], threading.Lock()
    now = p.clock.now()
    with p.engine.begin() as conn:
        conn.execute(insert(t.webhooks).values(id="sms", name="短信网关", url="http://127.0.0.1:9/", secret="s", event_types=["*"], active=True, created_at=now))
        conn.execute(insert(t.webhook_deliveries), [
            {"webhook_id": "sms", "source": f"outbox:{i}", "event_type": "CaseWarned", "payload": {"n": i}, "status": "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now} for i in range(60)])  # fmt: skip

    def post(_url, _body, headers):
        with lock:
            sent.append(int(headers["X-Gridgov-Delivery"]))
        return 200

    start = threading.Barrier(2)

    def sender(name):
        start.wait()
        while webhooks.deliver_due(p.engine, p.clock, post, batch=5, workers=2, name=name):
            pass

    threads = [threading.Thread(target=sender, args=(n,)) for n in ("a", "b")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    while webhooks.deliver_due(p.engine, p.clock, post, batch=5, name="a"):
        pass
    assert len(sent) == len(set(sent)) == 60
    with p.engine.connect() as conn:
        d = t.webhook_deliveries.c
        assert conn.execute(select(d.status, d.claimed_by).distinct()).all() == [("delivered", None)]
