"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis): every generated
request is sent anonymously and as each role; no 5xx ever, and every error body is problem+json (the
Open311 endpoints answer in the spec's own error format instead). New endpoints are fuzzed
automatically because the schema is read from the app itself.

The app is built when this module is collected (schemathesis's lazy fixture loader does not work with
pytest 9), over a throw-away SQLite database populated like the other e2e tests.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

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
