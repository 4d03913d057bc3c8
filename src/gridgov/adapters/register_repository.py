"""SQL of the register (人房企): buildings and houses found or created by name, residents, their history.

Rows are plain dicts in the columns of adapters/tables.py; personal numbers arrive already sealed and
hashed (adapters/pii_vault.py), so nothing here ever holds one in clear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gridgov.adapters import tables as t
from gridgov.adapters.repositories import link_photos


class RegisterRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def building(self, grid_code: str, name: str, *, now: datetime, new_id: Callable[[datetime], str]) -> str:
        """The id of the building of that name in the grid, created on first mention (落格入楼)."""
        b = t.register_buildings.c
        found = self.conn.execute(select(b.id).where(b.grid_code == grid_code, b.name == name)).scalar()
        if found:
            return found
        building_id = new_id(now)
        self.conn.execute(insert(t.register_buildings), [{"id": building_id, "grid_code": grid_code, "name": name, "created_at": now}])
        return building_id

    def house(self, building_id: str, grid_code: str, room: str, *, now: datetime, new_id: Callable[[datetime], str]) -> str:
        h = t.register_houses.c
        found = self.conn.execute(select(h.id).where(h.building_id == building_id, h.room == room)).scalar()
        if found:
            return found
        house_id = new_id(now)
        self.conn.execute(
            insert(t.register_houses),
            [{"id": house_id, "building_id": building_id, "grid_code": grid_code, "room": room, "created_at": now}],
        )
        return house_id

    def buildings_in(self, grid_codes: set[str]) -> dict[tuple[str, str], str]:
        """(grid, name) -> id of the buildings registered in these grids."""
        b = t.register_buildings.c
        found: dict[tuple[str, str], str] = {}
        codes = sorted(grid_codes)
        for start in range(0, len(codes), 500):
            rows = self.conn.execute(select(b.grid_code, b.name, b.id).where(b.grid_code.in_(codes[start : start + 500])))
            found.update({(g, n): i for g, n, i in rows})
        return found

    def houses_in(self, building_ids: set[str]) -> dict[tuple[str, str], str]:
        """(building id, room) -> id of the houses of these buildings."""
        h = t.register_houses.c
        found: dict[tuple[str, str], str] = {}
        ids = sorted(building_ids)
        for start in range(0, len(ids), 500):
            rows = self.conn.execute(select(h.building_id, h.room, h.id).where(h.building_id.in_(ids[start : start + 500])))
            found.update({(b, r): i for b, r, i in rows})
        return found

    def add_buildings(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(t.register_buildings), rows)

    def add_houses(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(t.register_houses), rows)

    def residents_with_id_hashes(self, hashes: Iterable[str]) -> dict[str, str]:
        """id hash -> resident id, for the hashes already registered."""
        r = t.register_residents.c
        wanted = list(hashes)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):  # bounded IN lists on every backend
            chunk = wanted[start : start + 500]
            found.update({h: i for h, i in self.conn.execute(select(r.id_hash, r.id).where(r.id_hash.in_(chunk)))})
        return found

    def organisations_with_codes(self, codes: Iterable[str]) -> dict[str, str]:
        o = t.register_organisations.c
        wanted = list(codes)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update({c: i for c, i in self.conn.execute(select(o.credit_code, o.id).where(o.credit_code.in_(chunk)))})
        return found

    def add_organisations(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(t.register_organisations), rows)

    def add_residents(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(t.register_residents), rows)

    def add_history(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(t.register_history), rows)

    def resident(self, resident_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.register_residents).where(t.register_residents.c.id == resident_id)).first()
        return dict(row._mapping) if row else None

    def move(self, resident_id: str, *, version: int, grid_code: str, house_id: str | None, now: datetime) -> bool:
        """Place the resident in another grid (and house); False if the record changed meanwhile."""
        r = t.register_residents.c
        done = self.conn.execute(
            update(t.register_residents)
            .where(r.id == resident_id, r.version == version)
            .values(grid_code=grid_code, house_id=house_id, version=version + 1, updated_at=now)
        )
        return done.rowcount == 1

    def change(self, resident_id: str, *, version: int, values: dict[str, Any]) -> bool:
        r = t.register_residents.c
        done = self.conn.execute(
            update(t.register_residents).where(r.id == resident_id, r.version == version).values(version=version + 1, **values)
        )
        return done.rowcount == 1

    def sealed_numbers(self) -> list[tuple[str, str, str | None]]:
        r = t.register_residents.c
        return [(i, s, p) for i, s, p in self.conn.execute(select(r.id, r.id_sealed, r.phone_sealed).order_by(r.id))]

    def reseal(self, resident_id: str, values: dict[str, Any]) -> None:
        self.conn.execute(update(t.register_residents).where(t.register_residents.c.id == resident_id).values(**values))

    # ------------------------------------------------------------------ care files (一人一档)
    def care_for_resident(self, resident_id: str) -> str | None:
        return self.conn.execute(select(t.care_persons.c.id).where(t.care_persons.c.resident_id == resident_id)).scalar()

    def care_file(self, care_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(t.care_persons).where(t.care_persons.c.id == care_id)
        if for_update and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return dict(row._mapping) if row else None

    def add_care_file(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.care_persons), [row])

    def update_care_file(self, care_id: str, values: dict[str, Any]) -> None:
        self.conn.execute(update(t.care_persons).where(t.care_persons.c.id == care_id).values(**values))

    def sealed_contacts(self) -> list[tuple[str, str]]:
        c = t.care_persons.c
        return [(i, s) for i, s in self.conn.execute(select(c.id, c.contacts_sealed).where(c.contacts_sealed.is_not(None)))]

    def visit_by_ref(self, visitor_id: str, client_ref: str) -> dict[str, Any] | None:
        v = t.care_visits.c
        row = self.conn.execute(select(t.care_visits).where(v.visitor_id == visitor_id, v.client_ref == client_ref)).first()
        return dict(row._mapping) if row else None

    def add_visit(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.care_visits), [row])
        if row["photos"]:  # whoever may read the care file sees its visits' photos (queries/photos.py)
            link_photos(self.conn, "care", row["care_person_id"], set(row["photos"]))
