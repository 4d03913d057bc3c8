"""Read side of the in-app inbox (站内通知) and of what is due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from gridgov.adapters import tables as t
from gridgov.adapters.repositories import case_from_row
from gridgov.domain.deadlines import urgency
from gridgov.domain.roles import Actor
from gridgov.queries.cases import case_summary, scope_clause

OPEN_WORK = ("dispatched", "in_progress")


def notifications(conn: Connection, user_id: str, *, unread_only: bool, limit: int) -> dict[str, Any]:
    """A user's notifications, newest first, with the unread count."""
    n = t.notifications.c
    count = conn.execute(select(func.count()).where(n.user_id == user_id, n.read_at.is_(None))).scalar()
    query = select(t.notifications).where(n.user_id == user_id)
    if unread_only:
        query = query.where(n.read_at.is_(None))
    rows = conn.execute(query.order_by(n.id.desc()).limit(limit)).fetchall()
    return {"unread": count, "items": [dict(r._mapping) for r in rows]}


def due_cases(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    view: str,
    within_minutes: int,
    grid: str | None,
    unit: str | None,
    limit: int,
    yellow_share: float,
) -> list[dict[str, Any]]:
    """Open cases in the actor's scope past their deadline (most overdue first), or due within minutes."""
    c = t.cases.c
    query = select(t.cases).where(c.status.in_(OPEN_WORK), c.suspended_since.is_(None), c.due_at.is_not(None))
    if view == "overdue":
        query = query.where(c.due_at < now)
    else:
        query = query.where(c.due_at >= now, c.due_at <= now + timedelta(minutes=within_minutes))
    if grid:
        query = query.where(c.grid_code.like(grid + "%"))
    if unit:
        query = query.where(c.unit_id == unit)
    scope = scope_clause(actor)
    if scope is not None:
        query = query.where(scope)
    out = []
    for row in conn.execute(query.order_by(c.due_at).limit(limit)):
        case = case_from_row(row)
        assert case.due_at is not None  # the query asks for cases with a deadline
        level = urgency(case.dispatched_at or case.reported_at, case.due_at, now, yellow_share)
        minutes_left = round((case.due_at - now).total_seconds() / 60, 1)
        out.append({**case_summary(case, actor, now), "urgency": str(level), "minutes_left": minutes_left})
    return out
