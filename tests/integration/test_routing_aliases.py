"""The alias tables an admin edits (how the history names units and categories -> the directory's unit
ids and the category table's codes), over HTTP on SQLite and PostgreSQL: replaced whole or not at all,
shared by every process through the database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.services.routing import apply_aliases, list_aliases
from tests.conftest import PASSWORD, populate


def client_for(platform) -> TestClient:
    populate(platform)
    return TestClient(create_app(platform=platform, run_relay=False))


def login(client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_an_admin_maps_the_historys_names_and_every_process_reads_them(any_platform):
    with client_for(any_platform) as client:
        root = login(client, "root")
        assert client.get("/api/v1/routing/aliases", headers=root).json() == {"unit": {}, "category": {}}
        body = {"unit": {"街道办": "zhifa", "街道办事处": "zhifa", " 城管 局": "dept-chengguan"}, "category": {"井盖缺失": "C0101"}}
        r = client.put("/api/v1/routing/aliases", json=body, headers=root)
        assert r.status_code == 200, r.text
        assert r.json()["replaced"] == {"unit": 3, "category": 1}
        assert client.get("/api/v1/routing/aliases?kind=unit", headers=root).json() == {
            "unit": {"城管局": "dept-chengguan", "街道办": "zhifa", "街道办事处": "zhifa"}
        }
        # a kind left out stays; a kind given is replaced whole
        r = client.put("/api/v1/routing/aliases", json={"unit": {"工商局": "dept-chengguan"}}, headers=root)
        assert r.json()["aliases"] == {"unit": {"工商局": "dept-chengguan"}, "category": {"井盖缺失": "C0101"}}
    units = list_aliases(any_platform.engine, "unit")["unit"]
    assert apply_aliases(units, ["工商局", "工商 局", "教育局"]) == ["dept-chengguan", "dept-chengguan", "教育局"]


def test_unknown_targets_are_refused_whole_and_nothing_changes(any_platform):
    with client_for(any_platform) as client:
        root = login(client, "root")
        client.put("/api/v1/routing/aliases", json={"unit": {"街道办": "zhifa"}}, headers=root)
        r = client.put("/api/v1/routing/aliases", json={"unit": {"工商局": "nobody", "街道办": "zhifa"}, "category": {"x": "Z9999"}}, headers=root)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["problems"] == ["unit '工商局': no unit 'nobody'", "category 'x': no category code 'Z9999'"]
        assert client.get("/api/v1/routing/aliases", headers=root).json() == {"unit": {"街道办": "zhifa"}, "category": {}}
        r = client.put("/api/v1/routing/aliases", json={"unit": {"街道办": "zhifa", "街 道办": "sq-1"}}, headers=root)
        assert r.status_code == 422
        assert r.json()["problems"] == ["unit '街道办': given twice, for 'zhifa' and 'sq-1'"]


def test_bad_bodies_get_422_and_other_roles_403(any_platform):
    with client_for(any_platform) as client:
        root = login(client, "root")
        for body in ({"units": {}}, {"unit": {"a": ""}}, {"unit": {"a" * 129: "zhifa"}}, {"unit": ["zhifa"]}):
            r = client.put("/api/v1/routing/aliases", json=body, headers=root)
            assert r.status_code == 422, body
        assert client.get("/api/v1/routing/aliases?kind=people", headers=root).status_code == 422
        assert client.put("/api/v1/routing/aliases", json={"unit": {}}, headers=login(client, "cg")).status_code == 403
        assert client.get("/api/v1/routing/aliases", headers=login(client, "sup")).status_code == 403
        assert client.get("/api/v1/routing/aliases").status_code == 401
