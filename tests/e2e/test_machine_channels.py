"""AI cameras, IoT alarms and SOS buttons: registered devices in, triaged cases out; repeats join."""

from __future__ import annotations

import pytest

from gridgov.services import webhooks
from tests.conftest import point_in


@pytest.fixture
def devices(api):
    lon, lat, _ = point_in(api.platform, "community")
    h = api.login("root")
    for device_id, body in {
        "cam-1": {"kind": "camera", "name": "景华新村北门", "lon": lon, "lat": lat},
        "co-7": {"kind": "sensor", "name": "3栋地下车库CO", "lon": lon, "lat": lat},
        "sos-9": {"kind": "sos_button", "name": "独居老人一键呼", "lon": lon, "lat": lat,
                  "person": {"name": "陈伯", "phone": "13700001111", "address": "景华新村5栋302",
                             "contacts": [{"name": "陈女士(女儿)", "phone": "13800002222"}]}},
    }.items():  # fmt: skip
        r = api.put(f"/api/v1/devices/{device_id}", json=body, headers=h)
        assert r.status_code == 200, r.text
    return api


def intake(api, kind, body):
    r = api.post(f"/api/v1/intake/{kind}", json=body, headers=api.login("disp"))
    api.platform.relay.deliver_pending()
    return r


def test_a_camera_alert_becomes_a_routed_case_and_repeats_join_it(devices):
    api = devices
    body = {"camera_id": "cam-1", "event_type": "垃圾满溢", "captured_at": "2026-11-23T09:00:00+08:00"}
    first = intake(api, "camera", body)
    assert first.status_code == 201
    again = intake(api, "camera", {**body, "captured_at": "2026-11-23T09:05:00+08:00"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and again.json()["report_count"] == 2
    case = api.get(f"/api/v1/cases/{first.json()['id']}", headers=api.login("disp")).json()
    assert case["channel"] == "ai_camera" and case["category"] == "E0109" and case["unit_id"] == "wuye-1"
    other_scene = intake(api, "camera", {**body, "event_type": "出店经营"})
    assert other_scene.status_code == 201 and other_scene.json()["id"] != first.json()["id"]


def test_a_camera_scene_the_category_table_does_not_know_waits_for_a_person_with_its_name(devices):
    """Issue 11: never a 422 that loses the event; the triage queue says which scene it was."""
    api = devices
    r = intake(api, "camera", {"camera_id": "cam-1", "event_type": "外星人", "captured_at": "2026-11-23T09:00:00+08:00"})
    assert r.status_code == 201
    case = api.get(f"/api/v1/cases/{r.json()['id']}", headers=api.login("disp")).json()
    assert case["status"] == "reported" and case["category"] is None
    assert case["timeline"][1]["data"]["reasons"] == [{"code": "scene.unknown", "scene": "外星人"}]
    assert case["triage_reason"] == "unknown scene '外星人'"


@pytest.mark.parametrize(
    ("kind", "body", "status"),
    [("camera", {"camera_id": "cam-404", "event_type": "垃圾满溢", "captured_at": "2026-11-23T09:00:00+08:00"}, 404),
     ("camera", {"camera_id": "cam-1", "event_type": "垃圾满溢", "captured_at": "yesterday"}, 422),
     ("camera", {"camera_id": "co-7", "event_type": "垃圾满溢", "captured_at": "2026-11-23T09:00:00+08:00"}, 422),
     ("camera", ["not", "an", "object"], 422),
     ("alarm", {"device_id": "co-7", "metric": "co", "value": "high", "severity": "major", "at": "2026-11-23T09:00:00Z"}, 422),
     ("alarm", {"device_id": "co-7", "metric": "co", "value": 80, "severity": "apocalyptic", "at": "2026-11-23T09:00:00Z"}, 422),
     ("sos", {"button_id": "sos-404", "pressed_at": "2026-11-23T09:00:00Z"}, 404)],
)  # fmt: skip
def test_bad_machine_payloads_get_a_clear_problem(devices, kind, body, status):
    r = intake(devices, kind, body)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"


def test_an_alarm_grades_by_severity_and_opens_one_case_per_device_and_metric(devices):
    api = devices
    body = {"device_id": "co-7", "metric": "co", "value": 80, "severity": "major", "at": "2026-11-23T09:00:00Z"}
    first = intake(api, "alarm", body)
    second = intake(api, "alarm", {**body, "value": 95})
    assert first.status_code == 201 and second.status_code == 200 and second.json()["id"] == first.json()["id"]
    case = api.get(f"/api/v1/cases/{first.json()['id']}", headers=api.login("disp")).json()
    assert case["grade"] == 2 and "alarm severity major" in case["timeline"][1]["data"]["grade_because"]


def test_an_sos_call_is_top_grade_goes_to_the_community_and_tells_the_contacts(devices, api):
    r = api.post("/api/v1/admin/webhooks", json={"name": "短信", "url": "http://127.0.0.1:9/sms", "event_types": ["CaseReported"]}, headers=api.login("root"))
    assert r.status_code == 201
    call = intake(api, "sos", {"button_id": "sos-9", "pressed_at": "2026-11-23T09:00:00+08:00"})
    assert call.status_code == 201
    case = api.get(f"/api/v1/cases/{call.json()['id']}", headers=api.login("disp")).json()
    assert case["grade"] == 1 and case["unit_id"] == "sq-1" and case["status"] == "dispatched"
    assert case["reporter_phone"] == "13700001111"  # the dispatcher may call back
    sent = []
    webhooks.deliver_due(api.platform.engine, api.platform.clock, lambda url, body, headers: sent.append(body) or 200)
    assert b"13800002222" in sent[0]  # the daughter is on the SMS list
    listed = api.get("/api/v1/devices", headers=api.login("disp")).json()
    sos = next(d for d in listed if d["id"] == "sos-9")
    assert sos["person"]["phone"] == "137****1111" and sos["person"]["name"] == "陈*"


def test_devices_need_a_place_inside_the_district_and_sos_buttons_a_person(api):
    h = api.login("root")
    assert api.put("/api/v1/devices/x", json={"kind": "camera", "name": "远方", "lon": 116.4, "lat": 39.9}, headers=h).status_code == 422
    lon, lat, _ = point_in(api.platform, "community")
    assert api.put("/api/v1/devices/x", json={"kind": "sos_button", "name": "按钮", "lon": lon, "lat": lat}, headers=h).status_code == 422
    assert api.put("/api/v1/devices/x", json={"kind": "drone", "name": "x", "lon": lon, "lat": lat}, headers=h).status_code == 422
    assert api.put("/api/v1/devices/x", json={"kind": "camera", "name": "x", "lon": lon, "lat": lat}, headers=api.login("disp")).status_code == 403
