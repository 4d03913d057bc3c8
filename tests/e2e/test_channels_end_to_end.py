"""Every channel, from its recorded raw payload (tests/fixtures/) to a dispatched case that says which
rule of the responsibility list sent it where."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.conftest import point_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEY = "o311-test-key"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def district(api):
    """The test district with the fixtures' devices registered where the payloads expect them."""
    lon, lat, _ = point_in(api.platform, "community")
    root = api.login("root")
    for device_id, body in {
        "cam-jh-001": {"kind": "camera", "name": "景华新村北门", "lon": lon, "lat": lat},
        "smoke-jh-5-302": {"kind": "sensor", "name": "5栋302烟感", "lon": lon, "lat": lat},
        "sos-jh-0017": {"kind": "sos_button", "name": "一键呼", "lon": lon, "lat": lat,
                        "person": {"name": "陈伯", "phone": "13700001111", "address": "景华新村5栋302", "contacts": []}},
    }.items():  # fmt: skip
        assert api.put(f"/api/v1/devices/{device_id}", json=body, headers=root).status_code == 200
    api.platform.settings.open311_api_keys = [KEY]
    return api


def dispatched(api, case_id: str) -> dict:
    """Deliver the outbox (triage runs there), then read the case as a dispatcher."""
    api.platform.relay.deliver_pending()
    case = api.get(f"/api/v1/cases/{case_id}", headers=api.login("disp")).json()
    assert case["status"] == "dispatched", case
    return case


def routing(case: dict) -> dict:
    triaged = next(e for e in case["timeline"] if e["action"] == "triage")
    return triaged["data"]["routing"]


def test_grid_app_report_in_gcj02_is_stored_in_wgs84_and_sent_to_the_property_company(district):
    api = district
    r = api.post("/api/v1/cases", json=fixture("app_report_gcj02.json"), headers=api.login("gw"))
    assert r.status_code == 201, r.text
    case = dispatched(api, r.json()["id"])
    lon, lat, code = point_in(api.platform, "community")
    assert abs(case["lon"] - lon) < 1e-5 and abs(case["lat"] - lat) < 1e-5  # GCJ-02 shift undone
    assert case["unit_id"] == "wuye-1" and routing(case)["rule"] == "by-category"
    assert any("property_company" in because for because in routing(case)["because"])


def test_hotline_file_rows_and_a_pushed_order_reach_their_units(district):
    api = district
    content = (FIXTURES / "hotline_orders.csv").read_bytes()
    r = api.post("/api/v1/intake/hotline/import", files={"file": ("orders.csv", content)}, headers=api.login("disp"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert [row["line"] for row in report["rejected"]] == [4]  # the order with no text, named by its line
    first = dispatched(api, report["imported"][0]["case_id"])
    assert first["unit_id"] == "wuye-1" and first["channel"] == "hotline_12345"
    by_address = dispatched(api, report["imported"][1]["case_id"])
    assert by_address["unit_id"] == "zhifa" and routing(by_address)["rule"] == "by-category"
    pushed = api.post("/api/v1/intake/hotline", json=fixture("hotline_push.json"), headers=api.login("disp"))
    assert pushed.status_code == 201, pushed.text
    case = dispatched(api, pushed.json()["case_id"])
    assert case["unit_id"] == "zhifa" and case["grid_code"] is not None  # placed by its address alone


def test_open311_post_becomes_a_dispatched_case(district):
    api = district
    form = dict(parse_qsl((FIXTURES / "open311_post.txt").read_text().strip()))
    r = api.post("/open311/v2/requests.json", data={**form, "api_key": KEY})
    assert r.status_code == 201, r.text
    request_id = r.json()[0]["service_request_id"]
    case = dispatched(api, request_id)
    assert case["unit_id"] == "zhifa" and case["channel"] == "open311"
    public = api.get(f"/open311/v2/requests/{request_id}.json").json()[0]
    assert public["agency_responsible"] == "莲花街道综合执法队" and "email" not in public


def test_camera_alert_with_snapshot_goes_to_the_property_company_first_with_the_picture(district):
    api = district
    r = api.post("/api/v1/intake/camera", json=fixture("camera_alert.json"), headers=api.login("disp"))
    assert r.status_code == 201, r.text
    case = dispatched(api, r.json()["id"])
    assert case["unit_id"] == "wuye-1" and routing(case)["rule"] == "camera-property-first"
    assert routing(case)["ladder"] == "luohu-external" and routing(case)["time_limit"] == "30m"
    assert len(case["photos"]) == 1
    photo = api.get(f"/api/v1/photos/{case['photos'][0]}", headers=api.login("disp"))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


def test_a_camera_snapshot_that_is_no_image_is_refused_and_opens_no_case(district):
    api = district
    before = api.get("/api/v1/cases", headers=api.login("disp")).json()["items"]
    r = api.post("/api/v1/intake/camera", json={**fixture("camera_alert.json"), "snapshot": "aGVsbG8gd29ybGQ="},
                 headers=api.login("disp"))  # fmt: skip
    assert r.status_code == 422 and "JPEG, PNG or WebP" in r.json()["detail"]
    assert api.get("/api/v1/cases", headers=api.login("disp")).json()["items"] == before


def test_iot_alarm_and_sos_call_go_to_the_community_at_top_grades(district):
    api = district
    alarm = api.post("/api/v1/intake/alarm", json=fixture("iot_alarm.json"), headers=api.login("disp"))
    sos = api.post("/api/v1/intake/sos", json=fixture("sos_call.json"), headers=api.login("disp"))
    assert alarm.status_code == 201 and sos.status_code == 201
    alarm_case, sos_case = dispatched(api, alarm.json()["id"]), dispatched(api, sos.json()["id"])
    assert alarm_case["unit_id"] == "sq-1" and alarm_case["grade"] == 1  # severity critical
    assert sos_case["unit_id"] == "sq-1" and sos_case["grade"] == 1 and routing(sos_case)["rule"] == "sos-community"
