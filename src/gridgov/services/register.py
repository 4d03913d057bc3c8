"""Use cases on the register (人房企): import residents from a spreadsheet, move a resident to another
grid, re-encrypt the personal numbers after a key rotation.

Every write checks the permission (domain/policy.py) and the caller's grid (domain/registry.py) here, so
the API, the CLI and the demo seed obey the same rules; every change leaves a history row naming who
changed what, never the personal values themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from gridgov.domain import policy
from gridgov.domain.documents import bad_character
from gridgov.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from gridgov.domain.grids import GridLevel
from gridgov.domain.identifiers import parse_phone
from gridgov.domain.imports import ImportReport
from gridgov.domain.privacy import mask_id_number, mask_phone
from gridgov.domain.registry import (
    ORGANISATION_COLUMNS,
    REQUIRED_ORGANISATION_COLUMNS,
    REQUIRED_RESIDENT_COLUMNS,
    RESIDENT_COLUMNS,
    Residence,
    ResidentEntry,
    column_map,
    in_scope,
    parse_organisation,
    parse_resident,
)
from gridgov.domain.roles import Actor

# Residents live in a grid or a micro-grid (落格): a community or a street is too coarse to visit by.
_PLACEABLE = frozenset({GridLevel.GRID, GridLevel.MICRO_GRID})


def _grid_for(actor: Actor, given: str, grids) -> str:
    """The grid code a row names (by code, or by a name unique in the tree), in the caller's area."""
    node = grids.get(given)
    if node is None and grids.tree is not None:
        named = [n for n in grids.tree if n.name == given]
        node = named[0] if len(named) == 1 else None
    if node is None:
        raise InvalidInput(f"grid {given!r} matches no grid of the district")
    if node.level not in _PLACEABLE:
        raise InvalidInput(f"grid {given!r} is a {node.level}, not a grid: place residents in a grid or micro-grid")
    if not in_scope(actor, node.code):
        raise InvalidInput(f"grid {given!r} is outside your area")
    return node.code


def import_residents(
    uow,
    rows: list[dict[str, Any]],
    *,
    actor: Actor,
    grids,
    vault,
    today: date,
    now: datetime,
    new_id: Callable[[datetime], str],
) -> ImportReport:
    """Register each good row of a resident file, and report every other row with its line and reason.

    Refused rows: a field that is wrong (the identifier rules name theirs), a grid that matches none or
    lies outside the caller's area, an ID number given twice in the file. A person already registered
    (by ID number, under any key in use) is reported as imported before and left as they are."""
    policy.require(actor, policy.Permission.EDIT_REGISTER)
    if not rows:
        raise InvalidInput("the file has no rows")
    headers = list(rows[0])
    columns = column_map(headers, RESIDENT_COLUMNS, REQUIRED_RESIDENT_COLUMNS)
    report = ImportReport(ignored_columns=sorted(set(headers) - set(columns.values())))
    good: list[tuple[int, ResidentEntry, str]] = []
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        try:
            entry = parse_resident(row, columns, today=today)
            grid_code = _grid_for(actor, entry.grid, grids)
        except DomainError as exc:
            report.reject(line, exc.detail)
            continue
        if entry.id.number in first_line:
            report.reject(line, f"the same ID number as line {first_line[entry.id.number]}")
            continue
        first_line[entry.id.number] = line
        good.append((line, entry, grid_code))
    digests = {entry.id.number: vault.digests(entry.id.number) for _, entry, _ in good}
    known = uow.register.residents_with_id_hashes(h for hs in digests.values() for h in hs)
    residents, history = [], []
    fresh = [(line, entry, grid_code) for line, entry, grid_code in good
             if not any(h in known for h in digests[entry.id.number])]  # fmt: skip
    places = _place_all(uow, [(grid_code, entry.building, entry.room) for _, entry, grid_code in fresh], now, new_id)
    for line, entry, grid_code in good:
        existing = next((known[h] for h in digests[entry.id.number] if h in known), None)
        if existing is not None:
            report.again(line, resident_id=existing)
            continue
        house_id = places.get((grid_code, entry.building, entry.room)) if entry.building and entry.room else None
        resident_id = new_id(now)
        residents.append(_resident_row(resident_id, entry, grid_code, house_id, vault, now))
        history.append(
            {"subject_type": "resident", "subject_id": resident_id, "at": now, "actor_id": actor.user_id,
             "action": "registered", "details": {"grid_code": grid_code, "house_id": house_id, "source": "import"}}
        )  # fmt: skip
        report.add(line, resident_id=resident_id)
    uow.register.add_residents(residents)
    uow.register.add_history(history)
    uow.commit()
    return report


def _place_all(uow, wanted: list[tuple[str, str | None, str | None]], now, new_id) -> dict[tuple[str, str, str], str]:
    """(grid, building, room) -> house id for every place a file names, creating the buildings and houses
    not registered yet: a few statements for the whole file, not several per row (落格入楼)."""
    need_buildings = {(g, b) for g, b, _ in wanted if b}
    buildings = uow.register.buildings_in({g for g, _ in need_buildings})
    new_buildings = [{"id": new_id(now), "grid_code": g, "name": b, "created_at": now}
                     for g, b in sorted(need_buildings - set(buildings))]  # fmt: skip
    uow.register.add_buildings(new_buildings)
    buildings.update({(r["grid_code"], r["name"]): r["id"] for r in new_buildings})
    need_houses = {(buildings[(g, b)], g, r) for g, b, r in wanted if b and r}
    houses = uow.register.houses_in({b for b, _, _ in need_houses})
    new_houses = [{"id": new_id(now), "building_id": b, "grid_code": g, "room": r, "created_at": now}
                  for b, g, r in sorted(need_houses) if (b, r) not in houses]  # fmt: skip
    uow.register.add_houses(new_houses)
    houses.update({(h["building_id"], h["room"]): h["id"] for h in new_houses})
    return {(g, b, r): houses[(buildings[(g, b)], r)] for g, b, r in wanted if b and r}


def _resident_row(resident_id, entry: ResidentEntry, grid_code, house_id, vault, now) -> dict[str, Any]:
    phone = entry.phone.number if entry.phone else None
    return {
        "id": resident_id,
        "name": entry.name,
        "id_hash": vault.digest(entry.id.number),
        "id_sealed": vault.seal(entry.id.number),
        "id_masked": mask_id_number(entry.id.number),
        "phone_hash": vault.digest(phone) if phone else None,
        "phone_sealed": vault.seal(phone) if phone else None,
        "phone_masked": mask_phone(phone) if phone else None,
        "sex": str(entry.id.sex),
        "birth_year": entry.id.birth_date.year,
        "grid_code": grid_code,
        "house_id": house_id,
        "residence": str(entry.residence),
        "separated": entry.separated,
        "household_no": entry.household_no,
        "relation": entry.relation,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def move_resident(
    uow,
    resident_id: str,
    *,
    actor: Actor,
    grid: str,
    building: str | None,
    room: str | None,
    version: int,
    grids,
    now: datetime,
    new_id: Callable[[datetime], str],
) -> dict[str, Any]:
    """Move a resident to another grid (and house): the caller must see where they live now; the new
    grid must exist (it may lie outside the caller's area: people move away). History keeps both grids."""
    policy.require(actor, policy.Permission.EDIT_REGISTER)
    current = uow.register.resident(resident_id)
    if current is None or not in_scope(actor, current["grid_code"]):
        raise NotFound(f"no resident {resident_id} in your area")
    node = grids.get(grid)
    if node is None:
        raise InvalidInput(f"grid {grid!r} matches no grid of the district")
    if node.level not in _PLACEABLE:
        raise InvalidInput(f"grid {grid!r} is a {node.level}, not a grid: place residents in a grid or micro-grid")
    if room and not building:
        raise InvalidInput("a room needs its building")
    house_id = None
    if building:
        building_id = uow.register.building(node.code, building, now=now, new_id=new_id)
        if room:
            house_id = uow.register.house(building_id, node.code, room, now=now, new_id=new_id)
    if not uow.register.move(resident_id, version=version, grid_code=node.code, house_id=house_id, now=now):
        raise Conflict(f"resident {resident_id} changed meanwhile (version {current['version']}); reload and retry")
    uow.register.add_history(
        [{"subject_type": "resident", "subject_id": resident_id, "at": now, "actor_id": actor.user_id, "action": "moved",
          "details": {"from_grid": current["grid_code"], "to_grid": node.code, "from_house": current["house_id"],
                      "to_house": house_id}}]
    )  # fmt: skip
    uow.commit()
    return {"id": resident_id, "grid_code": node.code, "house_id": house_id, "version": version + 1}


def rotate_keys(uow, vault) -> int:
    """Re-encrypt and re-hash every personal number under the current key (after `pii_key` changed and
    the old key went into `pii_old_keys`), care files' family phones included; returns the number of
    residents rewritten. `gridgov register rotate-keys` runs it."""
    count = 0
    for resident_id, id_sealed, phone_sealed in uow.register.sealed_numbers():
        values = dict(zip(("id_sealed", "id_hash"), vault.reseal(id_sealed), strict=True))
        if phone_sealed:
            values.update(zip(("phone_sealed", "phone_hash"), vault.reseal(phone_sealed), strict=True))
        uow.register.reseal(resident_id, values)
        count += 1
    for care_id, sealed in uow.register.sealed_contacts():  # care files' family phones (no search hash)
        uow.register.update_care_file(care_id, {"contacts_sealed": vault.reseal(sealed)[0]})
    uow.commit()
    return count


def import_organisations(
    uow, rows: list[dict[str, Any]], *, actor: Actor, grids, vault, now: datetime, new_id: Callable[[datetime], str]
) -> ImportReport:
    """Register each good row of an organisation file (实有单位); refused rows: a field that is wrong (a
    credit code names the GB 32100 / GB 11714 rule it breaks), a grid that matches none or lies outside the
    caller's area, a credit code given twice. One registered before is listed as imported before."""
    policy.require(actor, policy.Permission.EDIT_REGISTER)
    if not rows:
        raise InvalidInput("the file has no rows")
    headers = list(rows[0])
    columns = column_map(headers, ORGANISATION_COLUMNS, REQUIRED_ORGANISATION_COLUMNS)
    report = ImportReport(ignored_columns=sorted(set(headers) - set(columns.values())))
    good: list[Any] = []
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        try:
            entry = parse_organisation(row, columns)
            grid_code = _grid_for(actor, entry.grid, grids)
        except DomainError as exc:
            report.reject(line, exc.detail)
            continue
        if entry.credit_code in first_line:
            report.reject(line, f"the same credit code as line {first_line[entry.credit_code]}")
            continue
        first_line[entry.credit_code] = line
        good.append((line, entry, grid_code))
    known = uow.register.organisations_with_codes(code for code in first_line)
    added, history = [], []
    for line, entry, grid_code in good:
        if entry.credit_code in known:
            report.again(line, organisation_id=known[entry.credit_code])
            continue
        building_id = uow.register.building(grid_code, entry.building, now=now, new_id=new_id) if entry.building else None
        phone = entry.phone.number if entry.phone else None
        organisation_id = new_id(now)
        added.append(
            {"id": organisation_id, "credit_code": entry.credit_code, "name": entry.name, "kind": entry.kind,
             "grid_code": grid_code, "building_id": building_id, "address": entry.address, "contact": entry.contact,
             "phone_hash": vault.digest(phone) if phone else None, "phone_sealed": vault.seal(phone) if phone else None,
             "phone_masked": mask_phone(phone) if phone else None, "version": 1, "created_at": now, "updated_at": now}
        )  # fmt: skip
        history.append(
            {"subject_type": "organisation", "subject_id": organisation_id, "at": now, "actor_id": actor.user_id,
             "action": "registered", "details": {"grid_code": grid_code, "building_id": building_id, "source": "import"}}
        )  # fmt: skip
        report.add(line, organisation_id=organisation_id)
    uow.register.add_organisations(added)
    uow.register.add_history(history)
    uow.commit()
    return report


# Fields of a resident record a correction may change; the ID number is the person and never changes
# (a mistyped one is a different person: register them anew and the record is left for correction).
CHANGEABLE = ("name", "phone", "residence", "separated", "household_no", "relation")


def change_resident(
    uow, resident_id: str, changes: dict[str, Any], *, actor: Actor, version: int, vault, now: datetime
) -> dict[str, Any]:
    """Correct a resident's record. History names the fields changed, never their values (a phone is
    personal data; the record itself keeps the new value sealed)."""
    policy.require(actor, policy.Permission.EDIT_REGISTER)
    current = uow.register.resident(resident_id)
    if current is None or not in_scope(actor, current["grid_code"]):
        raise NotFound(f"no resident {resident_id} in your area")
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise InvalidInput(f"these fields cannot be changed here: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = _checked_text(changes["name"], "name", 64, required=True)
    if "phone" in changes:
        phone = parse_phone(changes["phone"]).number if changes["phone"] else None
        values.update(phone_hash=vault.digest(phone) if phone else None, phone_sealed=vault.seal(phone) if phone else None,
                      phone_masked=mask_phone(phone) if phone else None)  # fmt: skip
    if "residence" in changes:
        try:
            values["residence"] = str(Residence(changes["residence"]))
        except ValueError:
            raise InvalidInput("residence is permanent or floating") from None
    if "separated" in changes:
        if not isinstance(changes["separated"], bool):
            raise InvalidInput("separated is true or false")
        values["separated"] = changes["separated"]
    for name, limit in (("household_no", 32), ("relation", 16)):
        if name in changes:
            values[name] = _checked_text(changes[name], name, limit, required=False)
    if not values:
        raise InvalidInput(f"nothing to change; fields: {', '.join(CHANGEABLE)}")
    if not uow.register.change(resident_id, version=version, values={**values, "updated_at": now}):
        raise Conflict(f"resident {resident_id} changed meanwhile (version {current['version']}); reload and retry")
    uow.register.add_history(
        [{"subject_type": "resident", "subject_id": resident_id, "at": now, "actor_id": actor.user_id,
          "action": "changed", "details": {"fields": sorted(changes)}}]
    )  # fmt: skip
    uow.commit()
    return {"id": resident_id, "version": version + 1, "changed": sorted(changes)}


def _checked_text(value: Any, name: str, limit: int, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{name} is empty")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} is text")
    problem = bad_character(value)
    if problem:
        raise InvalidInput(f"{name} {problem}")
    text = value.strip()
    if len(text) > limit:
        raise InvalidInput(f"{name} is longer than {limit} characters")
    return text
