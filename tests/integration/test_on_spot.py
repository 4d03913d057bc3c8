"""A grid worker handles a case on the spot (自行处置) on SQLite and PostgreSQL: the report carries the
result, skips triage and dispatch, waits for verification and is verified, sent back and closed like any
other; nobody else may claim to have handled a report on the spot."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from gridgov.adapters import tables as t
from tests.conftest import http_client, point_in, populate


@pytest.fixture
def api(any_platform):
    populate(any_platform)
    with http_client(any_platform) as client:
        lon, lat, _ = point_in(any_platform, "grid", 0)
        client.place = {"lon": lon, "lat": lat}
        yield client


def _photo(api, user: str, shade: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (shade, shade, shade)).save(buf, format="PNG")
    r = api.post("/api/v1/photos", files={"file": ("p.png", buf.getvalue(), "image/png")}, headers=api.login(user))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _report(api, user="gw", **extra):
    body = {"description": "共享单车堆放占用盲道", **api.place, **extra}
    return api.post("/api/v1/cases", json=body, headers=api.login(user))


def _act(api, user, case_id, action, **fields):
    version = api.get(f"/api/v1/cases/{case_id}", headers=api.login(user)).json()["version"]
    return api.post(f"/api/v1/cases/{case_id}/actions/{action}", json={"version": version, **fields}, headers=api.login(user))


def test_a_case_handled_on_the_spot_skips_dispatch_and_waits_for_verification(api):
    before, after = _photo(api, "gw", 10), _photo(api, "gw", 20)
    r = _report(api, photos=[before], on_spot={"result": "已将单车挪至停放区", "photos": [after]})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "handled"
    case = api.get(f"/api/v1/cases/{r.json()['id']}", headers=api.login("sup")).json()
    assert (case["status"], case["unit_id"], case["result"], case["photos"], case["result_photos"]) == (
        "handled", None, "已将单车挪至停放区", [before], [after],
    )  # fmt: skip
    assert [(e["action"], e["actor_role"], e["actor_name"]) for e in case["timeline"]] == [
        ("report", "grid_worker", "gw"), ("handle_on_spot", "grid_worker", "gw"),
    ]  # fmt: skip
    with api.platform.engine.connect() as conn:
        row = conn.execute(select(t.cases.c.dispatched_at, t.cases.c.accepted_at, t.cases.c.handled_at).where(t.cases.c.id == case["id"])).one()
    assert row.dispatched_at is None and row.accepted_at is not None and row.handled_at is not None
    verified = _act(api, "sup", case["id"], "verify")
    assert verified.status_code == 200, verified.text
    assert _act(api, "sup", case["id"], "close").json()["status"] == "closed"


def test_failed_verification_gives_the_case_back_to_its_grid_worker(api):
    case_id = _report(api, on_spot={"result": "已劝离"}).json()["id"]
    assert _act(api, "sup", case_id, "verify", passed=False, reason="摊贩仍在").json()["status"] == "in_progress"
    assert api.get(f"/api/v1/cases/{case_id}", headers=api.login("cg")).status_code == 404  # no unit holds it
    again = _act(api, "gw", case_id, "handle_on_spot", result="再次劝离，已拍照")
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["rework_count"]) == ("handled", 1)


def test_only_a_grid_worker_may_report_a_case_handled_on_the_spot(api):
    r = _report(api, user="ann", on_spot={"result": "我自己搬走了"})
    assert r.status_code == 403
    assert r.json()["detail"].startswith("role resident may not handle_on_spot")
    r = _report(api, user="disp", on_spot={"result": "已处理"})
    assert r.status_code == 403
    with api.platform.engine.connect() as conn:
        assert conn.execute(select(t.cases.c.id)).all() == []  # nothing was opened


def test_an_on_spot_report_without_a_result_or_with_someone_elses_photo_is_refused(api):
    assert _report(api, on_spot={"result": ""}).status_code == 422
    assert _report(api, on_spot={"photos": []}).status_code == 422
    theirs = _photo(api, "ann", 30)
    r = _report(api, on_spot={"result": "已处理", "photos": [theirs]})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("unknown photo ids")


def test_a_retried_on_spot_report_opens_one_case(api):
    key = {"Idempotency-Key": "gw-onspot-1"}
    body = {"description": "井盖移位", **api.place, "on_spot": {"result": "已复位"}}
    first = api.post("/api/v1/cases", json=body, headers={**api.login("gw"), **key})
    second = api.post("/api/v1/cases", json=body, headers={**api.login("gw"), **key})
    assert (first.status_code, second.status_code, second.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert first.json()["id"] == second.json()["id"]
    with api.platform.engine.connect() as conn:
        assert len(conn.execute(select(t.cases.c.id)).all()) == 1


def test_a_plain_report_is_not_changed_by_on_spot(api):
    r = _report(api)
    assert (r.status_code, r.json()["status"]) == (201, "reported")
