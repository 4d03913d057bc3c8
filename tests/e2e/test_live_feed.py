"""The live feed over a real HTTP server: a new case reaches a subscribed dispatcher within one second,
and a user only sees events of cases in their scope."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from tests.conftest import PASSWORD, point_in


@pytest.fixture
def server(live_server):
    return live_server


def token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return r.json()["access_token"]


def read_events(base: str, tok: str, into: list, ready: threading.Event, stop: threading.Event) -> None:
    # as the pages do: a single-use stream ticket in the URL, never the access token itself
    ticket = httpx.post(f"{base}/api/v1/stream/ticket", headers={"Authorization": f"Bearer {tok}"}).json()["ticket"]
    with httpx.stream("GET", f"{base}/api/v1/stream?ticket={ticket}", timeout=10) as r:
        ready.set()
        for line in r.iter_lines():
            if line.startswith("data: "):
                into.append((time.perf_counter(), json.loads(line[6:])))
            if stop.is_set():
                return


def test_a_new_case_is_on_the_feed_within_one_second_and_out_of_scope_users_do_not_see_it(server):
    base, platform = server
    got_disp, got_cg = [], []
    ready1, ready2, stop = threading.Event(), threading.Event(), threading.Event()
    for who, into, ready in (("disp", got_disp, ready1), ("cg", got_cg, ready2)):
        threading.Thread(target=read_events, args=(base, token(base, who), into, ready, stop), daemon=True).start()
    assert ready1.wait(5) and ready2.wait(5)
    time.sleep(0.3)
    lon, lat, _ = point_in(platform, "community")
    sent = time.perf_counter()
    r = httpx.post(
        f"{base}/api/v1/cases",
        json={"description": "消防通道被占用", "lon": lon, "lat": lat},
        headers={"Authorization": f"Bearer {token(base, 'ann')}"},
    )
    assert r.status_code == 201
    deadline = time.time() + 3
    while not got_disp and time.time() < deadline:
        time.sleep(0.02)
    stop.set()
    assert got_disp, "no event reached the dispatcher"
    at, event = got_disp[0]
    assert event["type"] == "CaseReported" and event["case_id"] == r.json()["id"]
    assert at - sent < 1.0
    assert got_cg == []  # the 城管 handler sees nothing of a case not assigned to 城管


def test_the_feed_refuses_anonymous_callers(server):
    base, _ = server
    r = httpx.get(f"{base}/api/v1/stream", timeout=5)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
