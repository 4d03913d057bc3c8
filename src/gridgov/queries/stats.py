"""Read side of the command-center wall: the KPI overview and the overdue list, within the actor's scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select

from gridgov.adapters import tables as t
from gridgov.domain import kpis
from gridgov.domain.privacy import redact_text
from gridgov.domain.roles import Actor
from gridgov.queries.cases import scope_clause

FACT_COLUMNS = ("id", "status", "category", "grid_code", "reported_at", "due_at", "handled_at", "closed_at", "rating", "sensitive")


def overview(conn: Connection, actor: Actor, now: datetime, *, window_days: int = 30) -> dict[str, Any]:
    """KPIs over the cases of the last `window_days` days plus every case still open (older open cases
    count as open and overdue, never as received)."""
    c = t.cases.c
    since = now - timedelta(days=max(window_days, 14))
    query = select(*[c[name] for name in FACT_COLUMNS]).where(
        or_(c.reported_at >= since, c.closed_at >= since, c.closed_at.is_(None))
    )
    scope = scope_clause(actor)
    if scope is not None:
        query = query.where(scope)
    rows = [kpis.CaseFacts(**r._mapping) for r in conn.execute(query)]
    result = kpis.overview(rows, now, window_days=window_days)
    names = {r.code: (r.name, r.name_en) for r in conn.execute(select(t.categories.c.code, t.categories.c.name, t.categories.c.name_en))}
    result["by_category"] = [
        {"code": code, "name": names.get(code, (code,))[0], "name_en": names.get(code, (code, code))[1], "count": n}
        for code, n in result["by_category"]
    ]
    result["overdue_list"] = overdue_list(conn, actor, now)
    result["sensitive_list"] = sensitive_list(conn, actor)
    result["at"] = now
    return result


def _brief(row, units: dict[str, str], now: datetime | None = None) -> dict[str, Any]:
    # one overview serves every wall (and walls are read by visitors to the center): numbers masked
    item = {"id": row.id, "description": redact_text(row.description)[:80], "grid_code": row.grid_code, "unit_id": row.unit_id,
            "unit_name": units.get(row.unit_id or ""), "grade": row.grade, "status": row.status,
            "due_at": row.due_at, "reported_at": row.reported_at}  # fmt: skip
    if now is not None and row.due_at is not None:
        item["overdue_minutes"] = int((now - row.due_at).total_seconds() // 60)
    return item


def _open_query(actor: Actor):
    c = t.cases.c
    query = select(c.id, c.description, c.grid_code, c.unit_id, c.grade, c.status, c.due_at, c.reported_at).where(
        c.status.not_in(sorted(kpis.CLOSED | kpis.VOID))
    )
    scope = scope_clause(actor)
    return query.where(scope) if scope is not None else query


def overdue_list(conn: Connection, actor: Actor, now: datetime, limit: int = 12) -> list[dict[str, Any]]:
    c = t.cases.c
    units = dict(conn.execute(select(t.units.c.id, t.units.c.name)).all())
    rows = conn.execute(_open_query(actor).where(c.due_at < now).order_by(c.due_at).limit(limit))
    return [_brief(r, units, now) for r in rows]


def sensitive_list(conn: Connection, actor: Actor, limit: int = 6) -> list[dict[str, Any]]:
    c = t.cases.c
    units = dict(conn.execute(select(t.units.c.id, t.units.c.name)).all())
    rows = conn.execute(_open_query(actor).where(c.sensitive.is_(True)).order_by(c.reported_at.desc()).limit(limit))
    return [_brief(r, units) for r in rows]
