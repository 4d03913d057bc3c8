"""/api/v1/inbox, /deadlines, /calendar, /ladders, and the admin views of webhooks and deadline timers:
what is due, who was told, and how."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gridgov.api.authz import require
from gridgov.api.problems import ApiProblem
from gridgov.api.security import current_actor, get_platform
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.queries import inbox as inbox_queries
from gridgov.queries import operations as operations_queries
from gridgov.services import calendar as calendar_service
from gridgov.services import inbox as inbox_service
from gridgov.services import operations, webhooks
from gridgov.services.ids import new_id
from gridgov.services.ladders import ladder_to_dict, save_ladder

router = APIRouter(prefix="/api/v1", tags=["deadlines"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 422: {"description": "Invalid"}}


@router.get("/inbox", responses=ERRORS)
def inbox(
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Your notifications, newest first, with the unread count."""
    with platform.engine.connect() as conn:
        return inbox_queries.notifications(conn, actor.user_id, unread_only=unread, limit=limit)


@router.post("/inbox/{notification_id}/read", status_code=204, responses=ERRORS | {404: {"description": "Not yours"}})
def mark_read(notification_id: Annotated[int, Path(ge=1, le=2**62)], actor: Actor = Depends(current_actor), platform=Depends(get_platform)) -> Response:
    with platform.uow() as uow:
        inbox_service.mark_read(uow, actor.user_id, notification_id, platform.clock.now())  # NotFound -> 404
    return Response(status_code=204)


@router.post("/inbox/read-all", responses=ERRORS)
def mark_all_read(actor: Actor = Depends(current_actor), platform=Depends(get_platform)) -> dict[str, int]:
    with platform.uow() as uow:
        return {"marked": inbox_service.mark_all_read(uow, actor.user_id, platform.clock.now())}


@router.get("/deadlines", responses=ERRORS)
def deadlines(
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    view: Annotated[str, Query(pattern="^(overdue|soon)$", description="overdue, or soon due")] = "overdue",
    within_minutes: Annotated[int, Query(ge=1, le=60 * 24 * 30)] = 120,
    grid: Annotated[str | None, Query(max_length=32)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Open cases past their deadline (most overdue first), or due within the next minutes."""
    with platform.engine.connect() as conn:
        return inbox_queries.due_cases(
            conn, actor, platform.clock.now(), view=view, within_minutes=within_minutes, grid=grid, unit=unit,
            limit=limit, yellow_share=platform.policy.yellow_share,
        )  # fmt: skip


@router.get("/calendar/{year}", responses=ERRORS)
def calendar(year: Annotated[int, Path(ge=1990, le=2100)], actor: Actor = Depends(current_actor), platform=Depends(get_platform)) -> dict[str, Any]:
    """The working calendar of a year: holidays, 调休 workdays, office hours, and whether it is
    provisional (holidays not published yet: weekends only)."""
    if not 1990 <= year <= 2100:
        raise ApiProblem(422, "Invalid input", "year must be between 1990 and 2100")
    cal = platform.policy.calendar
    return {
        "year": year,
        "provisional": cal.is_provisional(year),
        "holidays": sorted(d.isoformat() for d in cal.holidays if d.year == year),
        "workdays": sorted(d.isoformat() for d in cal.workdays if d.year == year),
        "office_hours": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in cal.office_hours],
        "workday_count": sum(cal.is_workday(date(year, 1, 1) + timedelta(days=i)) for i in range(366 if year % 4 == 0 else 365)),
    }


@router.put("/calendar/overrides", responses=ERRORS)
def load_overrides(
    text: Annotated[str, Body(media_type="application/yaml", description="holidays, workdays, office_hours, years")],
    actor: Actor = Depends(require(Permission.EDIT_CALENDAR)),
    platform=Depends(get_platform),
) -> dict[str, Any]:
    """Load local calendar overrides (validated whole; nothing applied on any problem). New deadlines use
    them at once here, and in every other process within `shared_state_poll_seconds`: they are kept in
    the database and replace any earlier upload."""
    with platform.uow() as uow:
        overrides = calendar_service.save_overrides(uow, text, platform.clock.now(), platform.policy)
    return {"holidays": len(overrides["holidays"]), "workdays": len(overrides["workdays"]), "years": sorted(overrides["years"])}


@router.get("/ladders", responses=ERRORS)
def list_ladders(actor: Actor = Depends(current_actor), platform=Depends(get_platform)) -> list[dict[str, Any]]:
    """Escalation ladders (升级阶梯) in use: steps with delay, anchor, target and action."""
    return [ladder_to_dict(ladder) for ladder in platform.policy.ladders.values()]


@router.put("/ladders/{code}", responses=ERRORS)
def put_ladder(
    code: Annotated[str, Path(min_length=1, max_length=64)],
    body: Annotated[dict[str, Any], Body(...)],
    actor: Actor = Depends(require(Permission.EDIT_LADDERS)),
    platform=Depends(get_platform),
    scope: Annotated[str | None, Query(max_length=32, description="Grid the ladder serves; targets must exist there")] = None,
) -> dict[str, Any]:
    """Add or replace a ladder. Every problem is listed (unknown action, a target unit type that no unit
    provides in the scope …) and nothing is changed when there is one."""
    if body.get("code") != code:
        raise ApiProblem(422, "Invalid input", "the code in the path and in the body differ")
    return ladder_to_dict(save_ladder(platform, actor, body, scope))


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=100)
    url: str = Field(..., max_length=500)
    event_types: list[str] = Field(..., description="e.g. CaseDispatched, CaseWarned, CaseEscalated; '*' for all")


@router.get("/admin/webhooks", responses=ERRORS)
def list_webhooks(actor: Actor = Depends(require(Permission.MANAGE_INTEGRATIONS)), platform=Depends(get_platform)) -> list[dict[str, Any]]:
    with platform.engine.connect() as conn:
        return operations_queries.webhooks(conn)


@router.post("/admin/webhooks", status_code=201, responses=ERRORS)
def create_webhook(body: WebhookIn, actor: Actor = Depends(require(Permission.MANAGE_INTEGRATIONS)), platform=Depends(get_platform)) -> dict[str, Any]:
    """Register a gateway. The answer carries the signing secret once; keep it on the gateway."""
    return webhooks.create_webhook(
        platform.engine, platform.clock, actor, name=body.name, url=body.url, event_types=body.event_types, new_id=new_id
    )


@router.get("/admin/webhooks/deliveries", responses=ERRORS)
def deliveries(
    actor: Actor = Depends(require(Permission.MANAGE_INTEGRATIONS)),
    platform=Depends(get_platform),
    status: Annotated[str, Query(pattern="^(pending|delivered|dead)$")] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Deliveries by status; `dead` is the dead-letter list."""
    with platform.engine.connect() as conn:
        return operations_queries.webhook_deliveries(conn, status, limit)


@router.post("/admin/webhooks/deliveries/{delivery_id}/retry", status_code=204, responses=ERRORS | {404: {"description": "No dead delivery"}})
def retry(delivery_id: Annotated[int, Path(ge=1, le=2**62)], actor: Actor = Depends(require(Permission.MANAGE_INTEGRATIONS)), platform=Depends(get_platform)) -> Response:
    webhooks.retry_dead(platform.engine, platform.clock, delivery_id)
    return Response(status_code=204)


TIMER_STATUS = {"parked": "parked by repeated failures", "failing": "failed at least once, still tried", "pending": "not fired yet"}


@router.get("/admin/timers", responses=ERRORS)
def list_timers(
    actor: Actor = Depends(require(Permission.VIEW_OPERATIONS)),
    platform=Depends(get_platform),
    status: Annotated[str, Query(pattern="^(parked|failing|pending)$", description="; ".join(f"{k}: {v}" for k, v in TIMER_STATUS.items()))] = "parked",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Deadline timers by status: `parked` lists the ones the ticker gave up on, with the reason."""
    with platform.engine.connect() as conn:
        return operations_queries.timers(conn, status, limit)


@router.post("/admin/timers/{timer_id}/retry", status_code=204, responses=ERRORS | {404: {"description": "No parked timer"}})
def retry_timer(timer_id: Annotated[int, Path(ge=1, le=2**62)], actor: Actor = Depends(require(Permission.VIEW_OPERATIONS)), platform=Depends(get_platform)) -> Response:
    """Give a parked timer its attempts back; the ticker fires it at its next sweep (it is overdue)."""
    with platform.uow() as uow:
        operations.retry_parked_timer(uow, timer_id)  # NotFound -> 404
    return Response(status_code=204)
