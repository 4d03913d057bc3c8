"""Sensor readings over HTTP to a governed case and back, on SQLite and PostgreSQL (issue 16).

A CO sensor in a basement reports over the rule for its minute: one alarm, one case opened through the
intake pipeline and routed; more high readings update the same alarm and case; CO falls below the
hysteresis band: the alarm clears and the case's timeline says so. Bad readings in the same batch are
refused one by one with reasons, and the good ones kept.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.bootstrap import bootstrap
from gridgov.domain.commands import CreateUser
from gridgov.domain.roles import SYSTEM_ACTOR, Role
from gridgov.services import telemetry
from gridgov.services.ids import new_id
from tests.conftest import PASSWORD, START, http_client, point_in, populate


@pytest.fixture
def api(any_platform):
    populate(any_platform)
    with http_client(any_platform) as client:
        yield client


@pytest.fixture
def basement(api):
    """A CO sensor in the first community's basement, and an integration key for telemetry only."""
    lon, lat, _ = point_in(api.platform, "community")
    root = api.login("root")
    body = {"kind": "sensor", "name": "景华新村地下车库CO", "lon": lon, "lat": lat, "profile": "co"}
    assert api.put("/api/v1/devices/co-b1-01", json=body, headers=root).status_code == 200
    off = {"kind": "sensor", "name": "停用的CO", "lon": lon, "lat": lat, "profile": "co", "active": False}
    assert api.put("/api/v1/devices/co-b1-02", json=off, headers=root).status_code == 200
    key = api.post(
        "/api/v1/admin/api-keys", json={"name": "车库物联网平台", "channels": ["telemetry"]}, headers=root
    )
    assert key.status_code == 201, key.text
    return {"X-Api-Key": key.json()["key"]}


def ts(second: int) -> str:
    return (START + timedelta(seconds=second)).isoformat()


def send(api, key, *readings):
    r = api.post("/api/v1/telemetry", json=list(readings), headers=key)
    assert r.status_code == 200, r.text
    return r.json()


def co(second: int, value: float) -> dict:
    return {"device_id": "co-b1-01", "ts": ts(second), "values": {"co": value}}


def test_co_rises_opens_one_routed_case_and_falling_clears_the_alarm_on_its_timeline(api, basement):
    api.platform.clock.advance(seconds=600)  # readings are stamped up to ten minutes before "now"
    first = send(api, basement, co(0, 87.0), co(30, 90.0))
    assert (first["accepted"], first["rejected"], first["alarms"]) == (2, [], [])

    raised = send(api, basement, co(60, 92.0))
    assert [(a["kind"], a["rule"], a["severity"], a["status"]) for a in raised["alarms"]] == [
        ("raised", "co_high", "major", "active")
    ]
    case_id = raised["alarms"][0]["case_id"]
    assert case_id
    api.platform.relay.deliver_pending()  # triage and routing run from the outbox
    disp = api.login("disp")
    case = api.get(f"/api/v1/cases/{case_id}", headers=disp).json()
    assert (case["status"], case["category"], case["channel"]) == ("dispatched", "E0602", "iot_alarm")

    again = send(
        api, basement, co(90, 260.0), co(120, 45.0)
    )  # critical, then back to major (45 is inside the band)
    assert [(a["kind"], a["severity"], a["case_id"]) for a in again["alarms"]] == [
        ("severity", "critical", case_id),
        ("severity", "major", case_id),
    ]
    alarms = api.get("/api/v1/alarms", headers=disp).json()
    assert [
        (a["device_id"], a["rule"], a["severity"], a["status"], a["acknowledged"], a["case_id"])
        for a in alarms
    ] == [("co-b1-01", "co_high", "major", "active", False, case_id)]

    # one alarm, re-triggered: 92 raised it, 260 and 45 (inside the band) held it again
    assert (alarms[0]["triggers"], alarms[0]["last_triggered_at"]) == (3, ts(120))
    acked = api.post(f"/api/v1/alarms/{alarms[0]['id']}/acknowledge", headers=disp)
    assert (acked.status_code, acked.json()["acknowledged"], acked.json()["status"]) == (200, True, "active")

    cleared = send(api, basement, co(150, 38.0))
    assert [(a["kind"], a["status"], a["case_id"]) for a in cleared["alarms"]] == [
        ("cleared", "cleared", case_id)
    ]
    timeline = api.get(f"/api/v1/cases/{case_id}", headers=disp).json()["timeline"]
    assert [e["action"] for e in timeline if e["action"].startswith("alarm_")] == [
        "alarm_severity",
        "alarm_severity",
        "alarm_cleared",
    ]
    assert [e["data"]["reading_at"] for e in timeline if e["action"] == "alarm_cleared"] == [
        ts(150)
    ]  # which reading
    assert [e["data"]["reasons"] for e in timeline if e["action"] == "alarm_cleared"] == [
        [{"code": "telemetry.back_to_normal"}]
    ]
    listed = api.get("/api/v1/alarms", headers=disp).json()
    assert [(a["status"], a["acknowledged"], a["case_id"]) for a in listed] == [("cleared", True, case_id)]

    # a new rise after the clearing is a new alarm with its own case
    send(api, basement, co(180, 80.0))
    second = send(api, basement, co(240, 81.0))["alarms"]
    assert [(a["kind"], a["severity"]) for a in second] == [("raised", "major")]
    assert second[0]["case_id"] not in (None, case_id)


def test_bad_readings_are_refused_one_by_one_and_the_good_ones_kept(api, basement, caplog):
    api.platform.clock.advance(seconds=600)
    caplog.set_level("WARNING", logger="gridgov.services.telemetry")
    out = send(
        api,
        basement,
        co(0, 12.0),
        "not an object",
        {"device_id": "co-b1-01", "ts": "yesterday", "values": {"co": 1}},
        {"device_id": "co-b1-01", "ts": ts(3600), "values": {"co": 1}},
        {"device_id": "co-b1-01", "ts": ts(-8 * 86400), "values": {"co": 1}},
        {"device_id": "nobody", "ts": ts(1), "values": {"co": 1}},
        {"device_id": "co-b1-02", "ts": ts(1), "values": {"co": 1}},
        {"device_id": "co-b1-01", "ts": ts(2), "values": {"co": 5000}},
        {"device_id": "co-b1-01", "ts": ts(3), "values": {"co": "high", "battery": 80}},
    )
    assert out["accepted"] == 2
    assert [(r["index"], [x["code"] for x in r["reasons"]]) for r in out["rejected"]] == [
        (1, ["telemetry.not_an_object"]),
        (2, ["telemetry.bad_ts"]),
        (3, ["telemetry.ts_in_future"]),
        (4, ["telemetry.ts_too_old"]),
        (5, ["telemetry.unknown_device"]),
        (6, ["telemetry.unknown_device"]),
        (7, ["telemetry.out_of_range"]),
        (8, ["telemetry.not_a_number"]),
    ]
    assert out["rejected"][-1]["partly_kept"] is True  # its battery value was kept
    logged = [r.getMessage() for r in caplog.records if r.name == "gridgov.services.telemetry"]
    assert logged == [
        "telemetry: 2 readings kept, 8 refused or partly kept (telemetry.bad_ts x1, telemetry.not_a_number x1, "
        "telemetry.not_an_object x1, telemetry.out_of_range x1, telemetry.ts_in_future x1, telemetry.ts_too_old x1, "
        "telemetry.unknown_device x2)"
    ]  # counts by code; no device id, no value


def test_only_a_telemetry_key_or_the_desk_may_post_readings(api, basement):
    root = api.login("root")
    alarm_key = api.post(
        "/api/v1/admin/api-keys", json={"name": "alarm box", "channels": ["alarm"]}, headers=root
    ).json()["key"]
    assert api.post("/api/v1/telemetry", json=co(0, 1.0), headers={"X-Api-Key": alarm_key}).status_code == 403
    assert api.post("/api/v1/telemetry", json=co(0, 1.0), headers=api.login("gw")).status_code == 403
    assert api.post("/api/v1/telemetry", json=[], headers=basement).status_code == 422
    assert api.post("/api/v1/telemetry", json=co(0, 1.0), headers=api.login("disp")).status_code == 200


def test_a_device_profile_must_be_a_shipped_one_for_a_sensor(api):
    lon, lat, _ = point_in(api.platform, "community")
    root = api.login("root")
    bad = api.put(
        "/api/v1/devices/x1",
        json={"kind": "sensor", "name": "x", "lon": lon, "lat": lat, "profile": "radon"},
        headers=root,
    )
    cam = api.put(
        "/api/v1/devices/x2",
        json={"kind": "camera", "name": "x", "lon": lon, "lat": lat, "profile": "co"},
        headers=root,
    )
    assert (bad.status_code, cam.status_code) == (422, 422)
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_a_restart_mid_duration_resumes_the_rule_where_the_last_reading_left_it(api, basement):
    """The rules' state is committed with each reading: a new process on the same database (the old
    one gone without a goodbye) raises the alarm at the minute, not a minute after the restart."""
    api.platform.clock.advance(seconds=600)
    assert send(api, basement, co(0, 87.0), co(30, 90.0))["alarms"] == []
    api.platform.engine.dispose()
    again = bootstrap(api.platform.settings, clock=api.platform.clock)
    try:
        with TestClient(create_app(platform=again, run_relay=False)) as fresh:
            r = fresh.post("/api/v1/telemetry", json=co(60, 91.0), headers=basement)
            assert [(a["kind"], a["severity"]) for a in r.json()["alarms"]] == [("raised", "major")]
    finally:
        again.engine.dispose()


def test_a_silent_sensor_raises_its_offline_alarm_on_the_sweep_and_a_reading_clears_it(api, basement):
    api.platform.clock.advance(seconds=600)
    send(api, basement, co(0, 3.0))
    platform = api.platform

    def sweep(second):
        changes = telemetry.sweep_silence(actor=SYSTEM_ACTOR, uow_factory=platform.uow, bus=platform.bus,
                                          now=START + timedelta(seconds=second), new_id=new_id)  # fmt: skip
        return [(c["kind"], c["rule"], c["severity"]) for c in changes]

    assert (sweep(120), sweep(180)) == ([], [("raised", "offline", "warning")])
    assert sweep(240) == []  # still the same alarm
    offline = api.get("/api/v1/alarms", headers=api.login("disp")).json()
    assert [(a["rule"], a["status"], a["case_id"]) for a in offline] == [
        ("offline", "active", None)
    ]  # no case
    back = send(api, basement, co(300, 3.0))["alarms"]
    assert [(a["kind"], a["rule"]) for a in back] == [("cleared", "offline")]


def test_a_dispatcher_of_one_community_sees_and_acknowledges_only_its_alarms(api, basement):
    first = point_in(api.platform, "community", 0)
    second = point_in(api.platform, "community", 1)
    root = api.login("root")
    body = {"kind": "sensor", "name": "隔壁社区CO", "lon": second[0], "lat": second[1], "profile": "co"}
    assert api.put("/api/v1/devices/co-other", json=body, headers=root).status_code == 200
    api.platform.bus.handle(CreateUser(actor=SYSTEM_ACTOR, username="disp1", password=PASSWORD, role=Role.DISPATCHER,
                                       display_name="disp1", grid_code=first[2]))  # fmt: skip
    api.platform.clock.advance(seconds=600)
    for device in ("co-b1-01", "co-other"):
        send(api, basement, *({"device_id": device, "ts": ts(s), "values": {"co": 300.0}} for s in (0, 10)))
    everyone = {a["device_id"]: a["id"] for a in api.get("/api/v1/alarms", headers=api.login("disp")).json()}
    assert sorted(everyone) == ["co-b1-01", "co-other"]
    mine = api.get("/api/v1/alarms", headers=api.login("disp1")).json()
    assert [a["device_id"] for a in mine] == ["co-b1-01"]
    other = api.post(f"/api/v1/alarms/{everyone['co-other']}/acknowledge", headers=api.login("disp1"))
    assert other.status_code == 404 and other.headers["content-type"].startswith("application/problem+json")


def test_a_rise_and_fall_in_one_batch_opens_the_case_first_and_clears_it_on_its_timeline(api, basement):
    api.platform.clock.advance(seconds=600)
    out = send(api, basement, co(70, 10.0), co(0, 87.0), co(60, 92.0))  # out of order on purpose
    # a cleared alarm keeps the severity it had
    assert [(a["kind"], a["severity"]) for a in out["alarms"]] == [("raised", "major"), ("cleared", "major")]
    case_id = out["alarms"][0]["case_id"]
    assert out["alarms"][1]["case_id"] == case_id
    timeline = api.get(f"/api/v1/cases/{case_id}", headers=api.login("disp")).json()["timeline"]
    assert [e["action"] for e in timeline if e["action"].startswith("alarm_")] == ["alarm_cleared"]
