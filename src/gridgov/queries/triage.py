"""Read side of the triage queue: reported cases waiting for a person (low confidence, unplaced,
unrouted, or not triaged yet), sensitive and urgent ones first, in the caller's scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from gridgov.adapters import tables as t
from gridgov.adapters.repositories import case_from_row
from gridgov.domain.roles import Actor
from gridgov.queries.cases import case_summary, scope_clause


def waiting_cases(conn: Connection, actor: Actor, now: datetime, limit: int) -> list[dict[str, Any]]:
    c = t.cases.c
    query = select(t.cases).where(c.status == "reported", or_(c.triage_reason.is_not(None), c.triaged_at.is_(None)))
    scope = scope_clause(actor)
    if scope is not None:
        query = query.where(scope)
    query = query.order_by(c.sensitive.desc(), c.grade, c.reported_at).limit(limit)
    out = []
    for row in conn.execute(query):
        case = case_from_row(row)
        out.append(
            {
                **case_summary(case, actor, now),
                "triage_reason": case.triage_reason or "not triaged yet",
                "sensitive": case.sensitive,
                "triage": case.triage,
            }
        )
    return out
