from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def serving(app):
    """Run an app under a real uvicorn server on a free port, in a thread; yields the base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(tmp_path):
    """The whole app over a real server (relay, ticker and live feed running) with the populated test
    district; yields (base URL, platform)."""
    platform = bootstrap(make_settings(tmp_path), clock=SystemClock())
    populate(platform)
    with serving(create_app(platform=platform)) as base:
        yield base, platform
    platform.engine.dispose()
