"""Read side of the admin's operations views: undelivered outbox events, the audit log, webhooks and
their deliveries, deadline timers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from gridgov.adapters import tables as t


def outbox_events(conn: Connection, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Undelivered events: `failed` (at least one failed attempt), `parked`, `pending` (not parked), or all."""
    o = t.outbox.c
    query = select(t.outbox).where(o.published_at.is_(None))
    if status == "failed":
        query = query.where(o.attempts > 0)
    elif status == "parked":
        query = query.where(o.parked_at.is_not(None))
    elif status == "pending":
        query = query.where(o.parked_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(query.order_by(o.id).limit(limit))]


def audit_entries(conn: Connection, subject_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Who read which personal data, newest first."""
    query = select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
    if subject_id:
        query = query.where(t.audit_log.c.subject_id == subject_id)
    return [dict(r._mapping) for r in conn.execute(query)]


def webhooks(conn: Connection) -> list[dict[str, Any]]:
    """Every webhook with its secret hidden (it was shown once, at creation)."""
    return [{**dict(r._mapping), "secret": "********"} for r in conn.execute(select(t.webhooks))]


def webhook_deliveries(conn: Connection, status: str, limit: int) -> list[dict[str, Any]]:
    """Deliveries by status, newest first, without their payloads (they may hold case text)."""
    d = t.webhook_deliveries.c
    rows = conn.execute(select(t.webhook_deliveries).where(d.status == status).order_by(d.id.desc()).limit(limit))
    return [{k: v for k, v in r._mapping.items() if k != "payload"} | {"event_type": r.event_type} for r in rows]


def timers(conn: Connection, status: str, limit: int) -> list[dict[str, Any]]:
    """Unfired deadline timers: `parked` (the ticker gave up, with the reason), `failing`, or `pending`."""
    c = t.case_timers.c
    query = select(t.case_timers).where(c.fired_at.is_(None))
    if status == "parked":
        query = query.where(c.parked_at.is_not(None))
    elif status == "failing":
        query = query.where(c.parked_at.is_(None), c.attempts > 0)
    else:
        query = query.where(c.parked_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(query.order_by(c.due_at, c.id).limit(limit))]
