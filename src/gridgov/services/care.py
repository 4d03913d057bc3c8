"""Use cases on care files (一人一档): open a file for a resident of the register, record a visit.

A visit is recorded once however often a phone on a bad network retries it: the phone names the visit
(`client_ref`, or its Idempotency-Key), and the same name from the same visitor returns the visit already
kept. Every change recomputes the next due date on the working calendar (domain/care.py), so "overdue" is
one indexed comparison for the desk and the wall.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from gridgov.domain import policy
from gridgov.domain.care import check_tier, next_visit_due, parse_category, parse_contacts, parse_tier
from gridgov.domain.errors import Conflict, InvalidInput, NotFound
from gridgov.domain.privacy import mask_name, mask_phone
from gridgov.domain.registry import in_scope
from gridgov.domain.roles import Actor

MAX_NOTE = 2000
MAX_PHOTOS = 9


def open_care_file(
    uow, *, actor: Actor, resident_id: str, category: str, tier: str, contacts: list[dict[str, Any]],
    notes: str | None, vault, calendar, today: date, now: datetime, new_id: Callable[[datetime], str],
) -> dict[str, Any]:  # fmt: skip
    """One file per resident of the caller's area; a category that needs visits at least monthly refuses
    a quarterly tier."""
    policy.require(actor, policy.Permission.EDIT_REGISTER)
    resident = uow.register.resident(resident_id)
    if resident is None or not in_scope(actor, resident["grid_code"]):
        raise NotFound(f"no resident {resident_id} in your area")
    chosen_category, chosen_tier = parse_category(category), parse_tier(tier)
    check_tier(chosen_category, chosen_tier)
    people = parse_contacts(contacts)
    if notes is not None and len(notes) > MAX_NOTE:
        raise InvalidInput(f"notes are at most {MAX_NOTE} characters")
    existing = uow.register.care_for_resident(resident_id)
    if existing is not None:
        raise Conflict(f"resident {resident_id} has a care file already: {existing}", care_id=existing)
    care_id = new_id(now)
    due = next_visit_due(chosen_tier, last_visit=None, opened=today, calendar=calendar)
    clear = [{"name": c.name, "relation": c.relation, "phone": c.phone} for c in people]
    uow.register.add_care_file(
        {"id": care_id, "resident_id": resident_id, "grid_code": resident["grid_code"], "category": str(chosen_category),
         "tier": str(chosen_tier), "contacts_sealed": vault.seal(json.dumps(clear, ensure_ascii=False)) if clear else None,
         "contacts_masked": [{"name": mask_name(c.name), "relation": c.relation, "phone": mask_phone(c.phone)} for c in people],
         "notes": notes or None, "opened_on": today.isoformat(), "last_visit_on": None, "next_due_on": due.isoformat(),
         "created_by": actor.user_id, "created_at": now, "updated_at": now}
    )  # fmt: skip
    uow.register.add_history(
        [{"subject_type": "care", "subject_id": care_id, "at": now, "actor_id": actor.user_id, "action": "opened",
          "details": {"resident_id": resident_id, "category": str(chosen_category), "tier": str(chosen_tier)}}]
    )  # fmt: skip
    uow.commit()
    return {"id": care_id, "resident_id": resident_id, "category": str(chosen_category), "tier": str(chosen_tier),
            "next_due_on": due.isoformat()}  # fmt: skip


def record_visit(
    uow, *, actor: Actor, care_id: str, client_ref: str, note: str, photos: list[str], lon: float | None,
    lat: float | None, visited_at: datetime | None, calendar, local_date: Callable[[datetime], date], now: datetime,
    new_id: Callable[[datetime], str],
) -> tuple[dict[str, Any], bool]:  # fmt: skip
    """(the visit, True if recorded now / False if this visitor had recorded it under that client_ref)."""
    policy.require(actor, policy.Permission.EDIT_REGISTER)
    earlier = uow.register.visit_by_ref(actor.user_id, client_ref)
    if earlier is not None:
        if earlier["care_person_id"] != care_id:
            raise Conflict(f"client_ref {client_ref!r} names your visit to another care person")
        return _visit_out(earlier), False
    care = uow.register.care_file(care_id, for_update=True)
    if care is None or not in_scope(actor, care["grid_code"]):
        raise NotFound(f"no care file {care_id} in your area")
    text = (note or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput(f"a visit needs a note of 1-{MAX_NOTE} characters")
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"at most {MAX_PHOTOS} photos per visit")
    missing = uow.photos.not_uploaded_by(list(photos), actor.user_id)
    if missing:
        raise InvalidInput(f"unknown photo ids: {', '.join(missing)}; upload them to /api/v1/photos first")
    if (lon is None) != (lat is None):
        raise InvalidInput("give both lon and lat, or neither")
    at = visited_at or now
    if at > now:
        raise InvalidInput("visited_at lies in the future")
    day = local_date(at)
    if day.isoformat() < care["opened_on"]:
        raise InvalidInput(f"visited_at is before the care file was opened ({care['opened_on']})")
    row = {"id": new_id(now), "care_person_id": care_id, "visitor_id": actor.user_id, "client_ref": client_ref,
           "visited_at": at, "note": text, "photos": list(photos), "lon": lon, "lat": lat, "created_at": now}  # fmt: skip
    uow.register.add_visit(row)
    last = max(filter(None, (care["last_visit_on"], day.isoformat())))
    due = next_visit_due(parse_tier(care["tier"]), last_visit=date.fromisoformat(last),
                         opened=date.fromisoformat(care["opened_on"]), calendar=calendar)  # fmt: skip
    uow.register.update_care_file(care_id, {"last_visit_on": last, "next_due_on": due.isoformat(), "updated_at": now})
    uow.commit()
    return _visit_out(row), True


def _visit_out(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "care_id": row["care_person_id"], "visitor_id": row["visitor_id"],
            "client_ref": row["client_ref"], "visited_at": row["visited_at"].isoformat(), "note": row["note"],
            "photos": list(row["photos"] or []), "lon": row["lon"], "lat": row["lat"]}  # fmt: skip
