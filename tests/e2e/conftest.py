from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
import uvicorn

from gridgov.adapters.clock import SystemClock
from gridgov.api.app import create_app
from gridgov.bootstrap import bootstrap
from tests.conftest import http_client, make_settings, populate


@pytest.fixture
def api(sqlite_platform):
    """An HTTP client over create_app on a populated SQLite platform; `api.login(name)` gives headers."""
    populate(sqlite_platform)
    with http_client(sqlite_platform) as client:
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
