"""Care files over HTTP on SQLite and PostgreSQL: a file per resident of the register, visits recorded once
whatever a phone retries, the next visit on the working calendar, the overdue list, masked family phones."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridgov.adapters import tables as t
from tests.conftest import http_client, populate

RESIDENTS = (
    "姓名,身份证号,网格\n"
    "林阿婆,440304194508150029,440304001001001\n"
    "周伯,440304194001010019,440304001002001\n"  # another community
)
CONTACT = {"name": "林小芳", "relation": "女儿", "phone": "139-1234-5678"}


@pytest.fixture
def api(any_platform, clock):  # the fixture's clock is the platform's
    populate(any_platform)
    with http_client(any_platform) as client:
        login = client.login

        def later(days: int) -> None:  # tokens last one shift: log in again after the clock moves
            clock.advance(days=days)
            client.forget_tokens()

        client.later = later
        r = client.post("/api/v1/register/residents/import", content=RESIDENTS.encode(),
                        headers={**login("disp"), "Content-Type": "text/csv"})  # fmt: skip
        client.residents = [row["resident_id"] for row in r.json()["imported"]]
        assert len(client.residents) == 2, r.text
        yield client


def _open(api, resident=0, user="gw", **extra):
    body = {"resident_id": api.residents[resident], "category": "elderly_alone", "tier": "high", "contacts": [CONTACT], **extra}
    return api.post("/api/v1/care/persons", json=body, headers=api.login(user))


def test_a_care_file_opens_with_its_first_visit_due_a_week_later(api):
    r = _open(api)  # the fixed clock reads Monday 2026-11-23 in Shenzhen
    assert r.status_code == 201, r.text
    assert (r.json()["tier"], r.json()["next_due_on"]) == ("high", "2026-11-30")
    assert _open(api).status_code == 409  # one file per person
    listed = api.get("/api/v1/care/persons", headers=api.login("gw")).json()["items"]
    assert [(p["name"], p["category_label"], p["contacts"], p["days_overdue"]) for p in listed] == [
        ("林阿婆", "独居老人", [{"name": "林**", "relation": "女儿", "phone": "139****5678"}], 0),
    ]  # fmt: skip


def test_a_retried_visit_is_recorded_once_and_moves_the_next_due_date(api):
    care_id = _open(api).json()["id"]
    api.later(2)  # Wednesday 25 November
    visit = {"client_ref": "phone-7-visit-1", "note": "精神好，已提醒冬季用电安全", "lon": 114.06, "lat": 22.55}
    first = api.post(f"/api/v1/care/persons/{care_id}/visits", json=visit, headers=api.login("gw"))
    again = api.post(f"/api/v1/care/persons/{care_id}/visits", json=visit, headers=api.login("gw"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    detail = api.get(f"/api/v1/care/persons/{care_id}", headers=api.login("gw")).json()
    assert (len(detail["visits"]), detail["last_visit_on"], detail["next_due_on"]) == (1, "2026-11-25", "2026-12-02")
    with api.platform.engine.connect() as conn:
        assert len(conn.execute(select(t.care_visits.c.id)).all()) == 1


def test_an_idempotency_key_names_a_visit_as_well(api):
    care_id = _open(api).json()["id"]
    headers = {**api.login("gw"), "Idempotency-Key": "visit-abc"}
    codes = [api.post(f"/api/v1/care/persons/{care_id}/visits", json={"note": "上门探访"}, headers=headers).status_code
             for _ in range(3)]  # fmt: skip
    assert codes == [201, 200, 200]
    unnamed = api.post(f"/api/v1/care/persons/{care_id}/visits", json={"note": "上门探访"}, headers=api.login("gw"))
    assert unnamed.status_code == 422


def test_a_late_visit_shows_on_the_overdue_list_until_someone_visits(api):
    care_id = _open(api).json()["id"]
    api.later(10)  # Thursday 3 December: due Monday 30 November
    late = api.get("/api/v1/care/persons", params={"overdue": "true"}, headers=api.login("gw")).json()["items"]
    assert [(p["id"], p["next_due_on"], p["days_overdue"]) for p in late] == [(care_id, "2026-11-30", 3)]
    api.post(f"/api/v1/care/persons/{care_id}/visits", json={"client_ref": "v1", "note": "补访"}, headers=api.login("gw"))
    assert api.get("/api/v1/care/persons", params={"overdue": "true"}, headers=api.login("gw")).json()["items"] == []


def test_bad_files_and_visits_are_refused_with_the_reason(api):
    assert _open(api, tier="normal").json()["detail"] == "独居老人 (elderly_alone) must be visited at least as often as tier key (重点)"
    assert _open(api, category="orphan").status_code == 422
    assert _open(api, contacts=[{**CONTACT, "phone": "12345"}]).status_code == 422
    assert _open(api, resident=1).status_code == 404  # outside the grid worker's community
    care_id = _open(api).json()["id"]
    future = {"client_ref": "f", "note": "x", "visited_at": "2026-11-24T09:00:00+08:00"}
    assert api.post(f"/api/v1/care/persons/{care_id}/visits", json=future, headers=api.login("gw")).status_code == 422
    assert api.post("/api/v1/care/persons/nope/visits", json={"client_ref": "n", "note": "x"}, headers=api.login("gw")).status_code == 404
    assert api.get("/api/v1/care/persons", headers=api.login("ann")).status_code == 403


def test_a_dispatcher_reads_family_phones_in_clear_and_the_read_is_audited(api):
    care_id = _open(api).json()["id"]
    detail = api.get(f"/api/v1/care/persons/{care_id}", headers=api.login("disp")).json()
    assert detail["contacts"] == [{"name": "林小芳", "relation": "女儿", "phone": "13912345678"}]
    with api.platform.engine.connect() as conn:
        audit = conn.execute(select(t.audit_log.c.subject_id, t.audit_log.c.fields).where(t.audit_log.c.subject_type == "care")).all()
    assert [tuple(a) for a in audit] == [(care_id, ["contacts"])]


def test_family_phones_stay_readable_through_a_key_rotation(api):
    from gridgov.adapters.pii_vault import PiiVault
    from gridgov.services.register import rotate_keys

    care_id = _open(api).json()["id"]
    platform, old = api.platform, api.platform.pii
    platform.pii = PiiVault("the-next-register-key-0002", [platform.settings.secret_key])
    with platform.uow() as uow:
        assert rotate_keys(uow, platform.pii) == 2
    platform.pii = PiiVault("the-next-register-key-0002")
    try:
        detail = api.get(f"/api/v1/care/persons/{care_id}", headers=api.login("disp")).json()
        assert detail["contacts"][0]["phone"] == "13912345678"
    finally:
        platform.pii = old


def test_a_visits_photos_are_seen_by_who_may_read_the_file_and_nobody_else(api):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (40, 80, 120)).save(buf, format="PNG")
    photo = api.post("/api/v1/photos", files={"file": ("v.png", buf.getvalue(), "image/png")}, headers=api.login("gw")).json()["id"]
    care_id = _open(api).json()["id"]
    r = api.post(f"/api/v1/care/persons/{care_id}/visits", json={"client_ref": "p1", "note": "探访", "photos": [photo]},
                 headers=api.login("gw"))  # fmt: skip
    assert r.status_code == 201, r.text
    assert api.get(f"/api/v1/photos/{photo}", headers=api.login("disp")).status_code == 200
    assert api.get(f"/api/v1/photos/{photo}", headers=api.login("ann")).status_code == 404
    assert api.get(f"/api/v1/photos/{photo}", headers=api.login("cg")).status_code == 404
