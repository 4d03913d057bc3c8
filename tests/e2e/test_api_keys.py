"""Integration keys: a machine channel feeds cases with a key limited to its channels, which an admin
can list (never seeing the key again) and revoke at once."""

from __future__ import annotations

import pytest

from tests.conftest import point_in

CAMERA_ALERT = {"camera_id": "cam-1", "event_type": "垃圾满溢", "captured_at": "2026-11-23T09:00:00+08:00"}


@pytest.fixture
def camera(api):
    lon, lat, _ = point_in(api.platform, "community")
    r = api.put("/api/v1/devices/cam-1", json={"kind": "camera", "name": "北门", "lon": lon, "lat": lat}, headers=api.login("root"))
    assert r.status_code == 200
    return api


def new_key(api, channels, name="海康视频平台"):
    r = api.post("/api/v1/admin/api-keys", json={"name": name, "channels": channels}, headers=api.login("root"))
    assert r.status_code == 201, r.text
    return r.json()


def test_a_key_feeds_its_channel_and_the_case_names_the_system(camera):
    api = camera
    key = new_key(api, ["camera"])
    assert key["key"].startswith("ggk_") and key["prefix"] == key["key"][:10]
    r = api.post("/api/v1/intake/camera", json=CAMERA_ALERT, headers={"X-Api-Key": key["key"]})
    assert r.status_code == 201, r.text
    case = api.get(f"/api/v1/cases/{r.json()['id']}", headers=api.login("disp")).json()
    assert case["timeline"][0]["actor_name"] == "海康视频平台" and case["timeline"][0]["actor_id"] == f"key:{key['id']}"
    listed = api.get("/api/v1/admin/api-keys", headers=api.login("root")).json()
    assert [k["id"] for k in listed] == [key["id"]] and listed[0]["last_used_at"] is not None
    assert all("key" not in k and "key_hash" not in k for k in listed)  # the key is shown once only


def test_a_key_is_refused_on_other_channels_and_after_revocation(camera):
    api = camera
    key = new_key(api, ["alarm"])
    wrong_channel = api.post("/api/v1/intake/camera", json=CAMERA_ALERT, headers={"X-Api-Key": key["key"]})
    assert wrong_channel.status_code == 403 and "alarm" in wrong_channel.json()["detail"]
    hotline = new_key(api, ["hotline", "open311"], name="12345热线")
    pushed = api.post("/api/v1/intake/hotline", json={"order_no": "A1", "description": "路灯不亮", "address": "景华新村"},
                      headers={"X-Api-Key": hotline["key"]})  # fmt: skip
    assert pushed.status_code == 201, pushed.text
    assert api.delete(f"/api/v1/admin/api-keys/{hotline['id']}", headers=api.login("root")).status_code == 204
    again = api.post("/api/v1/intake/hotline", json={"order_no": "A2", "description": "路灯不亮", "address": "景华新村"},
                     headers={"X-Api-Key": hotline["key"]})  # fmt: skip
    assert again.status_code == 401 and again.headers["content-type"] == "application/problem+json"
    made_up = api.post("/api/v1/intake/camera", json=CAMERA_ALERT, headers={"X-Api-Key": "ggk_not-a-real-key"})
    assert made_up.status_code == 401


def test_an_open311_client_may_post_with_an_integration_key(camera):
    api = camera
    key = new_key(api, ["open311"], name="FixMyStreet")
    lon, lat, _ = point_in(api.platform, "community")
    form = {"api_key": key["key"], "service_code": "E0109", "lat": str(lat), "long": str(lon), "description": "垃圾桶满溢"}
    assert api.post("/open311/v2/requests.json", data=form).status_code == 201
    camera_only = new_key(api, ["camera"])
    refused = api.post("/open311/v2/requests.json", data={**form, "api_key": camera_only["key"]})
    assert refused.status_code == 403 and refused.json()[0]["description"].startswith("a valid api_key")


@pytest.mark.parametrize(
    ("body", "status"),
    [({"name": "x", "channels": []}, 422), ({"name": "x", "channels": ["fax"]}, 422), ({"name": "", "channels": ["camera"]}, 422),
     ({"name": "x", "channels": ["camera"], "admin": True}, 422)],
)  # fmt: skip
def test_bad_key_requests_are_refused_and_only_admins_manage_keys(api, body, status):
    assert api.post("/api/v1/admin/api-keys", json=body, headers=api.login("root")).status_code == status
    assert api.post("/api/v1/admin/api-keys", json={"name": "x", "channels": ["camera"]}, headers=api.login("disp")).status_code == 403
    assert api.delete("/api/v1/admin/api-keys/nope", headers=api.login("root")).status_code == 404
    assert api.get("/api/v1/admin/api-keys", headers=api.login("root")).json() == []
