"""/api/v1/health, the admin views of the outbox (undelivered events) and the audit log, and the
integration keys of machine channels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gridgov.api.authz import require
from gridgov.api.security import get_platform
from gridgov.domain.policy import Permission
from gridgov.queries import operations as operations_queries
from gridgov.services import api_keys, operations
from gridgov.services.ids import new_id

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get("/health", responses={503: {"description": "Database unreachable"}})
def health(platform=Depends(get_platform)) -> Any:
    """200 when the database answers; 503 (problem+json) when it does not."""
    if platform.database_answers():
        return {"status": "ok", "database": platform.engine.dialect.name, "grids": platform.grids.loaded}
    return JSONResponse(
        {"type": "about:blank", "title": "Database unreachable", "status": 503},
        status_code=503,
        media_type="application/problem+json",
    )


OUTBOX_STATUS = {
    "failed": "undelivered after at least one failed attempt (parked ones included)",
    "parked": "set aside after repeated failures; later events went on",
    "pending": "undelivered and not parked",
}


@router.get("/admin/outbox", responses={401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}})
def outbox(
    actor=Depends(require(Permission.VIEW_OPERATIONS)),
    platform=Depends(get_platform),
    failed_only: bool = True,
    status: Annotated[str | None, Query(pattern="^(failed|parked|pending)$", description="; ".join(f"{k}: {v}" for k, v in OUTBOX_STATUS.items()))] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Events not yet delivered to their handlers, with attempts, the last error, who holds a claim on
    them and, for parked ones, why. Without `status`: failed ones (all undelivered with failed_only=false)."""
    with platform.engine.connect() as conn:
        return operations_queries.outbox_events(conn, status or ("failed" if failed_only else None), limit)


@router.post(
    "/admin/outbox/{event_id}/retry",
    status_code=204,
    responses={401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 404: {"description": "No parked event"}},
)
def retry_outbox_event(event_id: Annotated[int, Path(ge=1, le=2**62)], actor=Depends(require(Permission.VIEW_OPERATIONS)), platform=Depends(get_platform)) -> Response:
    """Give a parked event its attempts back; a relay delivers it within its full sweep (30 s)."""
    with platform.uow() as uow:
        operations.retry_parked_event(uow, event_id)  # NotFound -> 404 problem+json
    platform.relay.wake()
    return Response(status_code=204)


@router.get("/admin/audit", responses={401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}})
def audit(
    actor=Depends(require(Permission.VIEW_OPERATIONS)),
    platform=Depends(get_platform),
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Who read which personal data, newest first."""
    with platform.engine.connect() as conn:
        return operations_queries.audit_entries(conn, subject_id, limit)


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=128, description="Who uses the key, e.g. 海康视频平台")
    channels: list[str] = Field(..., min_length=1, description="camera, alarm, sos, hotline, open311")


ADMIN_ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 404: {"description": "No such key"}, 422: {"description": "Invalid"}}


@router.post("/admin/api-keys", status_code=201, responses=ADMIN_ERRORS)
def create_api_key(body: ApiKeyIn, actor=Depends(require(Permission.MANAGE_INTEGRATIONS)), platform=Depends(get_platform)) -> dict[str, Any]:
    """A new integration key for machine channels; the `key` is in this answer only, never again."""
    with platform.uow() as uow:
        row, key = api_keys.create_key(uow, name=body.name, channels=body.channels, now=platform.clock.now(), new_id=new_id)
    return {**row, "key": key}


@router.get("/admin/api-keys", responses=ADMIN_ERRORS)
def list_api_keys(actor=Depends(require(Permission.MANAGE_INTEGRATIONS)), platform=Depends(get_platform)) -> list[dict[str, Any]]:
    """Every key with its channels, first characters, last use and revocation; never the key."""
    with platform.uow() as uow:
        return [api_keys.public(r) for r in uow.api_keys.list()]


@router.delete("/admin/api-keys/{key_id}", status_code=204, responses=ADMIN_ERRORS)
def revoke_api_key(key_id: Annotated[str, Path(max_length=32)], actor=Depends(require(Permission.MANAGE_INTEGRATIONS)), platform=Depends(get_platform)) -> Response:
    """Revoke a key at once; the system that used it gets 401 from now on."""
    with platform.uow() as uow:
        api_keys.revoke(uow, key_id, platform.clock.now())
    return Response(status_code=204)
