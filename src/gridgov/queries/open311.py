"""Read side of Open311 GeoReport v2: the public service requests (no sensitive case, no machine or
care channel), filtered the way the spec's GET Service Requests asks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from gridgov.adapters import tables as t
from gridgov.adapters.repositories import case_from_row
from gridgov.domain.workflow import OPEN_STATUSES


def _public(hidden_channels):
    c = t.cases.c
    return select(t.cases).where(c.sensitive.is_(False), c.channel.not_in(sorted(hidden_channels)))


def public_cases(
    conn: Connection,
    hidden_channels,
    *,
    ids: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    service_codes: list[str] | None = None,
    open_only: bool | None = None,
    limit: int = 1000,
) -> list:
    """Public cases, newest first: by id when `ids` is given, otherwise within [start, end]."""
    c = t.cases.c
    query = _public(hidden_channels)
    if ids is not None:
        query = query.where(c.id.in_(ids))
    else:
        query = query.where(c.reported_at >= start, c.reported_at <= end)
        if service_codes:
            query = query.where(c.category.in_(service_codes))
        open_values = [s.value for s in OPEN_STATUSES]
        if open_only is True:
            query = query.where(c.status.in_(open_values))
        elif open_only is False:
            query = query.where(c.status.not_in(open_values))
    return [case_from_row(r) for r in conn.execute(query.order_by(c.reported_at.desc()).limit(limit))]


def names(uow) -> tuple[dict[str, str], Any]:
    """Unit names by id and the category table, to name a request's agency and service."""
    return {u.id: u.name for u in uow.units.list()}, uow.categories.table()
