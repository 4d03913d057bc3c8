"""/api/v1/cases: report, list, read, and act on cases."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from gridgov.api.problems import ApiProblem
from gridgov.api.schemas import ActionIn, CaseCreated, CaseIn, CaseOut, CasePage, MergeIn
from gridgov.api.security import current_actor, get_platform
from gridgov.api.types import Instant
from gridgov.domain.commands import ActOnCase, MergeCases, ReportCase
from gridgov.domain.roles import Actor
from gridgov.domain.workflow import Action
from gridgov.queries.cases import CaseFilters, case_detail, list_cases

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

PROBLEM_RESPONSES = {
    401: {"description": "Not logged in (problem+json)"},
    403: {"description": "Role or unit may not do this (problem+json)"},
    404: {"description": "No such case in your scope (problem+json)"},
    409: {"description": "State does not allow it, or stale version (problem+json)"},
    422: {"description": "Invalid input (problem+json)"},
}


@router.post("", status_code=201, response_model=CaseCreated, responses=PROBLEM_RESPONSES)
def report_case(
    body: CaseIn,
    response: Response,
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
):
    """Report a problem. Send an `Idempotency-Key` header so a retried request never opens two cases."""
    # without on_spot the hash is what it was before on_spot existed, so retries across an upgrade still match
    fields = body.model_dump(exclude={"on_spot"} if body.on_spot is None else None)
    request_hash = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    result = platform.bus.handle(
        ReportCase(
            actor=actor,
            description=body.description,
            lon=body.lon,
            lat=body.lat,
            crs=body.crs,
            channel=body.channel,
            address=body.address,
            category=body.category,
            grade=body.grade,
            reporter_name=body.reporter_name,
            reporter_phone=body.reporter_phone,
            photos=tuple(body.photos),
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            on_spot=body.on_spot.model_dump() if body.on_spot else None,
        )
    )
    response.status_code = result.status_code
    response.headers["Location"] = f"/api/v1/cases/{result.case_id}"
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result.body


@router.get("", response_model=CasePage, responses=PROBLEM_RESPONSES)
def search_cases(
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    status: Annotated[list[str] | None, Query(description="Repeat for several.")] = None,
    grid: Annotated[str | None, Query(max_length=32, description="Grid code: the whole subtree.")] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    since: Instant | None = None,
    until: Instant | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in description or address.")] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    dispatched_since: Instant | None = None,
    dispatched_until: Instant | None = None,
    handled_since: Instant | None = None,
    handled_until: Instant | None = None,
    due_since: Instant | None = None,
    due_until: Instant | None = None,
    closed_since: Instant | None = None,
    closed_until: Instant | None = None,
    closed: bool | None = None,
    closed_on_time: Annotated[bool | None, Query(description="Closed, handled (or else closed) by the deadline.")] = None,
    handled_on_time: bool | None = None,
    suspended: bool | None = None,
    dispatched: bool | None = None,
    responded: Annotated[bool | None, Query(description="Accepted (立案) or dispatched.")] = None,
    reworked: Annotated[bool | None, Query(description="Sent back by verification (返工) at least once.")] = None,
    returned: Annotated[bool | None, Query(description="Returned by a unit (退单) at least once.")] = None,
    rated: bool | None = None,
    satisfied: Annotated[bool | None, Query(description="Rated 4 or 5.")] = None,
    unit_kind: Annotated[str | None, Query(max_length=16, description="department or social_entity")] = None,
    reporter: Annotated[str | None, Query(max_length=64, description="Reporter's user id.")] = None,
):
    """Cases you may see, newest first; follow `next_cursor` for the next page. The `*_since`/`*_until`
    ranges and conditions are those of the KPI figures (docs/kpis.md): each figure links here."""
    filters = CaseFilters(
        status=tuple(status or ()),
        grid=grid,
        unit=unit,
        category=category,
        channel=channel,
        since=since,
        until=until,
        q=q,
        mine=mine,
        dispatched_since=dispatched_since, dispatched_until=dispatched_until, handled_since=handled_since,
        handled_until=handled_until, due_since=due_since, due_until=due_until, closed_since=closed_since,
        closed_until=closed_until, closed=closed, closed_on_time=closed_on_time, handled_on_time=handled_on_time,
        suspended=suspended, dispatched=dispatched, responded=responded, reworked=reworked, returned=returned,
        rated=rated, satisfied=satisfied, unit_kind=unit_kind, reporter=reporter,
    )  # fmt: skip
    with platform.engine.connect() as conn:
        return list_cases(conn, actor, filters, limit=limit, cursor=cursor, now=platform.clock.now())


@router.get("/{case_id}", response_model=CaseOut, responses=PROBLEM_RESPONSES)
def get_case(case_id: str, response: Response, actor: Actor = Depends(current_actor), platform=Depends(get_platform)):
    """One case with its timeline. The reporter's phone is masked unless your role needs it; an unmasked
    read is written to the audit log."""
    return _detail(case_id, response, actor, platform)


def _detail(case_id: str, response: Response, actor: Actor, platform, *, just_acted: bool = False):
    with platform.engine.connect() as conn:
        found = case_detail(conn, actor, case_id, now=platform.clock.now(), just_acted=just_acted)
    if found is None:
        raise ApiProblem(404, "Not found", f"no case {case_id} that you may see")
    body, revealed = found
    if revealed:
        with platform.uow() as uow:
            uow.audit.record(
                at=platform.clock.now(),
                user_id=actor.user_id,
                role=str(actor.role),
                action="read_pii",
                subject_type="case",
                subject_id=case_id,
                fields=revealed,
                purpose="case detail",
            )
            uow.commit()
    response.headers["ETag"] = f'"{body["version"]}"'
    return body


@router.post("/{case_id}/actions/{action}", response_model=CaseOut, responses=PROBLEM_RESPONSES)
def act(
    case_id: str,
    action: str,
    body: ActionIn,
    response: Response,
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
    if_match: Annotated[str | None, Header(max_length=40)] = None,
):
    """Move the case on: accept, reject, dispatch, claim, return, handle, verify (passed=false: rework),
    close, rate, reopen, request_extension, approve_extension, deny_extension. Send the version you saw."""
    chosen = _action(action, body)
    version = body.version if body.version is not None else _version_from_if_match(if_match)
    fields = body.model_dump(exclude={"version", "passed"}, exclude_none=True)
    platform.bus.handle(ActOnCase(actor=actor, case_id=case_id, action=chosen, expected_version=version, fields=fields))
    # the case as it is after the action, even when the action took it out of the actor's scope (退单)
    return _detail(case_id, response, actor, platform, just_acted=True)


@router.post("/{case_id}/merge", response_model=CaseOut, responses=PROBLEM_RESPONSES)
def merge(
    case_id: str,
    body: MergeIn,
    response: Response,
    actor: Actor = Depends(current_actor),
    platform=Depends(get_platform),
):
    """Merge this case into `into` as a duplicate (合并), or with `into` null split it out again (拆分)."""
    platform.bus.handle(MergeCases(actor=actor, case_id=case_id, expected_version=body.version, into=body.into))
    return _detail(case_id, response, actor, platform, just_acted=True)


def _action(name: str, body: ActionIn) -> Action:
    if name == "verify" and body.passed is False:
        return Action.REWORK
    if name == "extend":
        return Action.REQUEST_EXTENSION
    try:
        return Action(name)
    except ValueError:
        raise ApiProblem(
            404, "Unknown action", f"no action {name!r}", known_actions=[a.value for a in Action]
        ) from None


def _version_from_if_match(value: str | None) -> int:
    if not value:
        raise ApiProblem(428, "Precondition required", "send the case version in the body or in If-Match")
    try:
        return int(value.removeprefix("W/").strip('"'))
    except ValueError:
        raise ApiProblem(422, "Invalid input", "If-Match must be the case version, e.g. \"3\"") from None

