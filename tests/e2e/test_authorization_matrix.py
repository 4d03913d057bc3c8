"""Every endpoint × every role × in and out of scope, against a table a person wrote and reviewed.

The table below is the promise: it is written out by hand, never computed from the code under test, and
the test fails for an endpoint of the app's own route table that has no row, so an endpoint added later
cannot ship without someone deciding who may call it.

One letter per caller, in the order of `CALLERS`:
  y  passes authorization (any answer but 401/403; a 422 for the empty sample body counts, the caller
     got as far as the route's own checks)
  n  403: logged in, but the role may not
  u  401: not logged in (or the credential is not one this endpoint takes)
  h  404: the thing exists but lies outside the caller's data scope (rows marked "out")
Every account is limited the way a real district limits it: center roles and the grid worker to the
first community, unit staff to their unit, the resident to their own reports. The sample case "in" lies
in the first community, was reported by the resident and is dispatched to the property company; "out"
lies in the second community, reported by another resident and dispatched to the community station.
Which lifecycle action each role may take on a case is the transition table's own reviewed test
(tests/unit/test_workflow.py); here an action is sent with a stale version, so 409 means "reached it".
"""

from __future__ import annotations

import io

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from gridgov.api.app import create_app
from gridgov.domain.commands import ActOnCase, CreateUser, ReportCase
from gridgov.domain.roles import SYSTEM_ACTOR, Role
from gridgov.domain.workflow import Action
from tests.conftest import PASSWORD, point_in, populate
from tests.e2e.conftest import serving

CALLERS = ("anon", "resident", "grid_worker", "entity_staff", "handler", "dispatcher", "supervisor", "leader", "admin")

EXPECTED: dict[str, str] = {
    # ------------------------------------------------------------ sign-in            anon res gw  ent han dis sup lea adm
    "POST /api/v1/auth/token": "yyyyyyyyy",
    "GET /api/v1/auth/me": "uyyyyyyyy",
    "POST /api/v1/auth/logout": "uyyyyyyyy",  # with a fresh token per caller: it ends the token
    "POST /api/v1/auth/password": "uyyyyyyyy",
    "POST /api/v1/stream/ticket": "uyyyyyyyy",
    # ------------------------------------------------------------ cases
    "POST /api/v1/cases": "uyyyyyyyy",
    "GET /api/v1/cases": "uyyyyyyyy",
    "GET /api/v1/cases/{case_id} in": "uyyyhyyyy",
    "GET /api/v1/cases/{case_id} out": "uhhhhhhhh",
    "POST /api/v1/cases/{case_id}/actions/{action} in": "uyyyhyyyy",
    "POST /api/v1/cases/{case_id}/actions/{action} out": "uhhhhhhhh",
    "POST /api/v1/cases/{case_id}/merge in": "unnnnynny",
    "POST /api/v1/cases/{case_id}/merge out": "unnnnhnnh",
    # ------------------------------------------------------------ directory
    "GET /api/v1/units": "uyyyyyyyy",
    "POST /api/v1/units": "unnnnnnny",
    "GET /api/v1/units/{unit_id}": "uyyyyyyyy",
    "GET /api/v1/users": "unnnnnnny",
    "POST /api/v1/users": "unnnnnnny",
    "PATCH /api/v1/users/{user_id}": "unnnnnnny",
    "GET /api/v1/grids": "uyyyyyyyy",
    "GET /api/v1/grids/geojson": "uyyyyyyyy",
    "POST /api/v1/grids/import": "unnnnnnny",
    "GET /api/v1/grids/locate": "uyyyyyyyy",
    "POST /api/v1/photos": "uyyyyyyyy",
    "GET /api/v1/photos/{photo_id} in": "uyyyhyyyy",
    "GET /api/v1/photos/{photo_id} out": "uhhhhhhhh",
    # ------------------------------------------------------------ triage data
    "GET /api/v1/triage": "unnnnyyyy",
    "POST /api/v1/triage/{case_id}": "unnnnynny",
    "GET /api/v1/categories": "uyyyyyyyy",
    "PUT /api/v1/categories": "unnnnynny",
    "GET /api/v1/categories/suggest": "uyyyyyyyy",
    "GET /api/v1/rules": "uyyyyyyyy",
    "PUT /api/v1/rules/{code}": "unnnnynny",
    "DELETE /api/v1/rules/{code}": "unnnnynny",
    "POST /api/v1/rules/import": "unnnnynny",
    "POST /api/v1/rules/dry-run": "unnnnyyyy",
    "GET /api/v1/routing/aliases": "unnnnynny",  # issue 11: the history's alias tables
    "PUT /api/v1/routing/aliases": "unnnnynny",
    # ------------------------------------------------------------ deadlines and notices
    "GET /api/v1/inbox": "uyyyyyyyy",
    "POST /api/v1/inbox/{notification_id}/read": "uyyyyyyyy",
    "POST /api/v1/inbox/read-all": "uyyyyyyyy",
    "GET /api/v1/deadlines": "uyyyyyyyy",
    "GET /api/v1/calendar/{year}": "uyyyyyyyy",
    "PUT /api/v1/calendar/overrides": "unnnnnnny",
    "GET /api/v1/ladders": "uyyyyyyyy",
    "PUT /api/v1/ladders/{code}": "unnnnnnny",
    # ------------------------------------------------------------ integrations and operations
    "GET /api/v1/admin/webhooks": "unnnnnnny",
    "POST /api/v1/admin/webhooks": "unnnnnnny",
    "GET /api/v1/admin/webhooks/deliveries": "unnnnnnny",
    "POST /api/v1/admin/webhooks/deliveries/{delivery_id}/retry": "unnnnnnny",
    "GET /api/v1/admin/api-keys": "unnnnnnny",
    "POST /api/v1/admin/api-keys": "unnnnnnny",
    "DELETE /api/v1/admin/api-keys/{key_id}": "unnnnnnny",
    "GET /api/v1/admin/outbox": "unnnnnnny",
    "POST /api/v1/admin/outbox/{event_id}/retry": "unnnnnnny",
    "GET /api/v1/admin/timers": "unnnnnnny",
    "POST /api/v1/admin/timers/{timer_id}/retry": "unnnnnnny",
    "GET /api/v1/admin/audit": "unnnnnnny",
    "GET /api/v1/health": "yyyyyyyyy",
    "PUT /api/v1/devices/{device_id}": "unnnnnnny",
    "GET /api/v1/devices": "unnnnynny",
    # machine channels: an integration key, or the command center registering input by hand
    "POST /api/v1/intake/camera": "unnnnynny",
    "POST /api/v1/intake/alarm": "unnnnynny",
    "POST /api/v1/telemetry": "unnnnynny",  # issue 16: or an integration key for the telemetry channel
    "GET /api/v1/alarms": "unnnnyyyy",
    "POST /api/v1/alarms/{alarm_id}/acknowledge": "unnnnynny",  # no such alarm: 404 after authorization
    "POST /api/v1/intake/sos": "unnnnynny",
    "POST /api/v1/intake/hotline/import": "unnnnynny",
    "POST /api/v1/intake/hotline": "unnnnynny",
    "GET /api/v1/intake/hotline/export": "unnnnynny",
    # ------------------------------------------------------------ the register (人房企): grid workers and the center
    "POST /api/v1/register/residents/import": "unynnynny",  # an empty JSON body: 415, past authorization
    "GET /api/v1/register/residents": "unynnyyyy",
    "GET /api/v1/register/residents/{resident_id}": "unynnyyyy",  # no such resident: 404 after authorization
    "POST /api/v1/register/residents/{resident_id}/move": "unynnynny",
    "PATCH /api/v1/register/residents/{resident_id}": "unynnynny",
    "POST /api/v1/register/organisations/import": "unynnynny",
    "GET /api/v1/register/organisations": "unynnyyyy",
    "POST /api/v1/care/persons": "unynnynny",  # 一人一档: the register's permissions
    "GET /api/v1/care/persons": "unynnyyyy",
    "GET /api/v1/care/persons/{care_id}": "unynnyyyy",
    "POST /api/v1/care/persons/{care_id}/visits": "unynnynny",
    # ------------------------------------------------------------ the wall and the feed
    "GET /api/v1/stats/overview": "unnnnyyyy",
    "GET /api/v1/analytics/kpis": "unnnnyyyy",
    "GET /api/v1/analytics/hotspots": "unnnnyyyy",
    "GET /api/v1/analytics/hotspots/cells": "unnnnyyyy",
    "GET /api/v1/analytics/repeat-addresses": "unnnnyyyy",
    "GET /api/v1/briefs/{day}.pdf": "unnnnyyyy",
    "GET /api/v1/briefs/{day}.html": "unnnnyyyy",
    "GET /api/v1/briefs": "unnnnyyyy",  # no range given: 422 after authorization
    "GET /api/v1/stream": "uyyyyyyyy",  # a bearer header or a stream ticket; never a token in the URL
    # ------------------------------------------------------------ Open311: public reads, POST needs an api_key
    "GET /open311/v2/services.{fmt}": "yyyyyyyyy",
    "GET /open311/v2/services/{service_code}.{fmt}": "yyyyyyyyy",
    "POST /open311/v2/requests.{fmt}": "nnnnnnnnn",
    "GET /open311/v2/requests.{fmt}": "yyyyyyyyy",
    "GET /open311/v2/requests/{request_id}.{fmt}": "yyyyyyyyy",
    "GET /open311/v2/tokens/{token}.{fmt}": "yyyyyyyyy",
}

# The account of each role, and where it is limited to ("community0": the first community's code).
ACCOUNTS = {
    "resident": ("m_res", Role.RESIDENT, None, None),
    "grid_worker": ("m_gw", Role.GRID_WORKER, None, "community0"),
    "entity_staff": ("m_ent", Role.ENTITY_STAFF, "wuye-1", None),
    "handler": ("m_han", Role.HANDLER, "dept-chengguan", None),
    "dispatcher": ("m_dis", Role.DISPATCHER, None, "community0"),
    "supervisor": ("m_sup", Role.SUPERVISOR, None, "community0"),
    "leader": ("m_lea", Role.LEADER, None, "community0"),
    "admin": ("m_adm", Role.ADMIN, None, "community0"),
}


def _png(color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from gridgov.adapters.clock import FixedClock
    from gridgov.bootstrap import bootstrap
    from gridgov.domain.commands import StorePhoto
    from tests.conftest import START, make_settings

    platform = bootstrap(make_settings(tmp_path_factory.mktemp("matrix")), clock=FixedClock(START))
    populate(platform)
    communities = [n for n in platform.grids.tree if str(n.level) == "community"]
    for name, role, unit, grid in ACCOUNTS.values():
        platform.bus.handle(
            CreateUser(SYSTEM_ACTOR, name, PASSWORD, role, display_name=name, unit_id=unit,
                       grid_code=communities[0].code if grid == "community0" else None)
        )  # fmt: skip
    platform.bus.handle(CreateUser(SYSTEM_ACTOR, "m_other", PASSWORD, Role.RESIDENT, display_name="m_other"))
    with platform.uow() as uow:
        users = {u.username: u.as_actor() for u in uow.users.list()}
    boss = users["disp"]  # the district-wide dispatcher of the test district

    def case(reporter, community, unit, color):
        photo = platform.bus.handle(StorePhoto(actor=users[reporter], content=_png(color)))["id"]
        lon, lat, _ = point_in(platform, "community", community)
        made = platform.bus.handle(
            ReportCase(actor=users[reporter], description="井盖破损", lon=lon, lat=lat, channel="resident_app", photos=(photo,))
        )
        for action, fields in ((Action.ACCEPT, {}), (Action.DISPATCH, {"unit_id": unit})):
            version = platform.bus.handle(ActOnCase(boss, made.case_id, action, _version(platform, made.case_id), fields)).version
            assert version
        return made.case_id, photo

    ids = {"in": case("m_res", 0, "wuye-1", (1, 1, 1)), "out": case("m_other", 1, "sq-1", (2, 2, 2))}
    app = create_app(platform=platform, run_relay=False)
    with TestClient(app) as client, serving(app) as base:
        client.base = base  # a real server, for the live feed's endless answer

        def login(caller):
            r = client.post("/api/v1/auth/token", data={"username": ACCOUNTS[caller][0], "password": PASSWORD})
            assert r.status_code == 200, r.text
            return r.json()["access_token"]

        client.fresh_token = login
        yield client, {caller: login(caller) for caller in ACCOUNTS}, ids
    platform.engine.dispose()


def _version(platform, case_id) -> int:
    with platform.uow() as uow:
        return uow.cases.get(case_id).version


def _routes(client) -> list[tuple[str, str]]:
    return [(m.upper(), p) for p, ops in client.app.openapi()["paths"].items() for m in ops]


def _url(path: str, variant: str, ids) -> str:
    case_id, photo_id = ids["in" if variant != "out" else "out"]
    values = {
        "case_id": case_id, "photo_id": photo_id, "action": "accept", "unit_id": "wuye-1", "code": "no-such-code",
        "year": "2026", "key_id": "no-such-key", "delivery_id": "999999", "device_id": "cam-matrix",
        "notification_id": "999999", "service_code": "E0109", "fmt": "json", "request_id": case_id, "token": case_id,
        "user_id": "no-such-user", "event_id": "999999", "timer_id": "999999", "day": "2026-11-23", "resident_id": "no-such-resident", "care_id": "no-such-file", "alarm_id": "no-such-alarm",
    }  # fmt: skip
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"the matrix has no sample value for a parameter of {path}"
    return path


def _outcome(status: int, scoped: bool) -> str:
    if status == 401:
        return "u"
    if status == 403:
        return "n"
    if status == 404 and scoped:
        return "h"
    assert status < 500, status
    return "y"


def test_every_endpoint_has_a_reviewed_row(world):
    client, _, _ = world
    rows = {key.rsplit(" ", 1)[0] if key.endswith((" in", " out")) else key for key in EXPECTED}
    missing = [f"{m} {p}" for m, p in _routes(client) if f"{m} {p}" not in rows]
    assert missing == [], "endpoints without a row in the authorization table: " + ", ".join(missing)
    stale = sorted(rows - {f"{m} {p}" for m, p in _routes(client)})
    assert stale == [], "rows for endpoints that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("row", sorted(EXPECTED))
def test_who_may_call_the_endpoint(world, row):
    client, tokens, ids = world
    parts = row.split(" ")
    method, path = parts[0], parts[1]
    variant = parts[2] if len(parts) > 2 else ""
    url = _url(path, variant, ids)
    if method == "POST" and path.endswith("/actions/{action}"):
        body = {"version": 999}  # stale on purpose: reaching the case answers 409, changing nothing
    elif path.endswith("/merge"):
        body = {"into": None, "version": 999}
    else:
        body = {}
    got = ""
    for caller in CALLERS:
        token = tokens.get(caller)
        if caller != "anon" and path == "/api/v1/auth/logout":
            token = client.fresh_token(caller)
        headers = {} if caller == "anon" else {"Authorization": f"Bearer {token}"}
        kwargs = {"json": body} if method in ("POST", "PUT", "PATCH") else {}
        if path == "/api/v1/stream":
            with httpx.stream(method, client.base + url, headers=headers, timeout=10) as response:
                status = response.status_code
        else:
            status = client.request(method, url, headers=headers, **kwargs).status_code
        got += _outcome(status, scoped=bool(variant))
    assert got == EXPECTED[row], f"{row}: expected {EXPECTED[row]}, got {got} (callers {' '.join(CALLERS)})"
