"""The demo the README promises: one command builds a district with every role and cases in every state."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.config import Settings
from gridgov.demo.seed import DEMO_USERS, build_demo
from gridgov.domain.workflow import CaseStatus


def test_the_demo_has_every_role_and_cases_in_every_state(tmp_path: Path):
    platform = build_demo(Settings(data_dir=tmp_path / "demo", fast_password_hashing=True), password="s3cret", cases=250)
    client = TestClient(create_app(platform=platform, run_relay=False))
    assert "试一试" in client.get("/").text
    for username, role, _ in DEMO_USERS:
        r = client.post("/api/v1/auth/token", data={"username": username, "password": "s3cret"})
        assert r.status_code == 200 and r.json()["user"]["role"] == role
    assert client.post("/api/v1/auth/token", data={"username": "admin", "password": "demo"}).status_code == 401
    token = client.post("/api/v1/auth/token", data={"username": "leader", "password": "s3cret"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    seen, cursor = set(), None
    while True:
        page = client.get("/api/v1/cases", params={"limit": 200, **({"cursor": cursor} if cursor else {})}, headers=headers).json()
        seen |= {c["status"] for c in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == {s.value for s in CaseStatus}
    grids = client.get("/api/v1/grids?level=grid", headers=headers).json()
    assert 28 <= len(grids) <= 36
    platform.engine.dispose()
