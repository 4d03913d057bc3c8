"""/api/v1/telemetry and /api/v1/alarms: sensor readings over HTTP, and the alarms they raise (issue 16).

Readings come from an integration key limited to the `telemetry` channel (`X-Api-Key`) or from a
dispatcher or admin; each reading is kept or refused with its reasons, so one bad reading never costs
the good ones of its batch. Alarms are read by the governance center within its grid.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query

from gridgov.api.authz import require
from gridgov.api.problems import ApiProblem
from gridgov.api.security import get_platform, intake_actor
from gridgov.domain.errors import NotFound
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.services import telemetry
from gridgov.services.ids import new_id

router = APIRouter(prefix="/api/v1", tags=["telemetry"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 404: {"description": "Not found"},
          422: {"description": "Invalid"}}  # fmt: skip


@router.post("/telemetry", responses=ERRORS)
def post_telemetry(
    body: Annotated[Any, Body(...)],
    actor: Actor = Depends(intake_actor("telemetry")),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """One reading `{device_id, ts, values: {metric: number}}` or a list of at most 1000. Answers how
    many were kept, each refused reading by its index with reasons as codes (unknown device, value
    outside the physical range, timestamp too far ahead or behind ...), and the alarms raised, changed
    or cleared, with the case each one opened."""
    batch = body if isinstance(body, list) else [body]
    if not isinstance(body, list | dict):
        raise ApiProblem(422, "Invalid input", "send a reading object or a list of them")
    if not batch or len(batch) > telemetry.MAX_BATCH:
        raise ApiProblem(422, "Invalid input", f"a batch holds 1 to {telemetry.MAX_BATCH} readings")
    return telemetry.ingest(
        batch,
        actor=actor,
        uow_factory=platform.uow,
        bus=platform.bus,
        now=platform.clock.now(),
        new_id=new_id,
    )


@router.get("/alarms", responses=ERRORS)
def list_alarms(
    status: Annotated[Literal["active", "cleared"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    actor: Actor = Depends(require(Permission.VIEW_ALARMS)),
    platform=Depends(get_platform),
) -> list[dict[str, Any]]:
    """Alarms of the caller's grid, newest first: device, rule, severity, status, acknowledged, case."""
    with platform.uow() as uow:
        return telemetry.list_alarms(uow, actor, status=status, limit=limit)


@router.post("/alarms/{alarm_id}/acknowledge", responses=ERRORS)
def acknowledge_alarm(
    alarm_id: Annotated[str, Path(min_length=1, max_length=26)],
    actor: Actor = Depends(require(Permission.ACKNOWLEDGE_ALARMS)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Say the alarm has been seen; it stays active until its readings clear it."""
    try:
        with platform.uow() as uow:
            return telemetry.acknowledge(uow, actor, alarm_id, platform.clock.now())
    except NotFound as exc:
        raise ApiProblem(404, "Not found", exc.detail) from None
