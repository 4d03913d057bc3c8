from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from tests.conftest import PASSWORD, populate


@pytest.fixture
def api(sqlite_platform):
    """An HTTP client over create_app on a populated SQLite platform; `api.login(name)` gives headers."""
    populate(sqlite_platform)
    app = create_app(platform=sqlite_platform, run_relay=False)
    with TestClient(app) as client:
        tokens: dict[str, str] = {}

        def login(username: str) -> dict[str, str]:
            if username not in tokens:
                r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
                assert r.status_code == 200, r.text
                tokens[username] = r.json()["access_token"]
            return {"Authorization": f"Bearer {tokens[username]}"}

        client.login = login
        client.forget_tokens = tokens.clear  # after moving the clock past their expiry
        client.platform = sqlite_platform
        yield client
