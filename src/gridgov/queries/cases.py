"""Read side for cases: filtered, scoped, cursor-paginated lists and one case with its timeline.

Plain SQL selects returning plain dicts; personal data is masked here by role (domain/privacy.py), and
the caller audits every unmasked read (see `reveals_pii`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from gridgov.adapters import tables as t
from gridgov.adapters.repositories import case_from_row
from gridgov.domain.documents import bad_character
from gridgov.domain.errors import DomainError, InvalidInput
from gridgov.domain.instants import check_instant
from gridgov.domain.privacy import mask_name, mask_phone, phone_visible_to, redact_text
from gridgov.domain.roles import CENTER_ROLES, UNIT_ROLES, Actor, Role
from gridgov.domain.scope import can_see_case
from gridgov.domain.workflow import CaseStatus

MAX_PAGE = 200
# Roles whose names on a timeline are personal data (the reporter, a neighbour who reported it again);
# staff act in office and are named.
_PRIVATE_ROLES = frozenset({str(Role.RESIDENT)})


@dataclass(frozen=True)
class CaseFilters:
    status: tuple[str, ...] = ()
    grid: str | None = None
    unit: str | None = None
    category: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    mine: bool = False
    # behind the KPI figures (docs/kpis.md): other case times within a range, and conditions
    dispatched_since: datetime | None = None
    dispatched_until: datetime | None = None
    handled_since: datetime | None = None
    handled_until: datetime | None = None
    due_since: datetime | None = None
    due_until: datetime | None = None
    closed_since: datetime | None = None
    closed_until: datetime | None = None
    closed: bool | None = None
    closed_on_time: bool | None = None
    handled_on_time: bool | None = None
    suspended: bool | None = None
    dispatched: bool | None = None
    responded: bool | None = None
    reworked: bool | None = None
    returned: bool | None = None
    rated: bool | None = None
    satisfied: bool | None = None
    unit_kind: str | None = None
    reporter: str | None = None


# Satisfied: 满意 and 基本满意 on the five-point scale (domain/kpis.py SATISFIED_FROM).
_SATISFIED_FROM = 4


def condition_clause(name: str, wanted: bool = True):
    """The SQL meaning of a KPI condition (domain/kpis.py CONDITIONS) or of its negation: one meaning
    for the figure and for the list of cases behind it."""
    c = t.cases.c
    on_time = and_(c.closed_at.is_not(None), c.due_at.is_not(None), func.coalesce(c.handled_at, c.closed_at) <= c.due_at)
    handled_on_time = and_(c.handled_at.is_not(None), c.due_at.is_not(None), c.handled_at <= c.due_at)
    pairs = {
        "closed": (c.closed_at.is_not(None), c.closed_at.is_(None)),
        "closed_on_time": (on_time, or_(c.closed_at.is_(None), c.due_at.is_(None), func.coalesce(c.handled_at, c.closed_at) > c.due_at)),
        "handled_on_time": (handled_on_time, or_(c.handled_at.is_(None), c.due_at.is_(None), c.handled_at > c.due_at)),
        "suspended": (c.suspended_since.is_not(None), c.suspended_since.is_(None)),
        "dispatched": (c.dispatched_at.is_not(None), c.dispatched_at.is_(None)),
        "responded": (or_(c.accepted_at.is_not(None), c.dispatched_at.is_not(None)), and_(c.accepted_at.is_(None), c.dispatched_at.is_(None))),
        "reworked": (c.rework_count > 0, c.rework_count == 0),
        "returned": (c.return_count > 0, c.return_count == 0),
        "rated": (c.rating.is_not(None), c.rating.is_(None)),
        "satisfied": (c.rating >= _SATISFIED_FROM, or_(c.rating.is_(None), c.rating < _SATISFIED_FROM)),
    }  # fmt: skip
    return pairs[name][0 if wanted else 1]


_RANGES = ("dispatched", "handled", "due", "closed")
_FLAGS = ("closed", "closed_on_time", "handled_on_time", "suspended", "dispatched", "responded", "reworked", "returned", "rated", "satisfied")


def _kpi_filters(filters: CaseFilters) -> list:
    c = t.cases.c
    where = []
    for name in _RANGES:
        since, until = getattr(filters, name + "_since"), getattr(filters, name + "_until")
        if since is not None:
            where.append(c[name + "_at"] >= since)
        if until is not None:
            where.append(c[name + "_at"] < until)
    where += [condition_clause(name, value) for name in _FLAGS if (value := getattr(filters, name)) is not None]
    if filters.unit_kind:
        where.append(c.unit_id.in_(select(t.units.c.id).where(t.units.c.kind == filters.unit_kind)))
    if filters.reporter:
        where.append(c.reporter_id == filters.reporter)
    return where


def encode_cursor(reported_at: datetime, case_id: str) -> str:
    raw = json.dumps([reported_at.isoformat(), case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (reported_at, case id) a cursor of `encode_cursor` holds. Anything else, including a
    well-formed cursor with a naive or out-of-range time (which would reach the database as an
    error), is a 400: a cursor is opaque, so the client can only have altered or truncated it."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, case_id = json.loads(raw)
        if not isinstance(at, str) or not isinstance(case_id, str) or len(case_id) > 64 or bad_character(case_id):
            raise ValueError
        return check_instant(datetime.fromisoformat(at)), case_id
    except (ValueError, TypeError, RecursionError):  # binascii.Error, JSON, unpacking and InstantError are ValueErrors
        raise DomainError("the cursor is not valid") from None


def scope_clause(actor: Actor):
    c = t.cases.c
    mine = c.reporter_id == actor.user_id
    if actor.role in CENTER_ROLES:
        return None if actor.grid_code is None else or_(c.grid_code.like(actor.grid_code + "%"), mine)
    if actor.role is Role.GRID_WORKER and actor.grid_code:
        return or_(c.grid_code.like(actor.grid_code + "%"), mine)
    if actor.role in UNIT_ROLES and actor.unit_ids:
        return or_(c.unit_id.in_(sorted(actor.unit_ids)), mine)
    return mine


def list_cases(
    conn: Connection,
    actor: Actor,
    filters: CaseFilters,
    *,
    limit: int = 50,
    cursor: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    c = t.cases.c
    where = []
    scope = scope_clause(actor)
    if scope is not None:
        where.append(scope)
    for status in filters.status:
        if status not in CaseStatus.__members__.values():
            raise InvalidInput(f"unknown status {status!r}; known: {', '.join(s.value for s in CaseStatus)}")
    if filters.status:
        where.append(c.status.in_(filters.status))
    if filters.grid:
        where.append(c.grid_code.like(filters.grid + "%"))
    if filters.unit:
        where.append(c.unit_id == filters.unit)
    if filters.category:
        where.append(c.category == filters.category)
    if filters.channel:
        where.append(c.channel == filters.channel)
    if filters.since:
        where.append(c.reported_at >= filters.since)
    if filters.until:
        where.append(c.reported_at < filters.until)
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(c.description.like(pattern, escape="\\"), c.address.like(pattern, escape="\\")))
    if filters.mine:
        where.append(c.reporter_id == actor.user_id)
    where += _kpi_filters(filters)
    if cursor:
        at, case_id = decode_cursor(cursor)
        where.append(or_(c.reported_at < at, and_(c.reported_at == at, c.id < case_id)))
    query = select(t.cases).where(*where).order_by(c.reported_at.desc(), c.id.desc()).limit(limit + 1)
    rows = conn.execute(query).fetchall()
    items = [case_summary(case_from_row(r), actor, now) for r in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1].reported_at, rows[limit - 1].id) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}


def count_cases(conn: Connection, actor: Actor) -> dict[str, int]:
    c = t.cases.c
    query = select(c.status, func.count()).group_by(c.status)
    scope = scope_clause(actor)
    if scope is not None:
        query = query.where(scope)
    return {status: n for status, n in conn.execute(query)}


def _text_for(actor: Actor, case):
    """Free text as this reader may see it: numbers typed into it are masked like the phone field."""
    clear = phone_visible_to(actor.role, is_self=case.reporter_id == actor.user_id)
    return (lambda text: text) if clear else redact_text


def case_summary(case, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    text = _text_for(actor, case)
    return {
        "id": case.id,
        "status": str(case.status),
        "status_label": case.status.label_zh,
        "version": case.version,
        "description": text(case.description),
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "category": case.category,
        "grade": int(case.grade),
        "channel": str(case.channel),
        "grid_code": case.grid_code,
        "unit_id": case.unit_id,
        "reported_at": case.reported_at,
        "due_at": case.due_at,
        "closed_at": case.closed_at,
        "rating": case.rating,
        "overdue": case.is_overdue(now) if now else False,
    }


def case_detail(
    conn: Connection, actor: Actor, case_id: str, now: datetime | None = None, *, just_acted: bool = False
) -> tuple[dict[str, Any], list[str]] | None:
    """The case with its timeline, masked for `actor`; also the personal fields shown in clear.

    `just_acted`: the actor has just changed this case and may see the result of that change even when
    it took the case out of their scope (a unit returning an order, a dispatcher merging a duplicate):
    the answer to a successful action must not be 404."""
    row = conn.execute(select(t.cases).where(t.cases.c.id == case_id)).first()
    if row is None:
        return None
    case = case_from_row(row)
    visible = can_see_case(actor, grid_code=case.grid_code, unit_id=case.unit_id, reporter_id=case.reporter_id)
    if not (visible or just_acted):
        return None
    is_self = case.reporter_id == actor.user_id
    clear = phone_visible_to(actor.role, is_self=is_self)
    revealed = ["reporter_phone", "reporter_name"] if clear and case.reporter_phone and not is_self else []
    timeline = conn.execute(
        select(t.case_timeline).where(t.case_timeline.c.case_id == case_id).order_by(t.case_timeline.c.id)
    ).fetchall()
    body = case_summary(case, actor, now)
    text = _text_for(actor, case)
    ext = case.pending_extension
    body.update(
        {
            "reporter_name": case.reporter_name if clear else mask_name(case.reporter_name),
            "reporter_phone": case.reporter_phone if clear else mask_phone(case.reporter_phone),
            "photos": case.photos,
            "result": text(case.result),
            "result_photos": case.result_photos,
            "rating_comment": text(case.rating_comment),
            "accepted_at": case.accepted_at,
            "dispatched_at": case.dispatched_at,
            "handled_at": case.handled_at,
            "rework_count": case.rework_count,
            "return_count": case.return_count,
            "pending_extension": None
            if ext is None
            else {"requested_due": ext.requested_due, "reason": text(ext.reason), "requested_at": ext.requested_at},
            "allowed_actions": [str(a) for a in case.allowed_actions(actor)],
            "triage_reason": case.triage_reason,
            "sensitive": case.sensitive,
            "report_count": case.report_count,
            "timeline": [
                {
                    "at": e.at,
                    "actor_id": e.actor_id,
                    "actor_role": e.actor_role,
                    "actor_name": e.actor_name if clear or e.actor_role not in _PRIVATE_ROLES or e.actor_id == actor.user_id
                    else mask_name(e.actor_name),
                    "action": e.action,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "reason": text(e.reason),
                    "data": _entry_data(e.data, text),
                }
                for e in timeline
            ],
        }
    )
    return body, revealed


def _entry_data(data: dict[str, Any] | None, text) -> dict[str, Any]:
    """A timeline entry's data with its free-text notes masked as the reader needs."""
    data = dict(data or {})
    for key in ("note", "result", "comment"):
        if isinstance(data.get(key), str):
            data[key] = text(data[key])
    return data
