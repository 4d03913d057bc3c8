"""/api/v1/health and the admin views of the outbox (undelivered events) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select

from gridgov.adapters import tables as t
from gridgov.adapters.database import ping
from gridgov.api.security import get_platform, require_roles
from gridgov.domain.roles import Role

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
