"""Use cases on cases: report one, act on one. Load -> ask the domain -> commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gridgov.domain import gazetteer, geo
from gridgov.domain import policy as policy_rules
from gridgov.domain.cases import Case
from gridgov.domain.commands import ActOnCase, MergeCases, ReportCase
from gridgov.domain.deadlines import check_extension
from gridgov.domain.errors import IdempotencyMismatch, InvalidInput, NotFound, StaleVersion
from gridgov.domain.scope import can_see_case
from gridgov.domain.taxonomy import Channel, Grade
from gridgov.domain.workflow import Action
from gridgov.services.schedule import prepare_dispatch, prepare_resume, sync_timers


@dataclass(frozen=True)
class Reported:
    """What `POST /cases` answers; `replayed` is True when an idempotency key matched an earlier request."""

    case_id: str
    body: dict[str, Any]
    status_code: int = 201
    replayed: bool = False


def report_case(cmd: ReportCase, uow, *, clock, grids, new_id, policy) -> Reported:
    actor = cmd.actor
    if cmd.idempotency_key:
        earlier = uow.idempotency.get(actor.user_id, cmd.idempotency_key)
        if earlier is not None:
            if earlier["request_hash"] != cmd.request_hash:
                raise IdempotencyMismatch("this Idempotency-Key was already used with a different request body")
            body = earlier["response"]
            return Reported(body["id"], body, earlier["status_code"], replayed=True)
    try:
        channel = Channel(cmd.channel) if cmd.channel else policy_rules.DEFAULT_CHANNEL[actor.role]
    except ValueError:
        raise InvalidInput(f"unknown channel {cmd.channel!r}; known: {', '.join(c.value for c in Channel)}") from None
    grade = _grade(cmd.grade)
    policy_rules.check_report(actor, channel, cmd.grade)
    placement = None
    if cmd.address_only:
        lon, lat, node, placement = _place_by_address(grids, cmd.address)
    else:
        lon, lat = _to_wgs84(cmd.lon, cmd.lat, cmd.crs)
        node = grids.locate(lon, lat)
        if grids.loaded and node is None:
            raise InvalidInput(f"the point ({lon:.6f}, {lat:.6f}) lies outside every grid of this district")
    on_spot = dict(cmd.on_spot) if cmd.on_spot is not None else None
    result_photos = list(on_spot.get("photos") or []) if on_spot else []
    missing = uow.photos.not_uploaded_by(list(dict.fromkeys([*cmd.photos, *result_photos])), actor.user_id)
    if missing:
        raise InvalidInput(f"unknown photo ids: {', '.join(missing)}; upload them to /api/v1/photos first")
    now = clock.now()
    category = _category_code(uow, cmd.category)
    # a case handled on the spot is its own record of work, even beside an open case of the same problem
    existing = None if on_spot else _joinable(uow, cmd, category, lon, lat, now, policy)
    if existing is not None:
        case = uow.cases.get(existing, for_update=True)
        case.join(now, actor=actor, channel=str(channel), photos=list(cmd.photos), note=cmd.description[:200])
        body = {"id": case.id, "status": str(case.status), "version": case.version, "grid_code": case.grid_code,
                "joined": True, "report_count": case.report_count}  # fmt: skip
        if cmd.idempotency_key:
            uow.idempotency.put(actor.user_id, cmd.idempotency_key, cmd.request_hash or "", 200, body, now)
        uow.commit()
        return Reported(case.id, body, status_code=200)
    case = Case.report(
        case_id=new_id(now),
        actor=actor,
        now=now,
        description=cmd.description,
        lon=lon,
        lat=lat,
        channel=channel,
        grid_code=node.code if node else None,
        address=cmd.address,
        category=category,
        grade=grade,
        reporter_name=cmd.reporter_name,
        reporter_phone=cmd.reporter_phone,
        photos=list(cmd.photos),
    )
    case.source_ref = cmd.source_ref
    if on_spot is not None:  # 自行处置: through the transition table, which only lets the reporting grid worker
        case.act(Action.HANDLE_ON_SPOT, actor, now, {"result": on_spot.get("result"), "photos": result_photos})
    if cmd.severity or placement or cmd.scene:
        case.triage = {k: v for k, v in (("severity", cmd.severity), ("placement", placement), ("scene", cmd.scene)) if v}
    uow.cases.add(case)
    uow.flush()
    sync_timers(uow, case, policy)
    body = {"id": case.id, "status": str(case.status), "version": case.version, "grid_code": case.grid_code}
    if cmd.idempotency_key:
        uow.idempotency.put(actor.user_id, cmd.idempotency_key, cmd.request_hash or "", 201, body, now)
    uow.commit()
    return Reported(case.id, body)


def _sees(actor, case: Case) -> bool:
    return can_see_case(actor, grid_code=case.grid_code, unit_id=case.unit_id, reporter_id=case.reporter_id)


def _visible_case(uow, actor, case_id: str) -> Case:
    """The case, locked for change, if the actor may see it; otherwise 404, as if it did not exist."""
    case = uow.cases.get(case_id, for_update=True)
    if case is None or not _sees(actor, case):
        raise NotFound(f"no case {case_id} that you may see")
    return case


def act_on_case(cmd: ActOnCase, uow, *, clock, policy) -> Case:
    case = _visible_case(uow, cmd.actor, cmd.case_id)
    if cmd.expected_version != case.version:
        raise StaleVersion(
            f"you acted on version {cmd.expected_version} but the case is at version {case.version}; "
            "reload it and try again",
            current_version=case.version,
        )
    fields = dict(cmd.fields)
    if cmd.action is Action.DISPATCH:
        unit_id = fields.get("unit_id")
        unit = uow.units.get(unit_id) if isinstance(unit_id, str) else None
        if unit_id is not None and (unit is None or not unit.active):
            raise InvalidInput(f"unknown unit {unit_id!r}")
    if cmd.action in (Action.HANDLE, Action.HANDLE_ON_SPOT):
        missing = uow.photos.not_uploaded_by(list(fields.get("photos") or []), cmd.actor.user_id)
        if missing:
            raise InvalidInput(f"unknown photo ids: {', '.join(missing)}")
    now = clock.now()
    if cmd.action is Action.DISPATCH:
        prepare_dispatch(case, uow, fields, now, policy)
    elif cmd.action is Action.RESUME:
        prepare_resume(case, fields, now, policy)
    elif cmd.action is Action.APPROVE_EXTENSION and case.pending_extension is not None:
        check_extension(case.due_at, case.pending_extension.requested_due, now)
    case.act(cmd.action, cmd.actor, now, fields)
    sync_timers(uow, case, policy)
    uow.commit()
    return case


# Repeats within these windows join the open case (policy: a camera re-captures the same scene every few
# minutes; residents re-report the same overflowing bin within the day).
SOURCE_MERGE_WINDOW = timedelta(hours=2)
NEARBY_METERS = 50
NEARBY_WINDOW = timedelta(hours=24)


def _place_by_address(grids, address: str | None):
    """Coordinates and grid from the address text; unmatched, the case keeps the district's centre as a
    stand-in point and no grid, so triage queues it for a person ("not placed")."""
    if not address or not grids.loaded:
        raise InvalidInput("a report without coordinates needs an address")
    found = gazetteer.place(address, grids.tree)
    if found is None:
        root = grids.tree.roots[0].geometry.representative_point()
        return root.x, root.y, None, {"by": "address", "address": address, "matched": None}
    node = grids.get(found.grid_code)
    return found.lon, found.lat, node, {"by": "address", "matched": found.name, "confidence": found.confidence}


def _category_code(uow, value: str | None) -> str | None:
    if not value:
        return None
    category = uow.categories.table().get(value)
    if category is None:
        raise InvalidInput(f"unknown category {value!r}; GET /api/v1/categories lists them")
    return category.code


def _joinable(uow, cmd: ReportCase, category: str | None, lon: float, lat: float, now, policy) -> str | None:
    if cmd.source_ref:
        return uow.open_cases.by_source(cmd.source_ref, now - SOURCE_MERGE_WINDOW)
    if category and cmd.channel != "sos_button":
        return uow.open_cases.nearby(category, lon, lat, NEARBY_METERS, now - NEARBY_WINDOW)
    return None


def _grade(value: int | None) -> Grade:
    if value is None:
        return Grade.NORMAL
    try:
        return Grade(int(value))
    except (TypeError, ValueError):
        raise InvalidInput("grade must be 1, 2, 3 or 4") from None


def _to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    try:
        return geo.to_wgs84(lon, lat, crs)
    except (geo.InvalidCoordinates, geo.UnsupportedCrs) as exc:
        raise InvalidInput(str(exc)) from None


def merge_cases(cmd: MergeCases, uow, *, clock, policy) -> Case:
    """Merge: the duplicate is closed as 作废 with the link, the kept case counts one more report.
    Split: the merged case is reopened and the kept case counts one report less."""
    policy_rules.require(cmd.actor, policy_rules.Permission.MERGE_CASES)
    case = _visible_case(uow, cmd.actor, cmd.case_id)
    if cmd.expected_version != case.version:
        raise StaleVersion(f"the case is at version {case.version}", current_version=case.version)
    now = clock.now()
    if cmd.into is not None:
        if cmd.into == case.id:
            raise InvalidInput("a case cannot be merged into itself")
        kept = uow.cases.get(cmd.into, for_update=True)
        if kept is None or not _sees(cmd.actor, kept):
            raise InvalidInput(f"no case {cmd.into!r} that you may see to merge into")
        case.merge_into(kept, now, actor=cmd.actor)
        sync_timers(uow, kept, policy)
    else:
        kept = uow.cases.get(case.merged_into, for_update=True) if case.merged_into else None
        case.split_from(kept, now, actor=cmd.actor)
        if kept is not None:
            sync_timers(uow, kept, policy)
    sync_timers(uow, case, policy)
    uow.commit()
    return case
