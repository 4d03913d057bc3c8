"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis): every generated
request is sent anonymously and as each role; no 5xx ever, and every error body is problem+json (the
Open311 endpoints answer in the spec's own error format instead). New endpoints are fuzzed
automatically because the schema is read from the app itself.

Beyond what the schema's own generators make, hooks feed what broke the API before (issue 10) into
every body field, query value and date-time the schema allows: date-times near the years 1 and 9999,
naive ones, lone surrogates ('\\ud800', in JSON bodies, where they can travel), NUL and other control
characters, integers at and past 2**63 and floats like 1e308.

The app is built when this module is collected (schemathesis's lazy fixture loader does not work with
pytest 9), over a throw-away SQLite database populated like the other e2e tests.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from gridgov.adapters.clock import SystemClock
from gridgov.api.app import create_app
from gridgov.api.security import issue_token
from gridgov.bootstrap import bootstrap
from tests.conftest import ACCOUNTS, make_settings, populate

_tmp = Path(tempfile.mkdtemp(prefix="gridgov-fuzz-"))
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)
_platform = bootstrap(make_settings(_tmp), clock=SystemClock())
populate(_platform)
app = create_app(platform=_platform, run_relay=False)

CALLERS = [None, *ACCOUNTS]


def _fresh_token(name: str) -> str:
    """A new token per call: a fuzzed logout (or "sign out everywhere") ends the caller's token, which
    would leave every later example anonymous."""
    with _platform.uow() as uow:
        user = uow.users.by_username(name)
    return issue_token(_platform, user)[0]

# The live feed never ends by design; it has its own tests (test_live_feed.py).
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/api/v1/stream")

HOSTILE_DATES = ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-08:00",
                 "9999-12-31T23:59:59.999999Z", "2026-11-23T09:00:00", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"]  # fmt: skip
HOSTILE_TEXT = ["\x00", "a\x00b", "\x07bell", "\x1b[31m", "\x7f"]  # can travel in a URL or form too
SURROGATES = ["\ud800", "a\udfffb"]  # only JSON can carry them (as escapes)
HOSTILE_NUMBERS = [2**63, 2**63 - 1, -(2**63) - 1, 2**64, 10**30, 1e308, -1e308, 5e-324]
_OFFSETS = [None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12)), timezone(timedelta(hours=14))]
# any date-time datetime can hold, naive or with an extreme offset, and the literal troublemakers
schemathesis.openapi.format(
    "date-time",
    st.one_of(
        st.sampled_from(HOSTILE_DATES),
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.sampled_from(_OFFSETS)).map(
            lambda d: d.isoformat()
        ),
    ),
)


def _sometimes(value, bad):
    """`value` itself most of the time (so requests still get past the door and reach deeper code),
    a hostile value in one leaf out of eight."""
    return st.integers(0, 7).flatmap(lambda n: bad if n == 3 else st.just(value))  # not 0 or 7: hypothesis favours the ends


def _hostile(value, texts: list[str]):
    """A strategy giving `value` itself, or a hostile value in any of its leaves."""
    if isinstance(value, bool) or value is None:
        return st.just(value)
    if isinstance(value, str):
        return _sometimes(value, st.one_of(st.sampled_from(texts + HOSTILE_DATES), st.sampled_from(texts).map(lambda t: value + t)))
    if isinstance(value, int | float):
        return _sometimes(value, st.sampled_from(HOSTILE_NUMBERS))
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _hostile(v, texts) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*(_hostile(v, texts) for v in value)).map(list)
    return st.just(value)


def _takes_json(context) -> bool:
    bodies = context.operation.body if context.operation is not None else []
    return any("json" in body.media_type for body in bodies)


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict | list):  # CSV/YAML text and files: their own tests
        return st.just(body)
    return _hostile(body, HOSTILE_TEXT + SURROGATES if _takes_json(context) else HOSTILE_TEXT)


@schema.hook
def flatmap_query(context, query):
    return _hostile(query, HOSTILE_TEXT) if isinstance(query, dict) else st.just(query)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _hostile(path_parameters, HOSTILE_TEXT) if isinstance(path_parameters, dict) else st.just(path_parameters)


def _content_type(response) -> str:
    value = response.headers.get("content-type") or response.headers.get("Content-Type") or ""
    return value[0] if isinstance(value, list) else value


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_errors_are_problem_json(case):
    for caller in CALLERS:
        headers = {"Authorization": f"Bearer {_fresh_token(caller)}"} if caller else {}
        response = case.call(headers=headers)
        assert response.status_code < 500, (caller, response.text)
        if case.operation.path.startswith("/open311/") and response.status_code >= 400:
            # Open311 clients parse the spec's own error list, in the format they asked for
            if _content_type(response).startswith("application/json"):
                assert all({"code", "description"} <= set(e) for e in response.json()), response.text
            else:
                assert b"<errors>" in response.content or _content_type(response).startswith("application/problem+json")
            continue
        if response.status_code >= 400:
            assert _content_type(response).startswith("application/problem+json"), (caller, response.text)
            body = response.json()
            assert body["status"] == response.status_code and body["title"], (caller, body)
