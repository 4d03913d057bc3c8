"""Bearer tokens (JWT, HS256) and the current actor of a request."""

from __future__ import annotations

from datetime import timedelta

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from gridgov.api.problems import ApiProblem
from gridgov.domain.roles import Actor, Role

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def issue_token(platform, user) -> tuple[str, int]:
    ttl = platform.settings.token_ttl_minutes * 60
    now = platform.clock.now()
    claims = {"sub": user.id, "role": str(user.role), "iat": now, "exp": now + timedelta(seconds=ttl)}
    return jwt.encode(claims, platform.secret_key, algorithm="HS256"), ttl


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "Unauthorized", detail)


def actor_from_token(platform, token: str) -> Actor:
    try:
        # expiry is checked against the platform's clock below, not pyjwt's, so tests and the demo
        # history agree with the server about what "now" is
        claims = jwt.decode(
            token,
            platform.secret_key,
            algorithms=["HS256"],
            options={
                "require": ["exp", "sub"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError:
        raise _unauthorized("the access token is not valid") from None
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= platform.clock.now().timestamp():
        raise _unauthorized("the access token has expired; log in again")
    with platform.uow() as uow:
        user = uow.users.get(str(claims["sub"]))
    if user is None or not user.active:
        raise _unauthorized("the account behind this token no longer exists or is disabled")
    return user.as_actor()


def get_platform(request: Request):
    return request.app.state.platform


def current_actor(request: Request, token: str | None = Depends(oauth2)) -> Actor:
    if not token:
        token = request.query_params.get("access_token")  # EventSource cannot send headers
    if not token:
        raise _unauthorized(
            "log in first: POST /api/v1/auth/token, then send 'Authorization: Bearer <token>'"
        )
    return actor_from_token(get_platform(request), token)


def require_roles(*roles: Role):
    def check(actor: Actor = Depends(current_actor)) -> Actor:
        if actor.role not in roles:
            raise ApiProblem(403, "Forbidden", f"this needs one of the roles: {', '.join(roles)}")
        return actor

    return check


INTAKE_ROLES = (Role.ADMIN, Role.DISPATCHER)


def intake_actor(channel: str):
    """Who feeds a machine channel: an integration key limited to it (`X-Api-Key: ggk_...`, see
    services/api_keys.py), or a logged-in dispatcher or admin (e.g. a desk importing a file)."""

    def check(request: Request, token: str | None = Depends(oauth2)) -> Actor:
        key = request.headers.get("x-api-key")
        if key:
            return actor_from_key(get_platform(request), key, channel)
        actor = current_actor(request, token)
        if actor.role not in INTAKE_ROLES:
            raise ApiProblem(403, "Forbidden", f"this needs an integration key for {channel}, or one of the roles: {', '.join(INTAKE_ROLES)}")
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
