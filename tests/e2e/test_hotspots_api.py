"""GET /api/v1/analytics/hotspots on both backends: a grid whose street vending jumped is reported with
its numbers and its cases; steady grids are not; surges of sensitive cases are flagged; bad windows 422."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from tests.analytics_data import GRID1, GRID2, GRID3, case_row, insert, weekly
from tests.conftest import PASSWORD, START, populate


@pytest.fixture
def client(any_platform):
    populate(any_platform)
    # GRID1: one stall a week for 8 weeks, then 6; GRID2: two a week throughout; GRID3: two sensitive
    # cases (群体性) this week where none were before
    rows = weekly(START, [6] + [1] * 8, grid=GRID1) + weekly(START, [2] * 9, grid=GRID2)
    rows += weekly(START, [2], grid=GRID3, category="E0305", sensitive=True, description="工地拖欠工资，工人聚集讨薪")
    insert(any_platform, rows)
    app = create_app(platform=any_platform, run_relay=False)
    with TestClient(app) as c:
        def login(name):
            r = c.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        c.login = login
        yield c


def test_a_jump_in_street_vending_is_a_hot_spot_with_its_numbers_and_cases(client):
    r = client.get("/api/v1/analytics/hotspots?days=7", headers=client.login("boss"))
    assert r.status_code == 200, r.text
    first = r.json()[0]
    # 6 against 8 weekly ones: expected (8 + 0.5) / 8 = 1.062, ratio 5.65, P(Bin(14, 1/9) >= 6) = 0.002554;
    # four cells tested (GRID1, GRID2, GRID3 sensitive and GRID3 E0305): q = 0.002554 · 4 = 0.01022
    assert {k: first[k] for k in ("grid_code", "grid_name", "category", "category_name", "count", "expected", "ratio",
                                  "p_value", "q_value", "method", "sensitive")} == {
        "grid_code": GRID1, "grid_name": "景华社区第01网格", "category": "E0503", "category_name": "占道经营",
        "count": 6, "expected": 1.062, "ratio": 5.65, "p_value": 0.002554, "q_value": 0.01022,
        "method": "poisson", "sensitive": False}  # fmt: skip
    assert first["sentence"] == "景华社区第01网格的占道经营：平常每周数量的 5.6 倍，p < 0.01"
    assert first["sentence_en"] == "road-occupying stall in 景华社区第01网格: 5.6× its usual weekly count, p < 0.01"
    assert len(first["case_ids"]) == 6
    listed = client.get(first["cases"] + "&limit=200", headers=client.login("boss")).json()["items"]
    assert sorted(c["id"] for c in listed) == sorted(first["case_ids"])


def test_a_surge_of_sensitive_cases_is_a_hot_spot_flagged_sensitive_and_steady_grids_are_not(client):
    found = client.get("/api/v1/analytics/hotspots?days=7", headers=client.login("boss")).json()
    # two sensitive cases where none were: P(Bin(2, 1/9) >= 2) = 1/81 = 0.01235; the two E0305 cases
    # themselves are below the minimum of 3 for a category
    assert [(h["grid_code"], h["category"], h["sensitive"], h["count"], h["p_value"]) for h in found] == [
        (GRID1, "E0503", False, 6, 0.002554), (GRID3, "sensitive", True, 2, 0.01235)]  # fmt: skip
    assert found[1]["category_name"] == "敏感事件"


def test_hot_spots_stay_within_the_callers_grid(client, any_platform):
    from gridgov.domain.commands import CreateUser
    from gridgov.domain.roles import SYSTEM_ACTOR, Role

    any_platform.bus.handle(CreateUser(SYSTEM_ACTOR, "g3lead", PASSWORD, Role.LEADER, display_name="g3", grid_code=GRID3))
    found = client.get("/api/v1/analytics/hotspots?days=7", headers=client.login("g3lead")).json()
    assert [h["grid_code"] for h in found] == [GRID3]


@pytest.mark.parametrize("query", ["days=0", "days=93", "days=abc", "days=-7"])
def test_a_bad_window_is_refused_with_422(client, query):
    r = client.get(f"/api/v1/analytics/hotspots?{query}", headers=client.login("boss"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def test_residents_and_units_may_not_see_hot_spots(client):
    assert client.get("/api/v1/analytics/hotspots", headers=client.login("ann")).status_code == 403
    assert client.get("/api/v1/analytics/hotspots").status_code == 401


def test_repeat_addresses_and_h3_cells(client, any_platform):
    insert(any_platform, [case_row(START.replace(hour=0), address="景华路 12号", grid=GRID2) for _ in range(3)])
    places = client.get("/api/v1/analytics/repeat-addresses?days=7&min=3", headers=client.login("boss")).json()
    # every seeded case of the window stands on one point: they are one 30 m cluster too (13 cases)
    assert [(p["kind"], p["label"], p["count"]) for p in places] == [("cluster", "22.55000,114.05000", 13), ("address", "景华路 12号", 3)]
    cells = client.get("/api/v1/analytics/hotspots/cells?days=7&resolution=9", headers=client.login("boss"))
    assert cells.status_code == 200
    assert client.get("/api/v1/analytics/hotspots/cells?resolution=12", headers=client.login("boss")).status_code == 422
