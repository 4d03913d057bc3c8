"""Accounts and tokens over HTTP, as a hostile user would try them: guessing passwords, replaying
tokens from URLs, keeping a token after logout, using a weak password, or an account after it was
disabled."""

from __future__ import annotations

import logging

import httpx
import pytest

from gridgov.api.access_log import uvicorn_log_config
from gridgov.api.app import create_app
from gridgov.cli import main
from tests.conftest import PASSWORD
from tests.e2e.conftest import serving

PROBLEM = "application/problem+json"


def login(api, username, password=PASSWORD):
    return api.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ticket_for(api, headers) -> str:
    r = api.post("/api/v1/stream/ticket", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["ticket"]


# --- guessing passwords -------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_name_with_429_and_retry_after(api) -> None:
    for _ in range(5):
        r = login(api, "disp", "not-the-password")
        assert r.status_code == 401 and r.json()["detail"] == "wrong user name or password"
    r = login(api, "disp")
    assert r.status_code == 429
    assert r.headers["content-type"] == PROBLEM and r.headers["retry-after"] == "60"
    assert r.json() == {
        "type": "about:blank",
        "title": "Too many login attempts",
        "status": 429,
        "detail": "too many failed logins for this name or from this address; try again in 60 seconds",
        "retry_after": 60,
    }
    api.platform.clock.advance(seconds=60)
    assert login(api, "disp").status_code == 200


def test_an_unknown_name_gets_the_same_answers_as_a_real_one(api) -> None:
    answers = {}
    for name in ("disp", "nobody-here"):
        seen = [login(api, name, "not-the-password") for _ in range(6)]
        answers[name] = [(r.status_code, r.json(), r.headers.get("retry-after")) for r in seen]
    assert answers["disp"] == answers["nobody-here"]
    assert [status for status, _, _ in answers["disp"]] == [401] * 5 + [429]


def test_a_disabled_account_gets_the_same_401_as_a_wrong_password(api) -> None:
    sup_id = api.get("/api/v1/auth/me", headers=api.login("sup")).json()["id"]
    r = api.patch(f"/api/v1/users/{sup_id}", json={"active": False}, headers=api.login("root"))
    assert r.status_code == 200 and r.json()["active"] is False
    disabled, wrong = login(api, "sup"), login(api, "boss", "not-the-password")
    assert disabled.status_code == wrong.status_code == 401
    assert disabled.json() == wrong.json()


# --- ending tokens ------------------------------------------------------------------------------


def test_logout_ends_the_presented_token_only(api) -> None:
    first = login(api, "disp").json()["access_token"]
    second = login(api, "disp").json()["access_token"]
    assert api.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    r = api.get("/api/v1/auth/me", headers=bearer(first))
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    assert r.json()["detail"] == "this token was signed out; log in again"
    assert api.get("/api/v1/auth/me", headers=bearer(second)).status_code == 200


def test_logout_everywhere_ends_every_token_of_the_account(api) -> None:
    tokens = [login(api, "disp").json()["access_token"] for _ in range(3)]
    r = api.post("/api/v1/auth/logout", json={"everywhere": True}, headers=bearer(tokens[0]))
    assert r.status_code == 204
    assert [api.get("/api/v1/auth/me", headers=bearer(t)).status_code for t in tokens] == [401, 401, 401]


def test_logout_refuses_unknown_fields(api) -> None:
    r = api.post("/api/v1/auth/logout", json={"everywhere": True, "all": 1}, headers=api.login("disp"))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM


def test_disabling_an_account_ends_its_tokens_at_once_and_enabling_lets_it_log_in_again(api) -> None:
    headers = api.login("cg")
    cg_id = api.get("/api/v1/auth/me", headers=headers).json()["id"]
    assert api.patch(f"/api/v1/users/{cg_id}", json={"active": False}, headers=api.login("root")).status_code == 200
    r = api.get("/api/v1/cases", headers=headers)
    assert r.status_code == 401
    assert r.json()["detail"] == "the account behind this token no longer exists or is disabled"
    assert api.patch(f"/api/v1/users/{cg_id}", json={"active": True}, headers=api.login("root")).status_code == 200
    assert api.get("/api/v1/cases", headers=headers).status_code == 401  # the old token stays ended
    assert login(api, "cg").status_code == 200


def test_an_admin_changes_role_unit_and_display_name(api) -> None:
    ann_id = api.get("/api/v1/auth/me", headers=api.login("ann")).json()["id"]
    r = api.patch(
        f"/api/v1/users/{ann_id}",
        json={"role": "handler", "unit_id": "dept-chengguan", "display_name": "安娜"},
        headers=api.login("root"),
    )
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("role", "unit_id", "display_name")} == {
        "role": "handler", "unit_id": "dept-chengguan", "display_name": "安娜",
    }  # fmt: skip
    assert api.get("/api/v1/auth/me", headers=api.login("ann")).json()["role"] == "handler"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"role": "wizard"}, 422, "unknown role 'wizard'"),
        ({"role": "system"}, 422, "the system role cannot be given to an account"),
        ({"role": "handler"}, 422, "a handler account needs a unit_id"),
        ({"unit_id": "no-such-unit"}, 422, "unknown unit 'no-such-unit'"),
        ({"grid_code": "999"}, 422, "unknown grid '999'"),
        ({"active": None}, 422, "active, role and display_name cannot be null"),
        ({"password_hash": "x"}, 422, None),
        ({"display_name": "x" * 65}, 422, None),
    ],
)
def test_bad_account_changes_are_refused(api, body, status, detail) -> None:
    ann_id = api.get("/api/v1/auth/me", headers=api.login("ann")).json()["id"]
    r = api.patch(f"/api/v1/users/{ann_id}", json=body, headers=api.login("root"))
    assert r.status_code == status and r.headers["content-type"] == PROBLEM
    if detail:
        assert r.json()["detail"] == detail


def test_only_admins_change_accounts_and_not_their_own(api) -> None:
    root_id = api.get("/api/v1/auth/me", headers=api.login("root")).json()["id"]
    assert api.patch(f"/api/v1/users/{root_id}", json={"active": False}, headers=api.login("disp")).status_code == 403
    r = api.patch(f"/api/v1/users/{root_id}", json={"active": False}, headers=api.login("root"))
    assert r.status_code == 409
    assert r.json()["detail"] == "you cannot disable your own account or change your own role; ask another administrator"
    assert api.patch("/api/v1/users/nobody", json={"active": False}, headers=api.login("root")).status_code == 404


# --- passwords ----------------------------------------------------------------------------------


def test_changing_the_password_signs_out_other_devices_and_returns_a_fresh_token(api) -> None:
    other_device = login(api, "disp").json()["access_token"]
    this_device = login(api, "disp").json()["access_token"]
    r = api.post(
        "/api/v1/auth/password",
        json={"old_password": PASSWORD, "new_password": "lotus-street-night-shift"},
        headers=bearer(this_device),
    )
    assert r.status_code == 200, r.text
    fresh = r.json()["access_token"]
    assert api.get("/api/v1/auth/me", headers=bearer(other_device)).status_code == 401
    assert api.get("/api/v1/auth/me", headers=bearer(this_device)).status_code == 401
    assert api.get("/api/v1/auth/me", headers=bearer(fresh)).status_code == 200
    assert login(api, "disp").status_code == 401
    assert login(api, "disp", "lotus-street-night-shift").status_code == 200


def test_a_wrong_current_password_is_refused_and_counted_like_a_failed_login(api) -> None:
    headers = api.login("disp")
    body = {"old_password": "not-the-password", "new_password": "lotus-street-night-shift"}
    for _ in range(5):
        r = api.post("/api/v1/auth/password", json=body, headers=headers)
        assert r.status_code == 403 and r.json()["detail"] == "the current password is wrong"
    r = api.post("/api/v1/auth/password", json=body, headers=headers)
    assert r.status_code == 429 and r.headers["retry-after"] == "60"


@pytest.mark.parametrize(
    ("new", "reason", "detail"),
    [
        ("12345678", "too_short", "the password must have at least 10 characters"),
        ("1234567890", "digits_only", "a password of digits only is too easy to guess; add letters or words"),
        ("password123", "common", "this password is on a list of commonly used passwords; choose another"),
        ("disp-is-my-name", "contains_username", "the password must not contain the user name"),
        (PASSWORD, "unchanged", "the new password must differ from the current one"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason_named(api, new, reason, detail) -> None:
    r = api.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": new}, headers=api.login("disp"))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert (r.json()["reason"], r.json()["detail"]) == (reason, detail)


def test_new_accounts_over_the_api_follow_the_password_policy(api) -> None:
    body = {"username": "lina", "password": "12345678", "role": "dispatcher", "display_name": "Li Na"}
    r = api.post("/api/v1/users", json=body, headers=api.login("root"))
    assert r.status_code == 422 and r.json()["reason"] == "too_short"
    r = api.post("/api/v1/users", json={**body, "password": "lina-password-1"}, headers=api.login("root"))
    assert r.status_code == 422 and r.json()["reason"] == "contains_username"
    r = api.post("/api/v1/users", json={**body, "password": "tram-Lantern-47-sorrel"}, headers=api.login("root"))
    assert r.status_code == 201


def test_the_cli_refuses_a_weak_password_with_the_reason(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GRIDGOV_FAST_PASSWORD_HASHING", "true")
    monkeypatch.setattr("sys.stdin", _Stdin("chief\n"))
    assert main(["users", "add", "chief", "--role", "admin"]) == 1
    assert capsys.readouterr().err == "gridgov: the password must have at least 10 characters\n"
    monkeypatch.setattr("sys.stdin", _Stdin("a-long-password-for-chief\n"))
    assert main(["users", "add", "chief", "--role", "admin"]) == 1
    assert capsys.readouterr().err == "gridgov: the password must not contain the user name\n"
    monkeypatch.setattr("sys.stdin", _Stdin("granite-lotus-harbour\n"))
    assert main(["users", "add", "chief", "--role", "admin"]) == 0


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self.text


# --- tokens out of URLs -------------------------------------------------------------------------


def test_an_access_token_in_the_query_string_is_refused_everywhere(api) -> None:
    token = api.login("disp")["Authorization"].removeprefix("Bearer ")
    for path in ("/api/v1/auth/me", "/api/v1/cases", "/api/v1/stream"):
        r = api.get(f"{path}?access_token={token}")
        assert r.status_code == 401 and r.headers["content-type"] == PROBLEM, path


def test_a_stream_ticket_is_not_a_bearer_token(api) -> None:
    ticket = ticket_for(api, api.login("disp"))
    r = api.get("/api/v1/cases", headers=bearer(ticket))
    assert r.status_code == 401
    assert r.json()["detail"] == "a stream ticket opens only GET /api/v1/stream; send an access token"
    assert api.post("/api/v1/stream/ticket", headers=bearer(ticket)).status_code == 401


def test_an_access_token_is_not_a_stream_ticket(api) -> None:
    token = api.login("disp")["Authorization"].removeprefix("Bearer ")
    r = api.get(f"/api/v1/stream?ticket={token}")
    assert r.status_code == 401 and r.json()["detail"] == "the stream ticket is not valid"


def test_a_ticket_lives_sixty_seconds(api) -> None:
    r = api.post("/api/v1/stream/ticket", headers=api.login("disp"))
    assert r.status_code == 200 and r.json()["expires_in"] == 60 and set(r.json()) == {"ticket", "expires_in"}
    api.platform.clock.advance(seconds=61)
    r = api.get(f"/api/v1/stream?ticket={r.json()['ticket']}")
    assert r.status_code == 401 and r.json()["detail"] == "the stream ticket has expired; take a new one"


def test_a_ticket_of_a_signed_out_token_is_refused(api) -> None:
    headers = api.login("disp")
    ticket = ticket_for(api, headers)
    assert api.post("/api/v1/auth/logout", headers=headers).status_code == 204
    r = api.get(f"/api/v1/stream?ticket={ticket}")
    assert r.status_code == 401 and r.json()["detail"] == "this token was signed out; log in again"


def test_tickets_need_a_login_and_bounded_input(api) -> None:
    assert api.post("/api/v1/stream/ticket").status_code == 401
    r = api.get("/api/v1/stream?ticket=" + "x" * 3000)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert api.get("/api/v1/stream?ticket=garbage").status_code == 401


def test_the_new_endpoints_are_in_the_openapi_document(api) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"post"} <= set(paths["/api/v1/auth/logout"]) and {"post"} <= set(paths["/api/v1/auth/password"])
    assert "patch" in paths["/api/v1/users/{user_id}"] and "post" in paths["/api/v1/stream/ticket"]
    assert "429" in paths["/api/v1/auth/token"]["post"]["responses"]
    assert "Retry-After" in paths["/api/v1/auth/token"]["post"]["responses"]["429"]["headers"]


# --- over a real server -------------------------------------------------------------------------


def test_a_ticket_opens_the_live_feed_once_over_a_real_server(live_server) -> None:
    base, _platform = live_server
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "disp", "password": PASSWORD}).json()["access_token"]
    ticket = httpx.post(f"{base}/api/v1/stream/ticket", headers=bearer(token)).json()["ticket"]
    with httpx.stream("GET", f"{base}/api/v1/stream?ticket={ticket}", timeout=10) as r:
        assert r.status_code == 200
        assert next(r.iter_lines()) == "retry: 2000"
    again = httpx.get(f"{base}/api/v1/stream?ticket={ticket}", timeout=5)
    assert again.status_code == 401 and again.json()["detail"] == "this stream ticket was used already; take a new one"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_real_uvicorn_access_log_shows_no_ticket(sqlite_platform, monkeypatch) -> None:
    import uvicorn

    # the log configuration `gridgov serve` gives uvicorn, with its access log on
    original = uvicorn.Config

    def config_like_serve(app, **kwargs):
        return original(app, **{**kwargs, "log_level": "info", "log_config": uvicorn_log_config()})

    monkeypatch.setattr(uvicorn, "Config", config_like_serve)
    lines = _Lines()
    access = logging.getLogger("uvicorn.access")
    with serving(create_app(platform=sqlite_platform, run_relay=False)) as base:
        access.addHandler(lines)
        try:
            httpx.get(f"{base}/api/v1/stream?ticket=SECRET-TICKET-VALUE", timeout=5)
            # uvicorn writes the access line before it sends the response, so both are in by now
            httpx.get(f"{base}/api/v1/cases?access_token=SECRET-TOKEN&q=13800138000", timeout=5)
        finally:
            access.removeHandler(lines)
    text = "\n".join(lines.lines)
    assert '"GET /api/v1/stream?… HTTP/1.1" 401' in text and '"GET /api/v1/cases?… HTTP/1.1" 401' in text
    assert "SECRET" not in text and "13800138000" not in text
