"""Every request that answered 500 and reset the connection (issue 10) now gets a 4xx problem+json (or
Open311's own error list) over a real uvicorn server, and the same keep-alive connection answers the
next request. Each is sent literally, on SQLite and on PostgreSQL, because storage fails differently on
each (a lone surrogate cannot be encoded for SQLite; PostgreSQL refuses NUL in text).
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.parse
import uuid

import pytest

from gridgov.adapters.clock import SystemClock
from gridgov.api.app import create_app
from gridgov.bootstrap import bootstrap
from tests.conftest import PASSWORD, make_settings, point_in, populate, postgres_or_skip
from tests.e2e.conftest import serving

PROBLEM = "application/problem+json"
NAIVE_CURSOR = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", "01ZZ"]).encode()).decode().rstrip("=")
DEEP_YAML = ("a: " + "[" * 5000 + "]" * 5000).encode()
DEEP_LIST_YAML = ("[" * 5000 + "]" * 5000).encode()


class Wire:
    """One keep-alive HTTP/1.1 connection to the server, as a browser or a field app holds it."""

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        self.tokens: dict[str, str] = {}

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def json(self, method: str, path: str, value, who: str | None = None):
        raw = json.dumps(value).encode()  # ensure_ascii: a lone surrogate travels as the escape \ud800
        return self.send(method, path, raw, {"Content-Type": "application/json", **self.auth(who)})

    def auth(self, who: str | None) -> dict[str, str]:
        if who is None:
            return {}
        if who not in self.tokens:
            form = urllib.parse.urlencode({"username": who, "password": PASSWORD}).encode()
            status, _, data = self.send("POST", "/api/v1/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
            assert status == 200, data
            self.tokens[who] = json.loads(data)["access_token"]
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    """A populated platform behind a real uvicorn server, once per backend for this module."""
    schema = None
    url = None
    if request.param == "postgres":
        import psycopg

        base = postgres_or_skip()
        schema = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    platform = bootstrap(make_settings(tmp_path_factory.mktemp("hostile"), url), clock=SystemClock())
    populate(platform)
    try:
        with serving(create_app(platform=platform, run_relay=False)) as base_url:
            yield base_url, platform
    finally:
        platform.engine.dispose()
        if schema:
            import psycopg

            with psycopg.connect(postgres_or_skip().replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def wire(server):
    w = Wire(server[0])
    yield w
    w.conn.close()


def still_answers(wire: Wire, reply) -> None:
    """The refusal was a 4xx with a body that says why, and the same connection serves the next request."""
    status, headers, _ = reply
    assert 400 <= status < 500
    sock = wire.conn.sock
    assert sock is not None and headers.get("connection") != "close"
    status, _, data = wire.send("GET", "/api/v1/health")
    assert status == 200, data
    assert wire.conn.sock is sock  # not a new connection: the old one was not reset


def assert_problem(reply, status: int, words: str) -> None:
    got, headers, data = reply
    assert got == status, data
    assert headers["content-type"].startswith(PROBLEM), headers
    body = json.loads(data)
    assert body["status"] == status and words in body["detail"], body


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def new_case(wire: Wire, platform, **extra) -> dict:
    lon, lat, _ = point_in(platform, "community")
    status, _, data = wire.json("POST", "/api/v1/cases", {"description": "彩田路人行道井盖破损", "lon": lon, "lat": lat, **extra}, "ann")
    assert status == 201, data
    return json.loads(data)


def accepted_case(wire: Wire, platform) -> str:
    cid = new_case(wire, platform)["id"]
    status, _, data = wire.json("POST", f"/api/v1/cases/{cid}/actions/accept", {"version": 1}, "disp")
    assert status == 200, data
    return cid


# ---------------------------------------------------------------- date-times, cursors


def test_a_cursor_holding_a_date_without_time_zone_is_a_bad_request(wire):
    reply = wire.send("GET", f"/api/v1/cases?cursor={NAIVE_CURSOR}", headers=wire.auth("disp"))
    assert_problem(reply, 400, "the cursor is not valid")
    still_answers(wire, reply)


def test_since_in_year_one_east_of_utc_is_refused(wire):
    reply = wire.send("GET", f"/api/v1/cases?since={q('0001-01-01T00:00:00+08:00')}", headers=wire.auth("disp"))
    assert_problem(reply, 422, "since: a date-time must lie between 2000-01-01 and 2100-01-01")
    still_answers(wire, reply)


def test_until_in_year_9999_west_of_utc_is_refused(wire):
    reply = wire.send("GET", f"/api/v1/cases?until={q('9999-12-31T23:59:59-08:00')}", headers=wire.auth("disp"))
    assert_problem(reply, 422, "until: a date-time must lie between 2000-01-01 and 2100-01-01")
    still_answers(wire, reply)


def test_a_naive_since_is_refused_naming_the_field(wire):
    reply = wire.send("GET", "/api/v1/cases?since=2026-11-23T09:00:00", headers=wire.auth("disp"))
    assert_problem(reply, 422, "since: a date-time must carry a time zone, e.g. 2026-11-23T09:00:00+08:00")
    still_answers(wire, reply)


def test_the_hotline_export_refuses_since_in_year_one(wire):
    reply = wire.send("GET", f"/api/v1/intake/hotline/export?since={q('0001-01-01T00:00:00+08:00')}", headers=wire.auth("root"))
    assert_problem(reply, 422, "since: a date-time must lie between 2000-01-01 and 2100-01-01")
    still_answers(wire, reply)


def test_the_hotline_export_refuses_since_in_year_9999(wire):
    reply = wire.send("GET", f"/api/v1/intake/hotline/export?since={q('9999-12-31T23:59:59-08:00')}", headers=wire.auth("root"))
    assert_problem(reply, 422, "since: a date-time must lie between 2000-01-01 and 2100-01-01")
    still_answers(wire, reply)


def test_open311_end_date_in_year_one_is_refused_in_open311s_format(wire):
    reply = wire.send("GET", "/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z")
    status, headers, data = reply
    assert status == 400 and headers["content-type"].startswith("application/json")
    assert json.loads(data) == [{"code": 400, "description": "end_date: a date-time must lie between 2000-01-01 and 2100-01-01"}]
    still_answers(wire, reply)


def test_open311_end_date_in_year_9999_is_refused_in_xml_when_xml_was_asked(wire):
    reply = wire.send("GET", "/open311/v2/requests.xml?end_date=9999-12-31T23:59:59-08:00")
    status, headers, data = reply
    assert status == 400 and headers["content-type"].startswith("text/xml")
    assert b"<errors><error><code>400</code><description>end_date: a date-time must lie between" in data
    still_answers(wire, reply)


def test_a_dispatch_deadline_in_year_9999_is_refused(wire, server):
    cid = accepted_case(wire, server[1])
    reply = wire.json("POST", f"/api/v1/cases/{cid}/actions/dispatch",
                      {"version": 2, "unit_id": "wuye-1", "due_at": "9999-12-31T23:59:59-08:00"}, "disp")  # fmt: skip
    assert_problem(reply, 422, "due_at: a date-time must lie between 2000-01-01 and 2100-01-01")
    still_answers(wire, reply)


# ---------------------------------------------------------------- text


def test_a_lone_surrogate_in_a_description_is_refused_naming_the_field(wire, server):
    lon, lat, _ = point_in(server[1], "community")
    reply = wire.json("POST", "/api/v1/cases", {"description": "井盖\ud800破损", "lon": lon, "lat": lat}, "ann")
    assert_problem(reply, 422, "description contains a lone surrogate (U+D800) at position 3")
    still_answers(wire, reply)


def test_a_nul_in_a_description_is_refused_naming_the_field(wire, server):
    lon, lat, _ = point_in(server[1], "community")
    reply = wire.json("POST", "/api/v1/cases", {"description": "井盖\x00破损", "lon": lon, "lat": lat}, "ann")
    assert_problem(reply, 422, "description contains a control character (U+0000) at position 3")
    still_answers(wire, reply)


def test_a_nul_in_a_query_value_is_refused(wire):
    reply = wire.send("GET", "/api/v1/cases?q=%00", headers=wire.auth("disp"))
    assert_problem(reply, 422, "q: contains a control character (U+0000)")
    still_answers(wire, reply)


def test_a_nul_in_a_path_is_refused(wire):
    reply = wire.send("GET", "/api/v1/cases/abc%00", headers=wire.auth("disp"))
    assert_problem(reply, 422, "the path contains a control character (U+0000)")
    still_answers(wire, reply)


def test_a_nul_in_an_open311_form_is_refused_in_open311s_format(wire):
    form = b"api_key=x&service_code=E0109&lat=22.5&long=114.0&description=a%00b"
    reply = wire.send("POST", "/open311/v2/requests.json", form, {"Content-Type": "application/x-www-form-urlencoded"})
    status, _, data = reply
    assert status == 400
    assert json.loads(data) == [{"code": 400, "description": "description: contains a control character (U+0000) at position 2"}]
    still_answers(wire, reply)


def test_a_nul_in_a_multipart_open311_form_is_refused_in_open311s_format(wire):
    status, _, data = wire.json("POST", "/api/v1/admin/api-keys", {"name": "市民热线平台", "channels": ["open311"]}, "root")
    assert status == 201, data
    boundary = "b0undary"
    fields = {"api_key": json.loads(data)["key"], "service_code": "E0109", "lat": "22.5", "long": "114.0", "description": "a\x00b"}
    body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in fields.items())
    body += f"--{boundary}--\r\n"
    reply = wire.send("POST", "/open311/v2/requests.json", body.encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    status, _, data = reply
    assert status == 400
    assert json.loads(data) == [{"code": 400, "description": "description: contains a control character (U+0000) at position 2"}]
    still_answers(wire, reply)


# ---------------------------------------------------------------- coordinates


def test_the_south_pole_in_gcj02_is_refused(wire):
    reply = wire.json("POST", "/api/v1/cases", {"description": "井盖破损", "lon": -180, "lat": -90, "crs": "gcj02"}, "ann")
    assert_problem(reply, 422, "gcj02 is defined for points in China only")
    still_answers(wire, reply)


def test_the_dry_run_refuses_the_south_pole_in_gcj02(wire):
    reply = wire.json("POST", "/api/v1/rules/dry-run", {"description": "井盖破损", "lon": -180, "lat": -90, "crs": "gcj02"}, "disp")
    assert_problem(reply, 422, "gcj02 is defined for points in China only")
    still_answers(wire, reply)


# ---------------------------------------------------------------- time limits


def test_a_rule_with_a_limit_of_999999999_days_is_refused_when_saved(wire):
    rule = {"code": "huge", "when": {}, "unit_id": "dept-chengguan", "time_limit": "999999999d"}
    reply = wire.json("PUT", "/api/v1/rules/huge", rule, "root")
    assert_problem(reply, 422, "time limit 999999999d is longer than the longest allowed, 365d (one year)")
    still_answers(wire, reply)


def test_a_dispatch_with_a_limit_of_999999999_days_is_refused(wire, server):
    cid = accepted_case(wire, server[1])
    reply = wire.json("POST", f"/api/v1/cases/{cid}/actions/dispatch", {"version": 2, "unit_id": "wuye-1", "time_limit": "999999999d"}, "disp")
    assert_problem(reply, 422, "time limit 999999999d is longer than the longest allowed, 365d (one year)")
    still_answers(wire, reply)


def test_a_ladder_step_of_999999999_days_is_refused(wire):
    ladder = {"code": "slow", "name": "慢", "steps": [
        {"after": "999999999d", "anchor": "dispatched", "action": "remind", "target": {"kind": "unit_type", "value": "community"}}]}  # fmt: skip
    reply = wire.json("PUT", "/api/v1/ladders/slow", ladder, "root")
    assert_problem(reply, 422, "999999999d is longer than the longest allowed")
    still_answers(wire, reply)


# ---------------------------------------------------------------- nesting


def test_a_category_table_nested_5000_deep_is_refused(wire):
    reply = wire.send("PUT", "/api/v1/categories", DEEP_LIST_YAML, {"Content-Type": "application/yaml", **wire.auth("root")})
    assert_problem(reply, 422, "the category table is not valid YAML at line 1: nested deeper than 32 levels")
    still_answers(wire, reply)


def test_calendar_overrides_nested_5000_deep_are_refused(wire):
    reply = wire.send("PUT", "/api/v1/calendar/overrides", DEEP_YAML, {"Content-Type": "application/yaml", **wire.auth("root")})
    assert_problem(reply, 422, "the calendar file is not valid YAML at line 1: nested deeper than 32 levels")
    still_answers(wire, reply)


def test_a_json_body_nested_5000_deep_is_refused(wire):
    body = b'{"code": "x", "steps": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    reply = wire.send("PUT", "/api/v1/ladders/x", body, {"Content-Type": "application/json", **wire.auth("root")})
    assert_problem(reply, 422, "nested deeper than 32 levels")
    still_answers(wire, reply)


def test_a_rule_condition_nested_40_deep_is_refused(wire):
    when: dict = {"field": "grade", "op": "eq", "value": 1}
    for _ in range(40):
        when = {"not": when}
    reply = wire.json("PUT", "/api/v1/rules/deep", {"code": "deep", "when": when, "unit_id": "dept-chengguan"}, "root")
    assert_problem(reply, 422, "nested deeper than 32 levels")
    still_answers(wire, reply)


# ---------------------------------------------------------------- numbers


def test_an_integer_beyond_64_bits_is_refused(wire, server):
    cid = new_case(wire, server[1])["id"]
    reply = wire.json("POST", f"/api/v1/cases/{cid}/actions/accept", {"version": 2**63}, "disp")
    assert_problem(reply, 422, "version is too large a number")
    still_answers(wire, reply)


def test_nan_in_a_json_body_is_refused(wire):
    body = b'{"description": "x", "lon": NaN, "lat": 22.5}'
    reply = wire.send("POST", "/api/v1/cases", body, {"Content-Type": "application/json", **wire.auth("ann")})
    assert_problem(reply, 422, "the JSON body holds NaN, which JSON does not allow")
    still_answers(wire, reply)


# ---------------------------------------------------------------- size


def test_a_50_mb_body_is_refused_by_its_length_before_it_is_read(server):
    wire = Wire(server[0])
    headers = {"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024), **wire.auth("ann")}
    wire.conn.putrequest("POST", "/api/v1/cases")
    for name, value in headers.items():
        wire.conn.putheader(name, value)
    wire.conn.endheaders(b'{"description": "')  # only the first bytes are sent: the answer comes anyway
    response = wire.conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 413 and response.getheader("content-type").startswith(PROBLEM)
    assert body == {"type": "about:blank", "title": "Content too large", "status": 413,
                    "detail": "the request body is larger than 1048576 bytes"}  # fmt: skip
    wire.conn.close()


def _chunked(conn: http.client.HTTPConnection, path: str, headers: dict[str, str], total: int) -> None:
    conn.putrequest("POST", path)
    for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
        conn.putheader(name, value)
    conn.endheaders()
    chunk = b"x" * 65536
    sent = 0
    try:
        while sent < total:
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):  # the server answered and stopped reading
        pass


def test_a_chunked_json_body_is_refused_once_it_passes_the_limit(server):
    wire = Wire(server[0])
    _chunked(wire.conn, "/api/v1/cases", {"Content-Type": "application/json", **wire.auth("ann")}, 3 * 1024 * 1024)
    response = wire.conn.getresponse()
    assert response.status == 413 and json.loads(response.read())["title"] == "Content too large"
    wire.conn.close()


def test_a_chunked_csv_body_is_refused_once_it_passes_the_limit(server):
    wire = Wire(server[0])
    _chunked(wire.conn, "/api/v1/rules/import", {"Content-Type": "text/csv", **wire.auth("root")}, 3 * 1024 * 1024)
    response = wire.conn.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["detail"] == "the request body is larger than 1048576 bytes"
    wire.conn.close()


def test_a_photo_may_be_larger_than_the_default_limit(wire):
    # 2 MB of multipart: past the 1 MiB default, within the photo route's own limit, so the route
    # itself answers (the bytes are no image: 4xx from the photo check, not 413 from the door)
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + b"\xff" * (2 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
    reply = wire.send("POST", "/api/v1/photos", body, {"Content-Type": f"multipart/form-data; boundary={boundary}", **wire.auth("ann")})
    assert reply[0] != 413 and 400 <= reply[0] < 500, reply
    still_answers(wire, reply)


# ---------------------------------------------------------------- the catch-all


def test_an_unexpected_error_is_a_500_problem_and_the_connection_survives(server, caplog):
    """Not an input a client can send any more: a route that fails by itself stands in for one."""
    from fastapi import FastAPI

    from tests.e2e.conftest import serving as serve

    app = create_app(platform=server[1], run_relay=False)

    def broken():
        raise ZeroDivisionError("a resident's phone 13912345678 in a message")

    app.add_api_route("/api/v1/broken", broken)
    assert isinstance(app, FastAPI)
    with caplog.at_level("ERROR"), serve(app) as base:
        wire = Wire(base)
        status, headers, data = wire.send("GET", "/api/v1/broken?q=secret")
        assert status == 500 and headers["content-type"].startswith(PROBLEM)
        assert json.loads(data) == {"type": "about:blank", "title": "Internal error", "status": 500,
                                    "detail": "the server failed; the error was logged"}  # fmt: skip
        sock = wire.conn.sock
        assert wire.send("GET", "/api/v1/health")[0] == 200 and wire.conn.sock is sock
        wire.conn.close()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unhandled ZeroDivisionError on GET /api/v1/broken" in logged
    assert "13912345678" not in logged and "secret" not in logged
