"""/api/v1/auth: log in (OAuth2 password form, throttled), log out, change one's password, who-am-I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Form, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gridgov.api.problems import ApiProblem, problem
from gridgov.api.schemas import TokenOut, UserOut
from gridgov.api.security import Session, current_actor, current_session, get_platform, issue_token
from gridgov.domain import policy
from gridgov.domain.passwords import MAX_LENGTH
from gridgov.domain.roles import Actor
from gridgov.services import accounts

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

UNAUTHORIZED = {401: {"description": "Not logged in, or the token was signed out or has expired"}}
TOO_MANY = {
    429: {
        "description": "Too many failed logins for this user name or from this address (RFC 9457 problem "
        "with `retry_after`); the `Retry-After` header says how many seconds to wait",
        "headers": {"Retry-After": {"description": "Seconds until the next attempt", "schema": {"type": "integer"}}},
    }
}


def user_out(user) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": str(user.role),
        "role_label": user.role.label_zh,
        "unit_id": user.unit_id,
        "grid_code": user.grid_code,
        "phone": None,  # staff phones are not needed by clients of the token
        "active": user.active,
        # what this account may do, from the one policy table: the pages show and hide by it
        "permissions": policy.permissions_of(user.role),
    }


def client_address(request: Request) -> str:
    """The address login attempts are counted under (behind a proxy: uvicorn's --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def too_many(exc: accounts.TooManyAttempts) -> Response:
    response = problem(429, exc.title, exc.detail, retry_after=exc.retry_after)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def token_response(platform, user) -> dict:
    token, ttl = issue_token(platform, user)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl, "user": user_out(user)}


@router.post(
    "/token",
    response_model=TokenOut,
    responses={401: {"description": "Wrong credentials (the same answer for unknown and disabled names)"}} | TOO_MANY,
)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=MAX_LENGTH)],
    platform=Depends(get_platform),
):
    """Exchange a user name and password for an access token (send it as `Authorization: Bearer`).
    After `login_max_failures` failed attempts for one name (or more from one address) within
    `login_window_minutes`, every attempt gets 429 until the lock ends, whether the name exists or not."""
    try:
        user = accounts.log_in(
            platform.uow, hasher=platform.hasher, now=platform.clock.now(), username=username, password=password,
            address=client_address(request), limits=accounts.login_limits(platform.settings),
        )  # fmt: skip
    except accounts.TooManyAttempts as exc:
        return too_many(exc)
    except accounts.WrongCredentials:
        raise ApiProblem(401, "Unauthorized", "wrong user name or password") from None
    return token_response(platform, user)


class LogoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    everywhere: bool = Field(False, description="End every token of this account (all devices), not only this one.")


@router.post("/logout", status_code=204, responses=UNAUTHORIZED | {422: {"description": "Invalid body"}})
def logout(
    body: Annotated[LogoutIn | None, Body()] = None,
    session: Session = Depends(current_session),
    platform=Depends(get_platform),
) -> Response:
    """End the presented access token at once, on every API process; with `{"everywhere": true}` every
    token of the account. Stream tickets taken with an ended token stop working, and open live feeds
    of it close."""
    with platform.uow() as uow:
        accounts.log_out(
            uow, user_id=session.actor.user_id, jti=session.jti, expires_at=session.expires_at,
            now=platform.clock.now(), everywhere=bool(body and body.everywhere),
        )  # fmt: skip
    return Response(status_code=204)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(..., max_length=MAX_LENGTH, description="The current password.")
    new_password: str = Field(
        ...,
        max_length=MAX_LENGTH,
        description="At least `password_min_length` characters; not digits only, not a common password, "
        "not containing the user or display name.",
    )


@router.post(
    "/password",
    response_model=TokenOut,
    responses=UNAUTHORIZED
    | {
        403: {"description": "The current password is wrong"},
        422: {"description": "The new password breaks the policy; `reason` names the rule (e.g. too_short, common)"},
    }
    | TOO_MANY,
)
def change_password(
    request: Request,
    body: PasswordChangeIn,
    session: Session = Depends(current_session),
    platform=Depends(get_platform),
):
    """Change your own password. Every token of the account ends (other devices are signed out); the
    answer carries a fresh token for this one. Wrong current passwords count like failed logins."""
    try:
        user = accounts.change_password(
            platform.uow, hasher=platform.hasher, policy=platform.password_policy, now=platform.clock.now(),
            actor=session.actor, old=body.old_password, new=body.new_password, address=client_address(request),
            limits=accounts.login_limits(platform.settings),
        )  # fmt: skip
    except accounts.TooManyAttempts as exc:
        return too_many(exc)
    return token_response(platform, user)


@router.get("/me", response_model=UserOut, responses=UNAUTHORIZED)
def me(actor: Actor = Depends(current_actor), platform=Depends(get_platform)):
    with platform.uow() as uow:
        return user_out(uow.users.get(actor.user_id))
