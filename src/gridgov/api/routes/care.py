"""/api/v1/care: care files (一人一档) of the register's residents, visits on the working calendar, and the
overdue list the desk and the wall show."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from gridgov.api.authz import require
from gridgov.api.problems import ApiProblem
from gridgov.api.security import get_platform
from gridgov.api.types import Instant
from gridgov.domain.policy import Permission
from gridgov.domain.roles import Actor
from gridgov.queries.care import care_detail, list_care
from gridgov.services import care
from gridgov.services.ids import new_id

router = APIRouter(prefix="/api/v1/care", tags=["care"])
ERRORS = {401: {"description": "Not logged in"}, 403: {"description": "Forbidden"}, 404: {"description": "Not found"},
          409: {"description": "Conflict"}, 422: {"description": "Invalid"}}  # fmt: skip
# Visit days are days in Beijing time, as the official working calendar is.
_ZONE = ZoneInfo("Asia/Shanghai")


def _local_date(moment: datetime):
    return moment.astimezone(_ZONE).date()


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    relation: str | None = Field(None, max_length=16, description="子女, 配偶, 邻居 …")
    phone: str = Field(min_length=1, max_length=32)


class CareFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resident_id: str = Field(min_length=1, max_length=26)
    category: str = Field(max_length=32, description="elderly_alone, disabled, child_in_difficulty … (domain/care.py)")
    tier: str = Field(max_length=16, description="high (weekly visits), key (monthly) or normal (quarterly)")
    contacts: list[ContactIn] = Field(default_factory=list, max_length=5)
    notes: str | None = Field(None, max_length=2000)


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_ref: str | None = Field(None, min_length=1, max_length=64, description="the phone's id for this visit")
    note: str = Field(min_length=1, max_length=2000)
    photos: list[str] = Field(default_factory=list, max_length=9)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    visited_at: Instant | None = Field(None, description="when, if recorded later (offline); default now")


@router.post("/persons", status_code=201, responses=ERRORS)
def open_file(body: CareFileIn, actor: Actor = Depends(require(Permission.EDIT_REGISTER)), platform=Depends(get_platform)) -> dict[str, Any]:
    """Open the care file of a resident of your area; the first visit falls due one interval of the tier later."""
    now = platform.clock.now()
    with platform.uow() as uow:
        return care.open_care_file(
            uow, actor=actor, resident_id=body.resident_id, category=body.category, tier=body.tier,
            contacts=[c.model_dump() for c in body.contacts], notes=body.notes, vault=platform.pii,
            calendar=platform.policy.calendar, today=_local_date(now), now=now, new_id=new_id,
        )  # fmt: skip


@router.get("/persons", responses=ERRORS)
def list_files(
    actor: Actor = Depends(require(Permission.VIEW_REGISTER)),
    platform=Depends(get_platform),
    overdue: Annotated[bool, Query(description="only those whose visit is late")] = False,
) -> dict[str, Any]:
    """Care persons of your area, the most urgent visit first."""
    with platform.engine.connect() as conn:
        items, revealed = list_care(conn, actor, today=_local_date(platform.clock.now()), vault=platform.pii, overdue_only=overdue)
    _audit(platform, actor, revealed)
    return {"items": items}


@router.get("/persons/{care_id}", responses=ERRORS)
def get_file(care_id: Annotated[str, Path(max_length=26)], actor: Actor = Depends(require(Permission.VIEW_REGISTER)),
             platform=Depends(get_platform)) -> dict[str, Any]:  # fmt: skip
    with platform.engine.connect() as conn:
        found = care_detail(conn, actor, care_id, today=_local_date(platform.clock.now()), vault=platform.pii)
    if found is None:
        raise ApiProblem(404, "Not found", f"no care file {care_id} in your area")
    body, revealed = found
    _audit(platform, actor, [care_id] if revealed else [])
    return body


@router.post("/persons/{care_id}/visits", status_code=201, responses=ERRORS)
def record_visit(
    care_id: Annotated[str, Path(max_length=26)],
    body: VisitIn,
    response: Response,
    actor: Actor = Depends(require(Permission.EDIT_REGISTER)),
    platform=Depends(get_platform),
    idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
) -> dict[str, Any]:
    """Record a visit (note, photos, place). Name it with `client_ref` or an Idempotency-Key: a retry with
    the same name answers 200 with the visit already recorded, never a second one."""
    ref = body.client_ref or idempotency_key
    if not ref:
        raise ApiProblem(422, "Invalid input", "name the visit with client_ref or an Idempotency-Key, so a retry is not counted twice")
    for attempt in (1, 2):  # two retries of one visit at the same instant: the second finds the first's row
        try:
            with platform.uow() as uow:
                visit, created = care.record_visit(
                    uow, actor=actor, care_id=care_id, client_ref=ref, note=body.note, photos=body.photos, lon=body.lon,
                    lat=body.lat, visited_at=body.visited_at, calendar=platform.policy.calendar, local_date=_local_date,
                    now=platform.clock.now(), new_id=new_id,
                )  # fmt: skip
            break
        except IntegrityError:
            if attempt == 2:
                raise ApiProblem(409, "Conflict", "the visit was recorded meanwhile; send it again") from None
    response.status_code = 201 if created else 200
    return visit


def _audit(platform, actor: Actor, care_ids: list[str]) -> None:
    if not care_ids:
        return
    with platform.uow() as uow:
        for care_id in care_ids:
            uow.audit.record(at=platform.clock.now(), user_id=actor.user_id, role=str(actor.role), action="read_pii",
                             subject_type="care", subject_id=care_id, fields=["contacts"], purpose="care file")  # fmt: skip
        uow.commit()
