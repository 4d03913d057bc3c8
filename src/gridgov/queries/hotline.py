"""Read side of the 12345 channel: has an order been imported already, and the status of every order
in the caller's scope for the export back to the hotline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from gridgov.adapters import tables as t
from gridgov.domain.roles import Actor
from gridgov.queries.cases import scope_clause


def case_of_order(conn: Connection, order_no: str) -> str | None:
    """The case an order number was imported as (by anyone, any time), if any."""
    return conn.execute(select(t.cases.c.id).where(t.cases.c.source_ref == f"12345:{order_no}")).scalar()


def exported_orders(conn: Connection, actor: Actor, since: datetime | None) -> list:
    """Hotline orders in the actor's scope (a dispatcher of one street exports that street's), oldest first,
    with the name of the unit that has each."""
    c = t.cases.c
    query = (
        select(t.cases, t.units.c.name.label("unit_name"))
        .outerjoin(t.units, t.units.c.id == c.unit_id)
        .where(c.source_ref.like("12345:%"))
    )
    scope = scope_clause(actor)
    if scope is not None:
        query = query.where(scope)
    if since is not None:
        query = query.where(c.updated_at >= since)
    return list(conn.execute(query.order_by(c.reported_at)).fetchall())
