"""/api/v1/health, the admin views of the outbox (undelivered events) and the audit log, and the
integration keys of machine channels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gridgov.adapters import tables as t
from gridgov.adapters.database import ping
from gridgov.api.security import get_platform, require_roles
from gridgov.domain.roles import Role
from gridgov.services import api_keys
from gridgov.services.ids import new_id

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get("/health", responses={503: {"description": "Database unreachable"}})
def health(platform=Depends(get_platform)) -> Any:
    """200 when the database answers; 503 (problem+json) when it does not."""
    if ping(platform.engine):
        return {"status": "ok", "database": platform.engine.dialect.name, "grids": platform.grids.loaded}
    return JSONResponse(
        {"type": "about:blank", "title": "Database unreachable", "status": 503},
        status_code=503,
        media_type="application/problem+json",
    )


@router.get("/admin/outbox", responses={401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}})
def outbox(
    actor=Depends(require_roles(Role.ADMIN)),
    platform=Depends(get_platform),
    failed_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Events not yet delivered to their handlers, with the last error (dead letters first)."""
    query = select(t.outbox).where(t.outbox.c.published_at.is_(None))
    if failed_only:
        query = query.where(t.outbox.c.attempts > 0)
    with platform.engine.connect() as conn:
        rows = conn.execute(query.order_by(t.outbox.c.id).limit(limit)).fetchall()
    return [dict(r._mapping) for r in rows]


@router.get("/admin/audit", responses={401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}})
def audit(
    actor=Depends(require_roles(Role.ADMIN)),
    platform=Depends(get_platform),
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Who read which personal data, newest first."""
    query = select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
    if subject_id:
        query = query.where(t.audit_log.c.subject_id == subject_id)
    with platform.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=128, description="Who uses the key, e.g. 海康视频平台")
    channels: list[str] = Field(..., min_length=1, description="camera, alarm, sos, hotline, open311")


ADMIN_ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 404: {"description": "No such key"}, 422: {"description": "Invalid"}}


@router.post("/admin/api-keys", status_code=201, responses=ADMIN_ERRORS)
def create_api_key(body: ApiKeyIn, actor=Depends(require_roles(Role.ADMIN)), platform=Depends(get_platform)) -> dict[str, Any]:
    """A new integration key for machine channels; the `key` is in this answer only, never again."""
    with platform.uow() as uow:
        row, key = api_keys.create_key(uow, name=body.name, channels=body.channels, now=platform.clock.now(), new_id=new_id)
    return {**row, "key": key}


@router.get("/admin/api-keys", responses=ADMIN_ERRORS)
def list_api_keys(actor=Depends(require_roles(Role.ADMIN)), platform=Depends(get_platform)) -> list[dict[str, Any]]:
    """Every key with its channels, first characters, last use and revocation; never the key."""
    with platform.uow() as uow:
        return [api_keys.public(r) for r in uow.api_keys.list()]


@router.delete("/admin/api-keys/{key_id}", status_code=204, responses=ADMIN_ERRORS)
def revoke_api_key(key_id: Annotated[str, Path(max_length=32)], actor=Depends(require_roles(Role.ADMIN)), platform=Depends(get_platform)) -> Response:
    """Revoke a key at once; the system that used it gets 401 from now on."""
    with platform.uow() as uow:
        api_keys.revoke(uow, key_id, platform.clock.now())
    return Response(status_code=204)
