"""Bearer tokens (JWT, HS256), stream tickets, and the current actor of a request.

Two kinds of token, told apart by their `use` claim and never accepted for each other:

- an access token (`use: access`), from `POST /api/v1/auth/token`, sent only in the `Authorization:
  Bearer` header, never in a URL (URLs end up in access logs, proxies and browser history);
- a stream ticket (`use: stream`), from `POST /api/v1/stream/ticket`, good for 60 seconds, once, and
  only for `GET /api/v1/stream?ticket=…`: EventSource cannot send headers, so the feed needs something
  in its URL, and a ticket that is spent on connecting is worthless to whoever reads it in a log.

Every token carries an id (`jti`) and its account's token generation (`gen`). Each request reads the
account and whether the id is revoked in one indexed query (UserRepository.for_token), so a logout,
"sign out everywhere", a password change or a disabled account ends the token on every process at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from gridgov.api.problems import ApiProblem
from gridgov.domain import policy
from gridgov.domain.roles import Actor
from gridgov.services import accounts

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

ACCESS = "access"
STREAM = "stream"
STREAM_TICKET_SECONDS = 60  # long enough to open the EventSource after fetching it, no longer


@dataclass(frozen=True)
class Session:
    """Who a verified token speaks for, and which token it is (to revoke it, or to check it again)."""

    actor: Actor
    jti: str
    expires_at: datetime
    generation: int
    parent_jti: str | None = None  # a stream ticket: the access token it was taken with
    parent_expires_at: datetime | None = None


def _encode(platform, claims: dict) -> str:
    return jwt.encode(claims, platform.secret_key, algorithm="HS256")


def issue_token(platform, user) -> tuple[str, int]:
    ttl = platform.settings.token_ttl_minutes * 60
    now = platform.clock.now()
    claims = {
        "sub": user.id, "role": str(user.role), "use": ACCESS, "jti": secrets.token_urlsafe(16),
        "gen": user.token_generation, "iat": now, "exp": now + timedelta(seconds=ttl),
    }  # fmt: skip
    return _encode(platform, claims), ttl


def issue_stream_ticket(platform, session: Session) -> tuple[str, int]:
    """A ticket for one connection to the live feed, tied to the access token it was taken with: when
    that token is revoked or expires, an open feed of the ticket closes too."""
    now = platform.clock.now()
    expires = min(now + timedelta(seconds=STREAM_TICKET_SECONDS), session.expires_at)
    claims = {
        "sub": session.actor.user_id, "use": STREAM, "jti": secrets.token_urlsafe(16),
        "gen": session.generation, "sid": session.jti, "sexp": int(session.expires_at.timestamp()),
        "iat": now, "exp": expires,
    }  # fmt: skip
    return _encode(platform, claims), max(int((expires - now).total_seconds()), 1)


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "Unauthorized", detail)


def _claims(platform, token: str, use: str) -> dict:
    what = "stream ticket" if use == STREAM else "access token"
    try:
        # expiry is checked against the platform's clock below, not pyjwt's, so tests and the demo
        # history agree with the server about what "now" is
        claims = jwt.decode(
            token,
            platform.secret_key,
            algorithms=["HS256"],
            options={
                "require": ["exp", "sub", "jti", "use"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError:
        raise _unauthorized(f"the {what} is not valid") from None
    if claims.get("use") != use:
        if use == ACCESS and claims.get("use") == STREAM:
            raise _unauthorized("a stream ticket opens only GET /api/v1/stream; send an access token")
        raise _unauthorized(f"the {what} is not valid")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= platform.clock.now().timestamp():
        raise _unauthorized(
            "the stream ticket has expired; take a new one" if use == STREAM else "the access token has expired; log in again"
        )
    if not isinstance(claims.get("gen"), int) or not isinstance(claims.get("jti"), str):
        raise _unauthorized(f"the {what} is not valid")
    if use == STREAM and not (isinstance(claims.get("sid"), str) and isinstance(claims.get("sexp"), int)):
        raise _unauthorized("the stream ticket is not valid")
    return claims


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def session_from_token(platform, token: str, use: str = ACCESS) -> Session:
    """The session a token opens, checked against the database (account active, same token generation,
    not revoked); a stream ticket is spent here (single use)."""
    claims = _claims(platform, token, use)
    # a ticket stands or falls with the token it was taken with; its own id is spent below
    jtis = (claims["sid"],) if use == STREAM else (claims["jti"],)
    with platform.uow() as uow:
        user, revoked = uow.users.for_token(str(claims["sub"]), jtis)
        if user is None or not user.active:
            raise _unauthorized("the account behind this token no longer exists or is disabled")
        if revoked or claims["gen"] != user.token_generation:
            raise _unauthorized("this token was signed out; log in again")
        if use == STREAM and not accounts.use_ticket(
            uow, jti=claims["jti"], user_id=user.id, expires_at=_at(claims["exp"])
        ):
            raise _unauthorized("this stream ticket was used already; take a new one")
    return Session(
        actor=user.as_actor(),
        jti=claims["jti"],
        expires_at=_at(claims["exp"]),
        generation=claims["gen"],
        parent_jti=claims.get("sid"),
        parent_expires_at=_at(claims["sexp"]) if use == STREAM else None,
    )


def session_still_valid(platform, session: Session) -> bool:
    """For long-lived connections (the live feed): is the token behind them still good?"""
    if (session.parent_expires_at or session.expires_at) <= platform.clock.now():
        return False
    with platform.uow() as uow:
        user, revoked = uow.users.for_token(session.actor.user_id, (session.parent_jti or session.jti,))
    return user is not None and user.active and not revoked and user.token_generation == session.generation


def actor_from_token(platform, token: str) -> Actor:
    return session_from_token(platform, token).actor


def get_platform(request: Request):
    return request.app.state.platform


def current_session(request: Request, token: str | None = Depends(oauth2)) -> Session:
    """The session of the `Authorization: Bearer` access token. Tokens in the query string
    (`?access_token=`) are not read: they would be written to every access log on the way."""
    if not token:
        raise _unauthorized(
            "log in first: POST /api/v1/auth/token, then send 'Authorization: Bearer <token>'"
        )
    return session_from_token(get_platform(request), token)


def current_actor(request: Request, token: str | None = Depends(oauth2)) -> Actor:
    return current_session(request, token).actor


def intake_actor(channel: str):
    """Who feeds a machine channel: an integration key limited to it (`X-Api-Key: ggk_...`, see
    services/api_keys.py), or a logged-in dispatcher or admin (e.g. a desk importing a file)."""

    def check(request: Request, token: str | None = Depends(oauth2)) -> Actor:
        key = request.headers.get("x-api-key")
        if key:
            return actor_from_key(get_platform(request), key, channel)
        actor = current_actor(request, token)
        if not policy.allowed(actor.role, policy.Permission.FEED_MACHINE_CHANNELS):
            roles = ", ".join(sorted(policy.GRANTS[policy.Permission.FEED_MACHINE_CHANNELS]))
            raise ApiProblem(403, "Forbidden", f"this needs an integration key for {channel}, or one of the roles: {roles}")
        return actor

    return check


def actor_from_key(platform, key: str, channel: str) -> Actor:
    from gridgov.domain.errors import Forbidden, NotFound
    from gridgov.services.api_keys import actor_for_key

    try:
        with platform.uow() as uow:
            return actor_for_key(uow, key, channel, platform.clock.now())
    except NotFound as exc:
        raise _unauthorized(exc.detail) from None
    except Forbidden as exc:
        raise ApiProblem(403, "Forbidden", exc.detail) from None
