"""Inbox, webhooks (signed, retried, dead-lettered), deadline views and the calendar over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from gridgov.adapters.http import post_bytes
from gridgov.domain.commands import SweepTimers
from gridgov.services import webhooks
from tests.conftest import point_in


def camera_case(api):
    lon, lat, _ = point_in(api.platform, "community")
    r = api.post("/api/v1/cases", json={"description": "垃圾桶满溢", "lat": lat, "lon": lon, "category": "E0109", "channel": "ai_camera"}, headers=api.login("disp"))
    pump(api)
    return r.json()["id"]


def pump(api):
    """What the background loops do: deliver events, fire due timers, deliver events again."""
    p = api.platform
    while p.relay.deliver_pending() or p.bus.handle(SweepTimers()):
        pass


@pytest.fixture
def receiver():
    """A local HTTP gateway that records requests; `fail` makes it answer 503."""
    got, state = [], {"fail": False}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), body))
            self.send_response(503 if state["fail"] else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/sms", got, state
    server.shutdown()


def test_every_member_of_the_unit_gets_the_dispatch_in_their_inbox_once(api):
    cid = camera_case(api)
    api.platform.relay.deliver_pending()
    box = api.get("/api/v1/inbox", headers=api.login("prop")).json()
    assert box["unread"] == 1 and box["items"][0]["case_id"] == cid and box["items"][0]["title"] == "新派遣案件"
    assert api.get("/api/v1/inbox", headers=api.login("cg")).json()["unread"] == 0
    note = box["items"][0]["id"]
    assert api.post(f"/api/v1/inbox/{note}/read", headers=api.login("prop")).status_code == 204
    assert api.get("/api/v1/inbox", headers=api.login("prop")).json()["unread"] == 0
    assert api.post(f"/api/v1/inbox/{note}/read", headers=api.login("cg")).status_code == 404


def test_late_cases_warn_the_unit_and_escalate_to_the_community(api):
    camera_case(api)
    api.platform.clock.advance(minutes=31)
    pump(api)
    titles = [i["title"] for i in api.get("/api/v1/inbox", headers=api.login("prop")).json()["items"]]
    assert titles.count("案件时限预警") == 2  # yellow and red
    overdue = api.get("/api/v1/deadlines?view=overdue", headers=api.login("disp")).json()
    assert len(overdue) == 1 and overdue[0]["urgency"] == "red" and overdue[0]["minutes_left"] < 0
    assert api.get("/api/v1/deadlines?view=soon&within_minutes=60", headers=api.login("disp")).json() == []
    assert api.get("/api/v1/deadlines?view=sideways", headers=api.login("disp")).status_code == 422


def test_webhooks_are_signed_and_delivered(api, receiver):
    url, got, _ = receiver
    r = api.post("/api/v1/admin/webhooks", json={"name": "短信网关", "url": url, "event_types": ["CaseDispatched"]}, headers=api.login("root"))
    assert r.status_code == 201
    secret = r.json()["secret"]
    camera_case(api)
    assert webhooks.deliver_due(api.platform.engine, api.platform.clock, post_bytes) == 1
    headers, body = got[0]
    expected = "sha256=" + hmac.new(secret.encode(), headers["X-Gridgov-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Gridgov-Signature"] == expected
    assert json.loads(body)["recipients"][0]["name"] == "prop"


def test_a_failing_gateway_is_retried_with_backoff_then_dead_lettered_and_can_be_retried(api, receiver):
    url, got, state = receiver
    state["fail"] = True
    api.post("/api/v1/admin/webhooks", json={"name": "微信", "url": url, "event_types": ["*"]}, headers=api.login("root"))
    camera_case(api)
    p = api.platform
    attempts = 0
    for _ in range(20):
        attempts += webhooks.deliver_due(p.engine, p.clock, post_bytes)
        p.clock.advance(hours=7)
    api.forget_tokens()
    dead = api.get("/api/v1/admin/webhooks/deliveries?status=dead", headers=api.login("root")).json()
    assert dead and all(d["attempts"] == len(webhooks.BACKOFF_SECONDS) for d in dead)
    state["fail"] = False
    assert api.post(f"/api/v1/admin/webhooks/deliveries/{dead[0]['id']}/retry", headers=api.login("root")).status_code == 204
    webhooks.deliver_due(p.engine, p.clock, post_bytes)
    assert len(api.get("/api/v1/admin/webhooks/deliveries?status=delivered", headers=api.login("root")).json()) == 1


@pytest.mark.parametrize("url", ["ftp://gateway/x", "not a url", "javascript:alert(1)", "http://"])
def test_a_webhook_url_that_is_not_http_is_refused(api, url):
    r = api.post("/api/v1/admin/webhooks", json={"name": "x", "url": url, "event_types": ["*"]}, headers=api.login("root"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_the_calendar_says_which_years_are_provisional_and_takes_overrides(api):
    h = api.login("root")
    y2025 = api.get("/api/v1/calendar/2025", headers=h).json()
    assert not y2025["provisional"] and "2025-10-01" in y2025["holidays"] and "2025-09-28" in y2025["workdays"]
    assert api.get("/api/v1/calendar/2031", headers=h).json()["provisional"]
    r = api.put("/api/v1/calendar/overrides", content=b"years: [2031]\nholidays: [2031-01-01]\n", headers={**h, "Content-Type": "application/yaml"})
    assert r.status_code == 200
    y2031 = api.get("/api/v1/calendar/2031", headers=h).json()
    assert not y2031["provisional"] and y2031["holidays"] == ["2031-01-01"]
    bad = api.put("/api/v1/calendar/overrides", content=b"holidays: [2031-02-30]\n", headers={**h, "Content-Type": "application/yaml"})
    assert bad.status_code == 422 and "not a real date" in bad.json()["problems"][0]
    assert api.get("/api/v1/calendar/2031", headers=h).json()["holidays"] == ["2031-01-01"]


def test_leaders_supervise_and_the_unit_is_told(api):
    cid = camera_case(api)
    case = api.get(f"/api/v1/cases/{cid}", headers=api.login("boss")).json()
    due = (api.platform.clock.now() + timedelta(hours=2)).isoformat()
    r = api.post(f"/api/v1/cases/{cid}/actions/supervise", json={"version": case["version"], "reason": "群众反映强烈，请今日办结", "due_at": due}, headers=api.login("boss"))
    assert r.status_code == 200, r.text
    pump(api)
    titles = [i["title"] for i in api.get("/api/v1/inbox", headers=api.login("prop")).json()["items"]]
    assert "领导督办" in titles


def test_ladders_are_data_and_a_step_aimed_at_nobody_is_refused(api):
    h = api.login("root")
    codes = {ladder["code"] for ladder in api.get("/api/v1/ladders", headers=h).json()}
    assert {"luohu-external", "standard"} <= codes
    ladder = {"code": "fast", "name": "快速", "steps": [
        {"after": "10m", "anchor": "dispatched", "action": "remind", "target": {"kind": "unit_type", "value": "community"}},
        {"after": "20m", "anchor": "dispatched", "action": "reassign", "target": {"kind": "unit_type", "value": "street_enforcement"}}]}  # fmt: skip
    community = next(g["code"] for g in api.get("/api/v1/grids?level=community", headers=h).json())
    assert api.put(f"/api/v1/ladders/fast?scope={community}", json=ladder, headers=h).status_code == 200
    other = [g["code"] for g in api.get("/api/v1/grids?level=community", headers=h).json()][1]
    r = api.put(f"/api/v1/ladders/fast?scope={other}", json=ladder, headers=h)
    assert r.status_code == 422 and "no unit type 'community'" in r.json()["detail"]
    bad = {**ladder, "steps": [{"after": "soon", "action": "explode", "target": {"kind": "role", "value": "king"}}]}
    r = api.put("/api/v1/ladders/fast", json=bad, headers=h)
    assert r.status_code == 422 and len(r.json()["problems"]) == 3
    assert api.put("/api/v1/ladders/fast", json=ladder, headers=api.login("disp")).status_code == 403
    to_gw = {**ladder, "steps": [{"after": "1h", "action": "remind", "target": {"kind": "role", "value": "grid_worker"}}]}
    assert api.put(f"/api/v1/ladders/fast?scope={community}", json=to_gw, headers=h).status_code == 200
    r = api.put(f"/api/v1/ladders/fast?scope={other}", json=to_gw, headers=h)
    assert r.status_code == 422 and "nobody has the role 'grid_worker'" in r.json()["detail"]
