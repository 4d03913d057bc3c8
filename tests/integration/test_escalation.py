"""Deadlines and escalation with a fixed clock on real databases: ladder steps in order, warnings,
holidays, suspension, restarts, and two tickers that never fire a step twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import select

from gridgov.adapters import tables as t
from gridgov.bootstrap import bootstrap
from gridgov.domain.commands import ActOnCase, ReportCase, SweepTimers
from gridgov.domain.deadlines import SHANGHAI
from gridgov.domain.workflow import Action
from tests.conftest import point_in, populate, spread_points


def camera_case(platform, actors, where=None) -> str:
    lon, lat = where or point_in(platform, "community")[:2]
    created = platform.bus.handle(
        ReportCase(actor=actors["disp"], description="垃圾桶满溢", lon=lon, lat=lat, channel="ai_camera", category="E0109")
    )
    platform.relay.deliver_pending()  # triage: routed to the property company on the external loop
    return created.case_id


def timeline(platform, case_id) -> list[str]:
    with platform.engine.connect() as conn:
        return list(conn.execute(select(t.case_timeline.c.action).where(t.case_timeline.c.case_id == case_id).order_by(t.case_timeline.c.id)).scalars())


def case_row(platform, case_id):
    with platform.engine.connect() as conn:
        return conn.execute(select(t.cases).where(t.cases.c.id == case_id)).one()


def sweep(platform):
    return platform.bus.handle(SweepTimers())


def test_the_luohu_ladder_fires_each_step_in_order_and_never_twice(any_platform):
    p = any_platform
    actors = populate(p)
    cid = camera_case(p, actors)
    row = case_row(p, cid)
    assert row.unit_id == "wuye-1" and row.ladder == "luohu-external" and row.due_at == row.dispatched_at + timedelta(minutes=30)
    p.clock.advance(minutes=23)
    assert sweep(p) == []
    p.clock.advance(minutes=1)  # 24 min = 80 % of 30
    assert [f["key"].split(":")[0:2] for f in sweep(p)] == [["handle", "yellow"]]
    p.clock.advance(minutes=6)  # 30 min: overdue, and the ladder's first step
    assert {f["key"].split(":")[0] for f in sweep(p)} == {"handle", "ladder"}
    assert sorted(timeline(p, cid)[-3:]) == ["escalate_remind", "warning_red", "warning_yellow"]
    p.clock.advance(minutes=30)  # 60 min: street enforcement takes over
    sweep(p)
    row = case_row(p, cid)
    assert row.unit_id == "zhifa" and row.status == "dispatched"
    assert timeline(p, cid)[-1] == "escalate_reassign"
    before = timeline(p, cid)
    p.clock.advance(hours=2)
    sweep(p)
    assert [a for a in timeline(p, cid)[len(before):] if a.startswith("escalate_luohu")] == []
    assert timeline(p, cid).count("escalate_reassign") == 1 and timeline(p, cid).count("escalate_remind") == 1


def test_a_handled_case_stops_its_ladder(sqlite_platform):
    p = sqlite_platform
    actors = populate(p)
    cid = camera_case(p, actors)
    p.clock.advance(minutes=5)
    v = case_row(p, cid).version
    v = p.bus.handle(ActOnCase(actors["prop"], cid, Action.CLAIM, v, {})).version
    p.bus.handle(ActOnCase(actors["prop"], cid, Action.HANDLE, v, {"result": "已清运"}))
    p.clock.advance(hours=3)
    sweep(p)
    assert not [a for a in timeline(p, cid) if a.startswith("escalate") or a.startswith("warning_")]


def test_a_restart_fires_the_steps_that_fell_due_while_down_once(tmp_path, clock):
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    first = bootstrap(settings, clock=clock)
    actors = populate(first)
    cid = camera_case(first, actors)
    first.engine.dispose()  # the process stops
    clock.advance(hours=2)  # … and is down for two hours
    second = bootstrap(settings, clock=clock)
    fired = sweep(second)
    assert len(fired) == 4  # yellow, red, remind community, reassign to street enforcement
    assert sweep(second) == []
    assert case_row(second, cid).unit_id == "zhifa"
    second.engine.dispose()


def test_two_tickers_fire_every_step_exactly_once(pg_schema_url, tmp_path, clock):
    from tests.conftest import make_settings

    p = bootstrap(make_settings(tmp_path, pg_schema_url), clock=clock)
    actors = populate(p)
    ids = [camera_case(p, actors, where) for where in spread_points(p, 20)]
    clock.advance(hours=2)
    results: list[list] = [[], []]

    def ticker(i):
        while True:
            fired = p.bus.handle(SweepTimers(limit=7))
            if not fired:
                return
            results[i].extend(fired)

    threads = [threading.Thread(target=ticker, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    keys = [(f["case_id"], f["key"]) for f in results[0] + results[1]]
    assert len(keys) == len(set(keys)) == 20 * 4
    assert results[0] and results[1]  # both tickers did part of the work
    for cid in ids:
        assert timeline(p, cid).count("escalate_reassign") == 1
    p.engine.dispose()


def test_a_working_day_limit_spans_the_national_day_holiday(sqlite_platform):
    p = sqlite_platform
    actors = populate(p)
    p.clock.set(datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI))
    lon, lat, _ = point_in(p, "community")
    cid = p.bus.handle(ReportCase(actor=actors["ann"], description="路灯不亮", lon=lon, lat=lat, channel="resident_app")).case_id
    v = p.bus.handle(ActOnCase(actors["disp"], cid, Action.ACCEPT, 1, {})).version
    p.bus.handle(ActOnCase(actors["disp"], cid, Action.DISPATCH, v, {"unit_id": "dept-chengguan", "time_limit": "1wd"}))
    assert case_row(p, cid).due_at == datetime(2025, 10, 9, 10, 0, tzinfo=SHANGHAI)


def test_a_suspended_case_does_not_escalate_and_resuming_moves_the_deadline(sqlite_platform):
    p = sqlite_platform
    actors = populate(p)
    cid = camera_case(p, actors)
    due = case_row(p, cid).due_at
    v = case_row(p, cid).version
    v = p.bus.handle(ActOnCase(actors["prop"], cid, Action.REQUEST_SUSPENSION, v, {"reason": "等待业主开门"})).version
    v = p.bus.handle(ActOnCase(actors["disp"], cid, Action.APPROVE_SUSPENSION, v, {})).version
    p.clock.advance(hours=5)
    assert sweep(p) == []
    p.bus.handle(ActOnCase(actors["prop"], cid, Action.RESUME, v, {}))
    assert case_row(p, cid).due_at == due + timedelta(hours=5)
    entries = timeline(p, cid)
    assert entries[-3:] == ["request_suspension", "approve_suspension", "resume"]
