"""Read side of care files: the care persons of the caller's area with their next visit and how late it
is, overdue first; one file with its visits. Family phones are masked unless the role reads phones in
clear (domain/privacy.py); the caller audits each clear read (the second value names the files revealed)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from gridgov.adapters import tables as t
from gridgov.domain.care import CATEGORY_LABELS, CareCategory, days_overdue
from gridgov.domain.registry import clear_fields, in_scope, scope_root
from gridgov.domain.roles import Actor

_c, _r = t.care_persons.c, t.register_residents.c
_SELECT = select(t.care_persons, _r.name, _r.birth_year).join(t.register_residents, _r.id == _c.resident_id)


def _item(row, *, today: date, clear: bool, vault) -> dict[str, Any]:
    due = date.fromisoformat(row.next_due_on)
    contacts = json.loads(vault.open(row.contacts_sealed)) if clear and row.contacts_sealed else list(row.contacts_masked)
    return {
        "id": row.id, "resident_id": row.resident_id, "name": row.name, "birth_year": row.birth_year,
        "grid_code": row.grid_code, "category": row.category, "category_label": CATEGORY_LABELS[CareCategory(row.category)],
        "tier": row.tier, "contacts": contacts, "notes": row.notes, "opened_on": row.opened_on,
        "last_visit_on": row.last_visit_on, "next_due_on": row.next_due_on, "days_overdue": days_overdue(due, today),
    }  # fmt: skip


def list_care(conn: Connection, actor: Actor, *, today: date, vault, overdue_only: bool = False,
              limit: int = 200) -> tuple[list[dict[str, Any]], list[str]]:  # fmt: skip
    sees, root = scope_root(actor)
    if not sees:
        return [], []
    query = _SELECT
    if root is not None:
        query = query.where(_c.grid_code.startswith(root, autoescape=True))
    if overdue_only:
        query = query.where(_c.next_due_on < today.isoformat())  # ISO dates order as text
    rows = conn.execute(query.order_by(_c.next_due_on, _c.id).limit(limit)).fetchall()
    clear = "phone" in clear_fields(actor)
    items = [_item(r, today=today, clear=clear, vault=vault) for r in rows]
    return items, [r.id for r in rows if clear and r.contacts_sealed]


def care_detail(conn: Connection, actor: Actor, care_id: str, *, today: date, vault) -> tuple[dict[str, Any], bool] | None:
    row = conn.execute(_SELECT.where(_c.id == care_id)).first()
    if row is None or not in_scope(actor, row.grid_code):
        return None
    clear = "phone" in clear_fields(actor)
    body = _item(row, today=today, clear=clear, vault=vault)
    v = t.care_visits.c
    body["visits"] = [
        {"id": x.id, "visitor_id": x.visitor_id, "visited_at": x.visited_at.isoformat(), "note": x.note,
         "photos": list(x.photos or []), "lon": x.lon, "lat": x.lat}
        for x in conn.execute(select(t.care_visits).where(v.care_person_id == care_id).order_by(v.visited_at, v.id))
    ]  # fmt: skip
    return body, clear and bool(row.contacts_sealed)
