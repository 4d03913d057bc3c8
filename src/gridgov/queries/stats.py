"""Read side of the command-center wall: the KPI overview and the overdue list, within the actor's scope.

Every number is a SQL aggregate over indexed columns (migration 0012); nothing reads the window's cases
into Python, so the cost follows the window, not the table. The rates are the registry's
(domain/kpis.py, docs/kpis.md) over the last `window_days` days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, func, select

from gridgov.adapters import tables as t
from gridgov.domain.privacy import redact_text
from gridgov.domain.roles import Actor
from gridgov.domain.workflow import OPEN_STATUSES
from gridgov.queries import kpis as kpi_queries
from gridgov.queries.cases import scope_clause

# kept for bench/wall.py's baseline (the columns the wall used to fetch case by case)
FACT_COLUMNS = ("id", "status", "category", "grid_code", "reported_at", "due_at", "handled_at", "closed_at", "rating", "sensitive")
WALL_RATES = ("closure_rate", "on_time_rate", "satisfaction_rate", "avg_handling_hours")
TREND_DAYS = 14
OPEN = sorted(str(s) for s in OPEN_STATUSES)  # IN, not NOT IN: an index range per open status


def _scoped(query, actor: Actor):
    scope = scope_clause(actor)
    return query.where(scope) if scope is not None else query


def overview(conn: Connection, actor: Actor, now: datetime, *, window_days: int = 30, tz: ZoneInfo | str = "Asia/Shanghai") -> dict[str, Any]:
    """Today's received and closed (local day), open/overdue/sensitive and per grid (every open case,
    however old), the registry's rates over the last `window_days` days, the top categories of the
    cases received in the window and a 14-day trend."""
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    c = t.cases.c
    end = now + timedelta(microseconds=1)  # a case reported at this very instant counts
    today = now.astimezone(tz).date()
    day0 = kpi_queries.local_start(today, tz)
    since = now - timedelta(days=window_days)
    rates = kpi_queries.totals(conn, actor, since, end, WALL_RATES)
    today_counts = kpi_queries.totals(conn, actor, day0, end, ("received", "closed"))

    open_cases = _scoped(
        select(c.grid_code, func.count(), func.sum(case((c.due_at < now, 1), else_=0)), func.sum(case((c.sensitive, 1), else_=0)))
        .where(c.status.in_(OPEN))
        .group_by(c.grid_code),
        actor,
    )
    per_grid: dict[str, dict[str, int]] = {}
    opened = overdue = sensitive = 0
    for grid, n, late, sens in conn.execute(open_cases):
        opened, overdue, sensitive = opened + n, overdue + int(late or 0), sensitive + int(sens or 0)
        if grid:
            per_grid[grid] = {"open": n, "overdue": int(late or 0)}

    top = conn.execute(
        _scoped(select(c.category, func.count().label("n")).where(c.reported_at >= since), actor)
        .group_by(c.category).order_by(func.count().desc(), c.category).limit(10)
    ).all()  # fmt: skip
    names = {r.code: (r.name, r.name_en) for r in conn.execute(select(t.categories.c.code, t.categories.c.name, t.categories.c.name_en))}
    by_category = [
        {"code": code or "未分类", "name": names.get(code, (code or "未分类",))[0],
         "name_en": names.get(code, (code, code or "uncategorised"))[1], "count": n}
        for code, n in top
    ]  # fmt: skip
    return {
        "today": today_counts,
        "open": opened,
        "overdue": overdue,
        "sensitive_open": sensitive,
        "window_days": window_days,
        "closure_rate": rates["closure_rate"],
        "on_time_rate": rates["on_time_rate"],
        "satisfaction_rate": rates["satisfaction_rate"],
        "average_handling_hours": None if rates["avg_handling_hours"] is None else round(rates["avg_handling_hours"], 1),
        "by_category": by_category,
        "trend": _trend(conn, actor, today, tz),
        "per_grid": per_grid,
        "overdue_list": overdue_list(conn, actor, now),
        "sensitive_list": sensitive_list(conn, actor),
        "at": now,
    }


def _trend(conn: Connection, actor: Actor, today: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Received and closed per local day over the last TREND_DAYS days, today included."""
    first = today - timedelta(days=TREND_DAYS - 1)
    lo = kpi_queries.local_start(first, tz)
    counts: dict[str, dict[str, int]] = {}
    for name in ("reported", "closed"):
        col = t.cases.c[name + "_at"]
        day = kpi_queries.period_code(conn, col, "day", tz, lo).label("d")
        query = _scoped(select(day, func.count()).where(col >= lo).group_by(day), actor)
        for d, n in conn.execute(query):
            counts.setdefault(d, {})[name] = n
    days = [(first + timedelta(days=i)).isoformat() for i in range(TREND_DAYS)]
    return [{"day": d, "received": counts.get(d, {}).get("reported", 0), "closed": counts.get(d, {}).get("closed", 0)} for d in days]


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
        c.status.in_(OPEN)
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
