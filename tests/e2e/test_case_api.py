"""One case walked through every stage over HTTP by the right roles, and the moves that must fail."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import point_in

PROBLEM = "application/problem+json"


def new_case(api, who="ann", **extra):
    lon, lat, _ = point_in(api.platform, "community")
    body = {"description": "彩田路人行道井盖破损", "lat": lat, "lon": lon, "reporter_phone": "13912345678", **extra}
    r = api.post("/api/v1/cases", json=body, headers=api.login(who))
    assert r.status_code == 201, r.text
    return r.json()


def act(api, who, case_id, action, **body):
    return api.post(f"/api/v1/cases/{case_id}/actions/{action}", json=body, headers=api.login(who))


def png_bytes(color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, format="PNG")
    return buf.getvalue()


def test_a_case_walks_every_stage_over_http(api):
    created = new_case(api)
    assert created["status"] == "reported" and created["version"] == 1
    cid = created["id"]
    photo = api.post("/api/v1/photos", files={"file": ("x.png", png_bytes(), "image/png")}, headers=api.login("prop"))
    assert photo.status_code == 201, photo.text
    steps = [
        ("disp", "accept", {}),
        ("disp", "dispatch", {"unit_id": "wuye-1"}),
        ("prop", "claim", {}),
        ("prop", "handle", {"result": "已更换井盖", "photos": [photo.json()["id"]]}),
        ("sup", "verify", {"passed": True}),
        ("disp", "close", {}),
        ("ann", "rate", {"score": 4, "comment": "满意"}),
    ]
    version = 1
    for who, action, body in steps:
        r = act(api, who, cid, action, version=version, **body)
        assert r.status_code == 200, (action, r.text)
        version = r.json()["version"]
    detail = api.get(f"/api/v1/cases/{cid}", headers=api.login("ann")).json()
    assert detail["status"] == "rated" and detail["rating"] == 4
    assert [e["action"] for e in detail["timeline"]] == ["report", "accept", "dispatch", "claim", "handle", "verify", "close", "rate"]
    assert detail["result_photos"] == [photo.json()["id"]]
    img = api.get(photo.json()["url"], headers=api.login("ann"))
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"


def test_a_role_that_may_not_act_gets_403_naming_what_it_may_do(api):
    cid = new_case(api)["id"]
    r = act(api, "prop", cid, "accept", version=1)
    # the property company cannot even see an undispatched case
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = act(api, "sup", cid, "accept", version=1)
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    assert r.json()["allowed_actions"] == ["supervise"]  # 督办 is all a supervisor may do now


def test_an_action_the_state_does_not_allow_gets_409_listing_the_allowed_ones(api):
    cid = new_case(api)["id"]
    r = act(api, "disp", cid, "close", version=1)
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert set(r.json()["allowed_actions"]) == {"accept", "reject", "supervise", "handle_on_spot"}


def test_a_stale_version_gets_409(api):
    cid = new_case(api)["id"]
    assert act(api, "disp", cid, "accept", version=1).status_code == 200
    r = act(api, "disp", cid, "reject", version=1, reason="重复")
    assert r.status_code == 409 and r.json()["title"] == "Stale version"


def test_if_match_carries_the_version_and_a_missing_version_is_428(api):
    cid = new_case(api)["id"]
    r = api.post(f"/api/v1/cases/{cid}/actions/accept", json={}, headers=api.login("disp"))
    assert r.status_code == 428
    r = api.post(f"/api/v1/cases/{cid}/actions/accept", json={}, headers={**api.login("disp"), "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2


def test_an_unknown_action_is_404_with_the_known_ones(api):
    cid = new_case(api)["id"]
    r = act(api, "disp", cid, "teleport", version=1)
    assert r.status_code == 404 and "accept" in r.json()["known_actions"]


@pytest.mark.parametrize(
    "body",
    [
        {"description": "", "lat": 22.55, "lon": 114.06},
        {"description": "x" * 5001, "lat": 22.55, "lon": 114.06},
        {"description": "ok", "lat": 95, "lon": 114.06},
        {"description": "ok", "lat": 22.55, "lon": 200},
        {"description": "ok", "lat": 39.9, "lon": 116.4},
        {"description": "ok", "lat": 22.55, "lon": 114.06, "crs": "epsg3857"},
        {"description": "ok", "lat": 22.55, "lon": 114.06, "channel": "carrier-pigeon"},
        {"description": "ok", "lat": 22.55, "lon": 114.06, "photos": ["nope"]},
        {"description": "ok", "lat": "north", "lon": 114.06},
        {"lat": 22.55, "lon": 114.06},
        {"description": "ok", "lat": 22.55, "lon": 114.06, "surprise": 1},
    ],
)
def test_bad_reports_get_422_problem_json_and_store_nothing(api, body):
    before = api.get("/api/v1/cases", headers=api.login("disp")).json()["items"]
    r = api.post("/api/v1/cases", json=body, headers=api.login("ann"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM and r.json()["status"] == 422 and r.json()["detail"]
    assert api.get("/api/v1/cases", headers=api.login("disp")).json()["items"] == before


def test_idempotency_key_replays_and_a_different_body_is_422(api):
    lon, lat, _ = point_in(api.platform, "community")
    body = {"description": "路灯不亮", "lat": lat, "lon": lon}
    headers = {**api.login("ann"), "Idempotency-Key": "phone-retry-1"}
    first = api.post("/api/v1/cases", json=body, headers=headers)
    second = api.post("/api/v1/cases", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and second.headers["Idempotent-Replayed"] == "true"
    third = api.post("/api/v1/cases", json={**body, "description": "路灯坏了"}, headers=headers)
    assert third.status_code == 422 and third.headers["content-type"] == PROBLEM


def test_photos_that_are_not_images_or_too_large_are_refused(api):
    h = api.login("ann")
    r = api.post("/api/v1/photos", files={"file": ("x.jpg", b"GIF89a not really", "image/jpeg")}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    big = b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024)
    r = api.post("/api/v1/photos", files={"file": ("big.jpg", big, "image/jpeg")}, headers=h)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    r = api.post("/api/v1/photos", files={"file": ("x.gif", gif.getvalue(), "image/gif")}, headers=h)
    assert r.status_code == 422


def test_the_phone_is_masked_for_unit_staff_and_clear_reads_are_audited(api):
    cid = new_case(api)["id"]
    act(api, "disp", cid, "accept", version=1)
    act(api, "disp", cid, "dispatch", version=2, unit_id="wuye-1")
    assert api.get(f"/api/v1/cases/{cid}", headers=api.login("prop")).json()["reporter_phone"] == "139****5678"
    assert api.get(f"/api/v1/cases/{cid}", headers=api.login("disp")).json()["reporter_phone"] == "13912345678"
    audit = api.get(f"/api/v1/admin/audit?subject_id={cid}", headers=api.login("root")).json()
    # the two action responses and the read each showed the phone in clear to the dispatcher
    assert len(audit) == 3
    assert {(a["role"], tuple(a["fields"])) for a in audit} == {("dispatcher", ("reporter_phone", "reporter_name"))}


def test_data_scope_residents_see_only_their_reports_and_units_only_theirs(api):
    mine = new_case(api, "ann")["id"]
    other = new_case(api, "disp")["id"]
    ids = {c["id"] for c in api.get("/api/v1/cases", headers=api.login("ann")).json()["items"]}
    assert mine in ids and other not in ids
    assert api.get(f"/api/v1/cases/{other}", headers=api.login("ann")).status_code == 404
    assert api.get("/api/v1/cases", headers=api.login("cg")).json()["items"] == []


def test_case_list_filters_and_cursor_pages(api):
    ids = []
    for i in range(5):
        api.platform.clock.advance(seconds=1)
        ids.append(new_case(api, description=f"第{i}号 乱堆物料")["id"])
    h = api.login("disp")
    page1 = api.get("/api/v1/cases?limit=2&q=乱堆", headers=h).json()
    page2 = api.get(f"/api/v1/cases?limit=2&q=乱堆&cursor={page1['next_cursor']}", headers=h).json()
    page3 = api.get(f"/api/v1/cases?limit=2&q=乱堆&cursor={page2['next_cursor']}", headers=h).json()
    got = [c["id"] for c in page1["items"] + page2["items"] + page3["items"]]
    assert got == list(reversed(ids)) and page3["next_cursor"] is None
    assert api.get("/api/v1/cases?status=accepted", headers=h).json()["items"] == []
    assert api.get("/api/v1/cases?status=bogus", headers=h).status_code == 422
    assert api.get("/api/v1/cases?cursor=garbage", headers=h).status_code == 400  # issue 10: a bad cursor is a bad request


def test_anonymous_and_bad_tokens_get_401_problem_json(api):
    r = api.get("/api/v1/cases")
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    r = api.get("/api/v1/cases", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401
    r = api.post("/api/v1/auth/token", data={"username": "ann", "password": "wrong"})
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM


def test_health_answers_200_when_the_database_is_reachable(api):
    r = api.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_units_and_grids_list_what_a_dispatcher_may_pick(api):
    h = api.login("disp")
    units = {u["id"] for u in api.get("/api/v1/units", headers=h).json()}
    assert units == {"wuye-1", "dept-chengguan", "sq-1", "zhifa"}
    grids = api.get("/api/v1/grids?level=community", headers=h).json()
    assert len(grids) == 4 and all(g["level"] == "community" for g in grids)


def test_only_admins_create_units_and_users_and_demo_names_are_reserved(api):
    body = {"id": "dept-water", "name": "水务局", "kind": "department", "unit_type": "water"}
    assert api.post("/api/v1/units", json=body, headers=api.login("disp")).status_code == 403
    assert api.post("/api/v1/units", json=body, headers=api.login("root")).status_code == 201
    assert api.post("/api/v1/units", json=body, headers=api.login("root")).status_code == 409
    user = {"username": "dispatcher", "password": "long-enough-pw", "role": "dispatcher"}
    r = api.post("/api/v1/users", json=user, headers=api.login("root"))
    assert r.status_code == 422 and "reserved" in r.json()["detail"]
    r = api.post("/api/v1/users", json={**user, "username": "li.wei"}, headers=api.login("root"))
    assert r.status_code == 201 and r.json()["role"] == "dispatcher"


def test_an_expired_token_is_refused(api):
    headers = api.login("ann")
    api.platform.clock.advance(minutes=api.platform.settings.token_ttl_minutes + 1)
    r = api.get("/api/v1/cases", headers=headers)
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_a_unit_lists_its_members_and_an_unknown_unit_is_404(api):
    h = api.login("disp")
    unit = api.get("/api/v1/units/wuye-1", headers=h).json()
    assert [m["display_name"] for m in unit["members"]] == ["prop"]
    assert api.get("/api/v1/units/nope", headers=h).status_code == 404


def test_dispatch_takes_a_working_calendar_limit_and_refuses_unknown_ladders_or_limits(api):
    cid = new_case(api)["id"]
    act(api, "disp", cid, "accept", version=1)
    assert act(api, "disp", cid, "dispatch", version=2, unit_id="wuye-1", ladder="nope").status_code == 422
    assert act(api, "disp", cid, "dispatch", version=2, unit_id="wuye-1", time_limit="soon").status_code == 422
    r = act(api, "disp", cid, "dispatch", version=2, unit_id="wuye-1", time_limit="8wh", ladder="luohu-external")
    assert r.status_code == 200 and r.json()["due_at"] > r.json()["reported_at"]
