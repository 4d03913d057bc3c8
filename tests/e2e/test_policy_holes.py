"""The holes a hostile user found in what each role may do, see and declare (issue 10, items 2, 3, 4, 7),
each over HTTP against the real app, on SQLite and PostgreSQL where storage decides."""

from __future__ import annotations

import csv
import io

import pytest
from PIL import Image

from gridgov.domain.commands import CreateUser
from gridgov.domain.roles import SYSTEM_ACTOR, Role
from tests.conftest import PASSWORD, http_client, point_in, populate

PROBLEM = "application/problem+json"


@pytest.fixture
def client(any_platform):
    """The app on each backend, with the test district and a dispatcher limited to the first community."""
    populate(any_platform)
    first = [n for n in any_platform.grids.tree if str(n.level) == "community"][0]
    any_platform.bus.handle(
        CreateUser(SYSTEM_ACTOR, "disp1", PASSWORD, Role.DISPATCHER, display_name="一社区派遣员", grid_code=first.code)
    )
    any_platform.bus.handle(CreateUser(SYSTEM_ACTOR, "bob", PASSWORD, Role.RESIDENT, display_name="王小明"))
    with http_client(any_platform) as c:
        yield c


def report(client, who="ann", community=0, **extra):
    lon, lat, _ = point_in(client.platform, "community", community)
    body = {"description": "彩田路人行道井盖破损", "lat": lat, "lon": lon, **extra}
    r = client.post("/api/v1/cases", json=body, headers=client.login(who))
    assert r.status_code == 201, r.text
    return r.json()


def act(client, who, case_id, action, **body):
    return client.post(f"/api/v1/cases/{case_id}/actions/{action}", json=body, headers=client.login(who))


def png(color=(10, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buf, format="PNG")
    return buf.getvalue()


def upload(client, who, color=(10, 120, 200)) -> str:
    r = client.post("/api/v1/photos", files={"file": ("p.png", png(color), "image/png")}, headers=client.login(who))
    assert r.status_code == 201, r.text
    return r.json()["id"]


# ----------------------------------------------------------------- 2. channel and grade are policy
@pytest.mark.parametrize("channel", ["sos_button", "ai_camera", "iot_alarm", "hotline_12345", "open311", "desk", "grid_app"])
def test_a_resident_cannot_claim_another_channel(client, channel):
    lon, lat, _ = point_in(client.platform, "community")
    r = client.post(
        "/api/v1/cases", json={"description": "有人摔倒", "lat": lat, "lon": lon, "channel": channel},
        headers=client.login("ann"),
    )  # fmt: skip
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    assert channel in r.json()["detail"]
    mine = client.get("/api/v1/cases?mine=true", headers=client.login("ann")).json()["items"]
    assert mine == []  # nothing was opened, nobody was paged


def test_a_resident_cannot_set_the_grade(client):
    lon, lat, _ = point_in(client.platform, "community")
    r = client.post("/api/v1/cases", json={"description": "井盖破损", "lat": lat, "lon": lon, "grade": 1}, headers=client.login("ann"))
    assert r.status_code == 403 and "grade" in r.json()["detail"]


def test_each_role_reports_on_its_own_channel_by_default(client):
    made = {who: report(client, who)["id"] for who in ("ann", "gw", "disp")}
    channels = {who: client.get(f"/api/v1/cases/{cid}", headers=client.login("disp")).json()["channel"] for who, cid in made.items()}
    assert channels == {"ann": "resident_app", "gw": "grid_app", "disp": "desk"}


def test_a_grid_worker_may_grade_and_the_desk_may_register_a_hotline_call(client):
    assert report(client, "gw", grade=2, channel="grid_app")["status"] == "reported"
    assert report(client, "disp", channel="hotline_12345", grade=1)["status"] == "reported"


# ----------------------------------------------------------------- 3. merge obeys scope; success is not 404
def test_a_dispatcher_of_one_community_cannot_merge_cases_of_another(client):
    dup = report(client, community=1)
    kept = report(client, community=1, description="另一处井盖破损")
    r = client.post(f"/api/v1/cases/{dup['id']}/merge", json={"into": kept["id"], "version": dup["version"]}, headers=client.login("disp1"))
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    seen = client.get(f"/api/v1/cases/{dup['id']}", headers=client.login("disp")).json()
    assert seen["status"] == "reported" and [e["action"] for e in seen["timeline"]] == ["report"]


def test_a_dispatcher_cannot_merge_into_a_case_outside_their_scope(client):
    dup = report(client, community=0)
    other = report(client, community=1)
    r = client.post(f"/api/v1/cases/{dup['id']}/merge", json={"into": other["id"], "version": dup["version"]}, headers=client.login("disp1"))
    assert r.status_code == 422
    assert client.get(f"/api/v1/cases/{dup['id']}", headers=client.login("disp")).json()["status"] == "reported"


def test_a_merge_that_succeeds_answers_200_with_the_merged_case(client):
    dup = report(client, community=0)
    kept = report(client, community=0, description="同一处井盖")
    r = client.post(f"/api/v1/cases/{dup['id']}/merge", json={"into": kept["id"], "version": dup["version"]}, headers=client.login("disp1"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected" and r.json()["id"] == dup["id"]


def test_a_unit_returning_an_order_is_told_it_worked(client):
    case = report(client)
    version = act(client, "disp", case["id"], "accept", version=1).json()["version"]
    version = act(client, "disp", case["id"], "dispatch", version=version, unit_id="wuye-1").json()["version"]
    r = act(client, "prop", case["id"], "return", version=version, reason="不属于本物业")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "returned" and r.json()["allowed_actions"] == []
    # and afterwards the order is no longer the unit's to read
    assert client.get(f"/api/v1/cases/{case['id']}", headers=client.login("prop")).status_code == 404


# ----------------------------------------------------------------- 4. photos and the hotline export are scoped
def test_a_photo_is_seen_by_its_uploader_and_who_may_see_its_case_only(client):
    photo = upload(client, "ann")
    url = f"/api/v1/photos/{photo}"
    assert client.get(url, headers=client.login("ann")).status_code == 200
    assert client.get(url, headers=client.login("bob")).status_code == 404  # not attached yet: the uploader's own
    case = report(client, "ann", community=1, photos=[photo])
    assert client.get(url, headers=client.login("disp")).status_code == 200
    assert client.get(url, headers=client.login("disp1")).status_code == 404  # another community's case
    assert client.get(url, headers=client.login("bob")).status_code == 404
    assert client.get(url, headers=client.login("prop")).status_code == 404  # not the unit's order
    version = act(client, "disp", case["id"], "accept", version=1).json()["version"]
    act(client, "disp", case["id"], "dispatch", version=version, unit_id="wuye-1")
    assert client.get(url, headers=client.login("prop")).status_code == 200  # now it is


def test_a_photo_of_someone_else_cannot_be_attached_to_open_it(client):
    photo = upload(client, "ann", color=(1, 2, 3))
    lon, lat, _ = point_in(client.platform, "community")
    r = client.post("/api/v1/cases", json={"description": "井盖", "lat": lat, "lon": lon, "photos": [photo]}, headers=client.login("bob"))
    assert r.status_code == 422 and photo in r.json()["detail"]
    assert client.get(f"/api/v1/photos/{photo}", headers=client.login("bob")).status_code == 404


def test_the_same_picture_uploaded_by_two_people_is_each_ones_own(client):
    first, second = upload(client, "ann", color=(7, 7, 7)), upload(client, "bob", color=(7, 7, 7))
    assert first == second
    assert client.get(f"/api/v1/photos/{first}", headers=client.login("bob")).status_code == 200
    report(client, "bob", photos=[second])


def test_the_hotline_export_holds_only_the_orders_in_the_callers_scope(client):
    rows = []
    for n, community in ((1, 0), (2, 1)):
        lon, lat, _ = point_in(client.platform, "community", community)
        body = {"order_no": f"HL-{n}", "description": "噪音扰民", "lon": lon, "lat": lat}
        r = client.post("/api/v1/intake/hotline", json=body, headers=client.login("disp"))
        assert r.status_code == 201, r.text
        rows.append(r.json())
    def exported(who):
        text = client.get("/api/v1/intake/hotline/export", headers=client.login(who)).content.decode("utf-8-sig")
        return sorted(line[0] for line in list(csv.reader(io.StringIO(text)))[1:])

    assert exported("disp") == ["HL-1", "HL-2"]
    assert exported("disp1") == ["HL-1"]


# ----------------------------------------------------------------- 7. personal data in free text and timelines
def test_a_phone_typed_into_a_description_is_masked_for_roles_that_do_not_see_phones(client):
    case = report(client, "ann", description="楼下井盖坏了，请联系我13812345678")
    for who, expected in (("disp", "13812345678"), ("ann", "13812345678"), ("boss", "138****5678"), ("gw", "138****5678")):
        body = client.get(f"/api/v1/cases/{case['id']}", headers=client.login(who)).json()
        assert body["description"].endswith(expected), who
    listed = client.get("/api/v1/cases", headers=client.login("boss")).json()["items"]
    assert listed[0]["description"] == "楼下井盖坏了，请联系我138****5678"


def test_open311_publishes_no_phone_typed_into_a_description(client):
    report(client, "ann", description="井盖破损 联系电话 0755-83561234 或 139 1234 5678")
    out = client.get("/open311/v2/requests.json").json()
    assert out[0]["description"] == "井盖破损 联系电话 075*****1234 或 139****5678"


def test_the_timeline_masks_a_residents_name_for_roles_that_get_names_masked(client):
    case = report(client, "bob")
    names = {}
    for who in ("disp", "gw", "boss", "bob"):
        timeline = client.get(f"/api/v1/cases/{case['id']}", headers=client.login(who)).json()["timeline"]
        names[who] = timeline[0]["actor_name"]
    assert names == {"disp": "王小明", "gw": "王**", "boss": "王**", "bob": "王小明"}


def test_an_open311_report_names_its_key_by_record_not_by_its_characters(client):
    r = client.post("/api/v1/admin/api-keys", json={"name": "市民通App", "channels": ["open311"]}, headers=client.login("root"))
    assert r.status_code in (200, 201), r.text
    key = r.json()["key"]
    lon, lat, _ = point_in(client.platform, "community")
    form = {"api_key": key, "service_code": "E0109", "lat": str(lat), "long": str(lon), "description": "垃圾满溢",
            "first_name": "小红", "last_name": "李"}  # fmt: skip
    posted = client.post("/open311/v2/requests.json", data=form)
    assert posted.status_code == 201, posted.text
    case_id = posted.json()[0]["service_request_id"]
    entry = client.get(f"/api/v1/cases/{case_id}", headers=client.login("disp")).json()["timeline"][0]
    assert key[:8] not in entry["actor_id"] and key[4:12] not in entry["actor_id"]
    assert entry["actor_role"] == "system" and entry["actor_name"] == "市民通App"


# ----------------------------------------------------------------- the pages ask, they keep no copy of the roles
def test_the_api_tells_each_account_what_it_may_do(client):
    perms = {who: client.get("/api/v1/auth/me", headers=client.login(who)).json()["permissions"] for who in ("ann", "disp", "boss", "root")}
    assert perms["ann"] == []
    assert perms["boss"] == ["view_alarms", "view_register", "view_stats", "view_triage"]
    assert perms["disp"] == [
        "acknowledge_alarms", "edit_register", "edit_triage_data", "feed_machine_channels", "merge_cases", "resolve_triage",
        "view_alarms", "view_devices", "view_register", "view_stats", "view_triage",
    ]  # fmt: skip
    assert len(perms["root"]) == 16  # every permission of domain/policy.py
