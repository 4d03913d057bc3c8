"""/api/v1/auth: log in (OAuth2 password form) and who-am-I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form

from gridgov.api.problems import ApiProblem
from gridgov.api.schemas import TokenOut, UserOut
from gridgov.api.security import current_actor, get_platform, issue_token
from gridgov.domain.roles import Actor

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


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
    }


@router.post("/token", response_model=TokenOut, responses={401: {"description": "Wrong credentials"}})
def login(
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    platform=Depends(get_platform),
):
    with platform.uow() as uow:
        user = uow.users.by_username(username.strip().lower())
    if user is None or not user.active or not platform.hasher.verify(password, user.password_hash):
        raise ApiProblem(401, "Unauthorized", "wrong user name or password")
    token, ttl = issue_token(platform, user)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl, "user": user_out(user)}


@router.get("/me", response_model=UserOut, responses={401: {"description": "Not logged in"}})
def me(actor: Actor = Depends(current_actor), platform=Depends(get_platform)):
    with platform.uow() as uow:
        return user_out(uow.users.get(actor.user_id))
