"""The whole closed loop through the service layer on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridgov.adapters import tables as t
from gridgov.domain.commands import ActOnCase, ReportCase
from gridgov.domain.errors import InvalidInput, InvalidTransition, StaleVersion
from gridgov.domain.events import CaseReported
from gridgov.domain.workflow import Action
from tests.conftest import point_in, populate


def walk(platform, actors, case_id, steps):
    version = 1
    for username, action, fields in steps:
        platform.clock.advance(minutes=10)
        case = platform.bus.handle(ActOnCase(actors[username], case_id, action, version, fields))
        version = case.version
    return version


FULL_LOOP = [
    ("disp", Action.ACCEPT, {}),
    ("disp", Action.DISPATCH, {"unit_id": "wuye-1"}),
    ("prop", Action.CLAIM, {}),
    ("prop", Action.HANDLE, {"result": "已清运"}),
    ("sup", Action.REWORK, {"reason": "仍有残留"}),
    ("prop", Action.HANDLE, {"result": "已彻底清理"}),
    ("sup", Action.VERIFY, {}),
    ("disp", Action.CLOSE, {}),
    ("ann", Action.RATE, {"score": 5, "comment": "很快"}),
]


def report(platform, actor, **overrides):
    lon, lat, _ = point_in(platform, "community")
    fields = {"description": "景华新村垃圾桶满溢", "lon": lon, "lat": lat, "channel": "resident_app"}
    fields.update(overrides)
    return platform.bus.handle(ReportCase(actor=actor, **fields))


def test_a_case_goes_from_report_to_rating_with_a_timeline_and_an_event_per_step(any_platform):
    actors = populate(any_platform)
    created = report(any_platform, actors["ann"], reporter_phone="13912345678")
    assert created.body["status"] == "reported" and created.body["grid_code"]
    version = walk(any_platform, actors, created.case_id, FULL_LOOP)
    assert version == 1 + len(FULL_LOOP)
    with any_platform.engine.connect() as conn:
        row = conn.execute(select(t.cases).where(t.cases.c.id == created.case_id)).one()
        actions = conn.execute(
            select(t.case_timeline.c.action).where(t.case_timeline.c.case_id == created.case_id).order_by(t.case_timeline.c.id)
        ).scalars().all()
        events = conn.execute(
            select(t.outbox.c.event_type).where(t.outbox.c.case_id == created.case_id).order_by(t.outbox.c.id)
        ).scalars().all()
    assert row.status == "rated" and row.rating == 5 and row.rework_count == 1
    assert row.reported_at.tzinfo is not None and row.closed_at > row.reported_at
    assert actions == ["report"] + [a.value for _, a, _ in FULL_LOOP]
    assert events[0] == "CaseReported" and events[-1] == "CaseRated" and len(events) == len(FULL_LOOP) + 1


def test_a_stale_version_is_refused_and_changes_nothing(any_platform):
    actors = populate(any_platform)
    created = report(any_platform, actors["ann"])
    any_platform.bus.handle(ActOnCase(actors["disp"], created.case_id, Action.ACCEPT, 1, {}))
    with pytest.raises(StaleVersion):
        any_platform.bus.handle(ActOnCase(actors["disp"], created.case_id, Action.REJECT, 1, {"reason": "x"}))
    with any_platform.engine.connect() as conn:
        assert conn.execute(select(t.cases.c.status).where(t.cases.c.id == created.case_id)).scalar() == "accepted"


def test_two_concurrent_writers_of_one_version_let_exactly_one_win(any_platform):
    actors = populate(any_platform)
    created = report(any_platform, actors["ann"])
    outcomes: list[str] = []

    def accept() -> None:
        try:
            any_platform.bus.handle(ActOnCase(actors["disp"], created.case_id, Action.ACCEPT, 1, {}))
            outcomes.append("ok")
        except (StaleVersion, InvalidTransition):
            outcomes.append("refused")

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    with any_platform.engine.connect() as conn:
        n = conn.execute(
            select(func.count()).select_from(t.case_timeline).where(t.case_timeline.c.case_id == created.case_id)
        ).scalar()
    assert n == 2  # report + one accept


def test_dispatch_to_an_unknown_unit_is_refused(any_platform):
    actors = populate(any_platform)
    created = report(any_platform, actors["ann"])
    any_platform.bus.handle(ActOnCase(actors["disp"], created.case_id, Action.ACCEPT, 1, {}))
    with pytest.raises(InvalidInput, match="unknown unit"):
        any_platform.bus.handle(ActOnCase(actors["disp"], created.case_id, Action.DISPATCH, 2, {"unit_id": "nobody"}))


def test_a_point_outside_every_grid_is_refused(any_platform):
    actors = populate(any_platform)
    with pytest.raises(InvalidInput, match="outside every grid"):
        report(any_platform, actors["ann"], lon=116.4, lat=39.9)


def test_gcj02_input_is_stored_as_wgs84(any_platform):
    import prcoords

    actors = populate(any_platform)
    lon, lat, _ = point_in(any_platform, "community")
    glat, glon = prcoords.wgs_gcj((lat, lon))
    created = report(any_platform, actors["ann"], lon=glon, lat=glat, crs="gcj02")
    with any_platform.engine.connect() as conn:
        row = conn.execute(select(t.cases).where(t.cases.c.id == created.case_id)).one()
    assert abs(row.lon - lon) < 2e-5 and abs(row.lat - lat) < 2e-5  # about 2 m


def test_the_same_idempotency_key_returns_the_first_case_and_a_different_body_is_refused(any_platform):
    actors = populate(any_platform)
    first = report(any_platform, actors["ann"], idempotency_key="k-1", request_hash="h1")
    again = report(any_platform, actors["ann"], idempotency_key="k-1", request_hash="h1")
    assert again.replayed and again.case_id == first.case_id
    with pytest.raises(Exception, match="different request body"):
        report(any_platform, actors["ann"], idempotency_key="k-1", request_hash="h2")
    with any_platform.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.cases)).scalar() == 1


def test_the_relay_delivers_each_event_once_and_retries_a_failing_handler(any_platform):
    actors = populate(any_platform)
    seen: list[str] = []
    fail_once = {"armed": True}

    def handler(event_type, payload, event_id):
        if fail_once["armed"]:
            fail_once["armed"] = False
            raise RuntimeError("gateway down")
        seen.append(payload["case_id"])

    any_platform.relay.subscribe(CaseReported, handler)
    created = report(any_platform, actors["ann"])
    assert any_platform.relay.deliver_pending() == 0  # first attempt fails, nothing marked delivered
    with any_platform.engine.connect() as conn:
        row = conn.execute(
            select(t.outbox).where(t.outbox.c.case_id == created.case_id, t.outbox.c.event_type == "CaseReported")
        ).one()
    assert row.attempts == 1 and "gateway down" in row.last_error and row.published_at is None
    assert any_platform.relay.deliver_pending() >= 1
    any_platform.relay.deliver_pending()  # the events triage produced on the way
    assert any_platform.relay.deliver_pending() == 0
    assert seen == [created.case_id]


def test_an_extension_request_and_approval_move_the_deadline(any_platform):
    actors = populate(any_platform)
    created = report(any_platform, actors["ann"])
    version = walk(any_platform, actors, created.case_id, FULL_LOOP[:3])
    new_due = any_platform.clock.now() + timedelta(days=9)
    case = any_platform.bus.handle(
        ActOnCase(actors["prop"], created.case_id, Action.REQUEST_EXTENSION, version, {"reason": "等配件", "requested_due": new_due})
    )
    case = any_platform.bus.handle(ActOnCase(actors["disp"], created.case_id, Action.APPROVE_EXTENSION, case.version, {}))
    assert case.due_at == new_due
