"""Read side of the register: search residents in the caller's area, one resident with their history.

A search by ID number or phone finds the person through the keyed hash (the numbers are stored sealed);
other text searches names (contains) and household numbers (exact). Personal numbers come back masked
unless the caller's role reads them in clear (domain/registry.clear_fields); the caller audits every clear
read (the second value returned names the fields revealed per resident).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Any

from sqlalchemy import Connection, or_, select

from gridgov.adapters import tables as t
from gridgov.domain.errors import InvalidInput
from gridgov.domain.identifiers import InvalidIdentifier, parse_phone, parse_resident_id
from gridgov.domain.registry import clear_fields, in_scope, scope_root
from gridgov.domain.roles import Actor

MAX_PAGE = 200
_r, _h, _b = t.register_residents.c, t.register_houses.c, t.register_buildings.c
_SELECT = (
    select(t.register_residents, _h.room, _b.name.label("building"))
    .outerjoin(t.register_houses, _h.id == _r.house_id)
    .outerjoin(t.register_buildings, _b.id == _h.building_id)
)


def _number_clause(q: str, vault):
    """A clause finding q as an ID number or a phone through its hash, or None if q is neither."""
    try:  # a search is no place to refuse a birth date: any date that parses will do
        return _r.id_hash.in_(vault.digests(parse_resident_id(q, today=date.max).number))
    except InvalidIdentifier:
        pass
    if sum(ch.isdigit() for ch in q) >= 7:
        try:
            return _r.phone_hash.in_(vault.digests(parse_phone(q).number))
        except InvalidIdentifier:
            return None
    return None


def _item(row, clear: frozenset[str], vault) -> tuple[dict[str, Any], list[str]]:
    shown = []
    id_number = row.id_masked
    if "id_number" in clear:
        id_number = vault.open(row.id_sealed)
        shown.append("id_number")
    phone = row.phone_masked
    if "phone" in clear and row.phone_sealed:
        phone = vault.open(row.phone_sealed)
        shown.append("phone")
    body = {
        "id": row.id, "name": row.name, "id_number": id_number, "phone": phone, "sex": row.sex,
        "birth_year": row.birth_year, "grid_code": row.grid_code, "house_id": row.house_id,
        "building": row.building, "room": row.room, "residence": row.residence, "separated": row.separated,
        "household_no": row.household_no, "relation": row.relation, "version": row.version,
        "registered_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
    }  # fmt: skip
    return body, shown


def search_residents(
    conn: Connection, actor: Actor, *, q: str | None, vault, limit: int = 50, cursor: str | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A page of residents in the caller's area matching q, ordered by registration; `next_cursor`
    continues it."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    sees, root = scope_root(actor)
    if not sees:
        return {"items": [], "next_cursor": None}, {}
    query = _SELECT
    if root is not None:
        query = query.where(_r.grid_code.startswith(root, autoescape=True))
    text = (q or "").strip()
    if text:
        by_number = _number_clause(text, vault)
        if by_number is not None:
            query = query.where(by_number)
        else:
            query = query.where(or_(_r.name.contains(text, autoescape=True), _r.household_no == text))
    if cursor:
        query = query.where(_r.id > cursor)
    rows = conn.execute(query.order_by(_r.id).limit(limit + 1)).fetchall()
    clear = clear_fields(actor)
    items, revealed = [], {}
    for row in rows[:limit]:
        body, shown = _item(row, clear, vault)
        items.append(body)
        if shown:
            revealed[row.id] = shown
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}, revealed


def resident_detail(conn: Connection, actor: Actor, resident_id: str, *, vault) -> tuple[dict[str, Any], list[str]] | None:
    """One resident in the caller's area with the history of their record (oldest first), or None."""
    row = conn.execute(_SELECT.where(_r.id == resident_id)).first()
    if row is None or not in_scope(actor, row.grid_code):
        return None
    body, shown = _item(row, clear_fields(actor), vault)
    hist = t.register_history.c
    body["history"] = [
        {"at": h.at.isoformat(), "actor_id": h.actor_id, "action": h.action, "details": h.details}
        for h in conn.execute(
            select(t.register_history).where(hist.subject_type == "resident", hist.subject_id == resident_id).order_by(hist.id)
        )
    ]
    return body, shown


def search_organisations(
    conn: Connection, actor: Actor, *, q: str | None, vault, limit: int = 50, cursor: str | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Organisations of the caller's area: by credit code (exact), contact phone (hash) or part of the
    name; the contact phone masked by role like a resident's."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    sees, root = scope_root(actor)
    if not sees:
        return {"items": [], "next_cursor": None}, {}
    o = t.register_organisations.c
    query = select(t.register_organisations, _b.name.label("building")).outerjoin(t.register_buildings, _b.id == o.building_id)
    if root is not None:
        query = query.where(o.grid_code.startswith(root, autoescape=True))
    text = (q or "").strip()
    if text:
        clauses = [o.name.contains(text, autoescape=True), o.credit_code == text.upper()]
        if sum(ch.isdigit() for ch in text) >= 7:
            with suppress(InvalidIdentifier):  # not a phone: name and code only
                clauses.append(o.phone_hash.in_(vault.digests(parse_phone(text).number)))
        query = query.where(or_(*clauses))
    if cursor:
        query = query.where(o.id > cursor)
    rows = conn.execute(query.order_by(o.id).limit(limit + 1)).fetchall()
    clear = "phone" in clear_fields(actor)
    items, revealed = [], {}
    for row in rows[:limit]:
        phone = vault.open(row.phone_sealed) if clear and row.phone_sealed else row.phone_masked
        if clear and row.phone_sealed:
            revealed[row.id] = ["phone"]
        items.append({"id": row.id, "credit_code": row.credit_code, "name": row.name, "kind": row.kind,
                      "grid_code": row.grid_code, "building": row.building, "address": row.address,
                      "contact": row.contact, "phone": phone, "version": row.version})  # fmt: skip
    return {"items": items, "next_cursor": rows[limit - 1].id if len(rows) > limit else None}, revealed
