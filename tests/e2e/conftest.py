from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient

from gridgov.adapters.clock import SystemClock
from gridgov.api.app import create_app
from gridgov.bootstrap import bootstrap
from tests.conftest import PASSWORD, make_settings, populate


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


@pytest.fixture
def live_server(tmp_path):
    """The whole app over a real uvicorn server (relay, ticker and live feed running) on a free port,
    with the populated test district; yields (base URL, platform)."""
    platform = bootstrap(make_settings(tmp_path), clock=SystemClock())
    populate(platform)
    app = create_app(platform=platform)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", platform
    srv.should_exit = True
    thread.join(timeout=10)
    platform.engine.dispose()
